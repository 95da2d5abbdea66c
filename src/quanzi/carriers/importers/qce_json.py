"""qq-chat-exporter (QCE) V4 JSON, the NTQQ-era QQ export that runs through NapCat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from quanzi.carriers.importers.common import Item, event, from_epoch, member_line, name_key
from quanzi.carriers.importers.jsonfile import Meta, stream
from quanzi.domain.events import EventError


def _ts(message: dict[str, Any]) -> str:
    """Return the message time from `timestamp` (ISO) or `rawMessage.msgTime` (epoch)."""
    stamp = message.get("timestamp")
    if isinstance(stamp, str) and stamp:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).isoformat()
    if isinstance(stamp, int | float):
        return from_epoch(stamp / 1000 if stamp > 10**11 else stamp)
    return from_epoch((message.get("rawMessage") or {})["msgTime"])


def _one(message: Any, community: str, chat: str) -> dict[str, Any] | EventError | None:
    """Map one QCE message to an event, an error, or nothing (recalled, other system)."""
    if not isinstance(message, dict):
        return EventError("消息应为 JSON 对象")
    if message.get("isRecalled"):
        return None
    sender = message.get("sender") or {}
    raw = message.get("rawMessage") or {}
    uin = str(sender.get("uin") or raw.get("senderUin") or "").strip()
    name = str(raw.get("sendMemberName") or sender.get("name") or raw.get("sendNickName") or "")
    content = message.get("content") or {}
    text = str(content.get("text") or "")
    try:
        ts = _ts(message)
    except (KeyError, ValueError, TypeError, OverflowError):
        return EventError("缺少有效的 timestamp")
    mid = str(message.get("messageId") or raw.get("msgId") or "")
    if not mid:
        return EventError("缺少 messageId")
    base = f"qce:{chat}:{mid}"
    if message.get("isSystemMessage"):
        found = member_line(text)
        if found is None:
            return None
        kind, who, by = found
        if kind == "join":
            return event(
                "join",
                base,
                ts,
                community,
                person=name_key("qq", who),
                name=who,
                source="import",
                inviter=name_key("qq", by) if by else None,
            )
        return event(
            "leave",
            base,
            ts,
            community,
            person=name_key("qq", who),
            name=who,
            reason="kick" if kind == "kick" else "leave",
        )
    if not uin:
        return EventError("发送人缺少 uin")
    resources = content.get("resources") or []
    kind_of = "text"
    if resources and not text.strip():
        first = resources[0] if isinstance(resources[0], dict) else {}
        kind_of = "image" if first.get("type") == "image" else "file"
    return event(
        "message", base, ts, community, person=f"qq:{uin}", name=name, text=text, msg_type=kind_of
    )


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (message index from 1, event or error) for a QCE JSON export, streamed."""
    chat, last = community, 0
    for part in stream(handle, "QCE JSON", ("messages",), ("chatInfo.name",)):
        if isinstance(part, EventError):
            yield last + 1, part
        elif isinstance(part, Meta):
            chat = str(part.value or community)  # QCE writes chatInfo before the messages
        else:
            last = part.index
            result = _one(part.value, community, chat)
            if result is not None:
                yield part.index, result
