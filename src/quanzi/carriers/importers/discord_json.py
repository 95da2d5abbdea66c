"""DiscordChatExporter JSON (Tyrrrz): messages, replies and `GuildMemberJoin`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from quanzi.carriers.importers.common import Item, event
from quanzi.carriers.importers.jsonfile import Meta, stream
from quanzi.domain.events import EventError

MESSAGES = {"Default", "Reply", "ThreadStarterMessage"}


def _one(message: Any, community: str, channel: str) -> dict[str, Any] | EventError | None:
    """Map one exported message to an event, an error or nothing (other kinds)."""
    if not isinstance(message, dict) or not message.get("id"):
        return EventError("消息应为带 id 的 JSON 对象")
    author = message.get("author") or {}
    if not author.get("id"):
        return EventError("缺少 author.id")
    try:
        ts = datetime.fromisoformat(str(message["timestamp"])).isoformat()
    except (KeyError, ValueError):
        return EventError(f"timestamp 无效：{message.get('timestamp')!r}")
    base = f"dc:{channel}:{message['id']}"
    person = f"dc:{author['id']}"
    name = author.get("nickname") or author.get("name")
    kind = message.get("type")
    if kind == "GuildMemberJoin":
        return event("join", base, ts, community, person=person, name=name, source="import")
    if kind not in MESSAGES:
        return None
    reference = message.get("reference") or {}
    attachments = message.get("attachments") or []
    msg_type = "text"
    if attachments and not message.get("content"):
        msg_type = (
            "image"
            if str(attachments[0].get("fileName", ""))
            .lower()
            .endswith((".png", ".jpg", ".jpeg", ".gif", ".webp"))
            else "file"
        )
    elif message.get("stickers"):
        msg_type = "sticker"
    mentions = [
        f"dc:{m['id']}"
        for m in message.get("mentions") or []
        if isinstance(m, dict) and m.get("id")
    ]
    return event(
        "message",
        base,
        ts,
        community,
        person=person,
        name=name,
        text=str(message.get("content") or ""),
        msg_type=msg_type,
        mentions=mentions,
        reply_to=f"dc:{reference.get('channelId') or channel}:{reference['messageId']}"
        if reference.get("messageId")
        else None,
    )


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (message index from 1, event or error) for a DiscordChatExporter file, streamed."""
    channel, last = "", 0
    for part in stream(handle, "Discord JSON", ("messages",), ("channel.id",)):
        if isinstance(part, EventError):
            yield last + 1, part
        elif isinstance(part, Meta):
            channel = str(part.value or "")  # DCE writes guild and channel before the messages
        else:
            last = part.index
            result = _one(part.value, community, channel)
            if result is not None:
                yield part.index, result
