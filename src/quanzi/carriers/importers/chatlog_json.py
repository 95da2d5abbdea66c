"""sjzar/chatlog JSON (`/api/v1/chatlog?format=json` and its webhook), WeChat read-only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

from quanzi.carriers.importers.common import (
    Item,
    event,
    from_epoch,
    name_key,
    wechat_member_event,
)
from quanzi.carriers.importers.jsonfile import Meta, stream
from quanzi.domain.events import EventError

TYPES = {1: "text", 3: "image", 34: "other", 43: "other", 47: "sticker", 49: "link"}
SYSTEM = 10000


def message_event(message: Any, community: str) -> dict[str, Any] | EventError | None:
    """Map one chatlog message to an event, an error, or nothing (revokes, other system)."""
    if not isinstance(message, dict):
        return EventError("消息应为 JSON 对象")
    talker = str(message.get("talker") or "")
    seq = message.get("seq")
    if not talker or seq is None:
        return EventError("缺少 talker 或 seq")
    try:
        stamp = message.get("time")
        ts = (
            datetime.fromisoformat(stamp).isoformat()
            if isinstance(stamp, str)
            else from_epoch(int(seq) // 1000)
        )
    except (ValueError, TypeError, OverflowError):
        return EventError(f"时间无效：{message.get('time')!r}")
    base = f"chatlog:{talker}:{seq}"  # same id from import, puller and webhook: stored once
    kind = message.get("type")
    text = str(message.get("content") or "")
    if kind == SYSTEM:
        return wechat_member_event(base, ts, community, text)
    if kind not in TYPES and not isinstance(kind, int):
        return EventError(f"未知的消息类型 {kind!r}")
    if isinstance(kind, int) and kind > SYSTEM:
        return None
    sender = str(message.get("sender") or "").strip()
    person = f"wx:{sender}" if sender else name_key("wx", str(message.get("senderName") or "?"))
    return event(
        "message",
        base,
        ts,
        community,
        person=person,
        name=message.get("senderName"),
        text=text,
        msg_type=TYPES.get(kind, "other"),
    )


def events_of(messages: Iterable[Any], community: str) -> Iterator[Item]:
    """Yield (index from 1, event or error) for a list of chatlog messages."""
    for index, message in enumerate(messages, start=1):
        result = message_event(message, community)
        if result is not None:
            yield index, result


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (message index from 1, event or error) for a chatlog JSON array or webhook body."""
    last = 0
    for part in stream(handle, "chatlog JSON", ("", "messages")):
        if isinstance(part, EventError):
            yield last + 1, part
        elif not isinstance(part, Meta):
            last = part.index
            result = message_event(part.value, community)
            if result is not None:
                yield part.index, result
