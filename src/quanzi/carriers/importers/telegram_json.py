"""Telegram Desktop `result.json`: single-chat or full exports, service actions as members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from quanzi.carriers.importers.common import Item, event, from_epoch, name_key
from quanzi.carriers.importers.jsonfile import Meta, stream
from quanzi.domain.events import EventError

JOIN_SELF = {"join_group_by_link", "join_group_by_request"}


def person_of(from_id: Any, name: Any) -> str:
    """Return `tg:10001` for `user10001`, `tg:channel5` for channels, else a name key."""
    text = str(from_id or "")
    if text.startswith("user") and text[4:].isdigit():
        return f"tg:{text[4:]}"
    if text:
        return f"tg:{text}"
    return name_key("tg", str(name or "?"))


def text_of(message: dict[str, Any]) -> str:
    """Return the plain text, read from `text_entities` (or `text` as string or mixed list)."""
    entities = message.get("text_entities")
    if isinstance(entities, list):
        return "".join(str(e.get("text", "")) for e in entities if isinstance(e, dict))
    text = message.get("text", "")
    if isinstance(text, list):
        return "".join(t if isinstance(t, str) else str(t.get("text", "")) for t in text)
    return str(text)


def _service(
    message: dict[str, Any], base: str, ts: str, community: str
) -> Iterator[dict[str, Any]]:
    """Yield join/leave events of one service message."""
    action = message.get("action")
    actor = person_of(message.get("actor_id"), message.get("actor"))
    members = [str(m) for m in message.get("members") or [] if m]
    if action in JOIN_SELF:
        yield event(
            "join", base, ts, community, person=actor, name=message.get("actor"), source="import"
        )
    elif action == "invite_members":
        for n, member in enumerate(members, start=1):
            yield event(
                "join",
                f"{base}:{n}",
                ts,
                community,
                person=name_key("tg", member),
                name=member,
                source="import",
                inviter=actor,
            )
    elif action == "remove_members":
        if members == [message.get("actor")] or not members:
            yield event(
                "leave",
                base,
                ts,
                community,
                person=actor,
                name=message.get("actor"),
                reason="leave",
            )
            return
        for n, member in enumerate(members, start=1):
            yield event(
                "leave",
                f"{base}:{n}",
                ts,
                community,
                person=name_key("tg", member),
                name=member,
                reason="kick",
            )


def _message(index: int, message: Any, chat: Any, community: str) -> Iterator[Item]:
    """Yield the items of one record of the chat whose id is `chat`."""
    if not isinstance(message, dict) or "id" not in message:
        yield index, EventError("消息应为带 id 的 JSON 对象")
        return
    try:
        ts = from_epoch(message["date_unixtime"])
    except (KeyError, ValueError, TypeError, OverflowError):
        yield index, EventError("缺少有效的 date_unixtime")
        return
    base = f"tg:{chat}:{message['id']}"
    if message.get("type") == "service":
        for item in _service(message, base, ts, community):
            yield index, item
        return
    kind = "text"
    if message.get("photo"):
        kind = "image"
    elif message.get("media_type") == "sticker":
        kind = "sticker"
    elif message.get("file") or message.get("media_type"):
        kind = "file"
    reply = message.get("reply_to_message_id")
    yield (
        index,
        event(
            "message",
            base,
            ts,
            community,
            person=person_of(message.get("from_id"), message.get("from")),
            name=message.get("from"),
            text=text_of(message),
            msg_type=kind,
            reply_to=f"tg:{chat}:{reply}" if reply else None,
        ),
    )


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (record index, event or error) for a Telegram export (all its chats), streamed."""
    chat: Any = None
    last = 0
    # tdesktop writes each chat's id before its messages, in single and full exports alike.
    parts = stream(handle, "Telegram JSON", ("messages", "chats.list.item.messages"),
                   ("id", "chats.list.item.id"))  # fmt: skip
    for part in parts:
        if isinstance(part, EventError):
            yield last + 1, part
        elif isinstance(part, Meta):
            chat = part.value
        else:
            last = part.index
            yield from _message(part.index, part.value, chat, community)
