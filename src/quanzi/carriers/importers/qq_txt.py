"""QQ 消息管理器 TXT exports (legacy PC QQ): headers, multi-line bodies, system join lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from quanzi.carriers.importers.common import (
    Item,
    event,
    iso,
    lines,
    member_line,
    name_key,
    short_hash,
)
from quanzi.domain.events import EventError

HEADER = re.compile(
    r"^(\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}(?: [AP]M)?) (.+?)(?:\((\d+)\)|<([^>]+)>)?$"
)
TITLE = re.compile(r"^【[^】]*】")
OBJECT = re.compile(r"^消息对象[:：](.*)$")
SYSTEM_IDS = {"10000", "1000000"}


def parse_time(text: str) -> datetime:
    """Parse `2019-09-23 8:43:38 PM` or `2024-01-02 03:04:05` (China time), else ValueError."""
    day, clock, *half = text.split(" ")
    year, month, date = (int(part) for part in day.split("-"))
    hour, minute, second = (int(part) for part in clock.split(":"))
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half[0] == "PM" else 0)
    return datetime(year, month, date, hour, minute, second)


class _Message:
    """One header and the body lines under it."""

    def __init__(self, number: int, stamp: str, sender: str, uin: str | None, mail: str | None):
        self.number, self.stamp, self.sender = number, stamp, sender
        self.uin, self.mail = uin, mail
        self.body: list[str] = []


def _finish(
    message: _Message, community: str, chat: str, seen: dict[str, int]
) -> dict[str, Any] | EventError | None:
    """Turn one header and body into an event, an error, or nothing (other system lines)."""
    try:
        moment = parse_time(message.stamp)
    except ValueError:
        return EventError(f"时间无效：{message.stamp}")
    while message.body and not message.body[-1].strip():
        message.body.pop()
    text = "\n".join(message.body)
    ts = iso(moment)
    sender = TITLE.sub("", message.sender).strip()
    key = short_hash(chat, message.stamp, sender, message.uin or message.mail or "", text)
    seen[key] = seen.get(key, 0) + 1
    base = f"qqtxt:{community}:{key}:{seen[key]}"
    if sender == "系统消息" and (message.uin in SYSTEM_IDS or message.uin is None):
        found = member_line(text)
        if found is None:
            return None
        kind, who, by = found
        person = name_key("qq", who)
        if kind == "join":
            inviter = name_key("qq", by) if by else None
            return event(
                "join",
                base,
                ts,
                community,
                person=person,
                name=who,
                source="import",
                inviter=inviter,
            )
        return event(
            "leave",
            base,
            ts,
            community,
            person=person,
            name=who,
            reason="kick" if kind == "kick" else "leave",
        )
    if message.uin:
        person = f"qq:{message.uin}"
    elif message.mail:
        person = f"qq:{message.mail}"
    else:
        person = name_key("qq", sender)
    return event(
        "message",
        base,
        ts,
        community,
        person=person,
        name=sender,
        text=text,
        msg_type=_type_of(text),
    )


def _type_of(text: str) -> str:
    """Guess the message type from the body QQ wrote ([图片], [表情], links)."""
    stripped = text.strip()
    if stripped in ("[图片]", "[Image]"):
        return "image"
    if stripped.startswith("[表情]") or stripped == "[Sticker]":
        return "sticker"
    if stripped.startswith(("http://", "https://")):
        return "link"
    return "text"


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (line number, event or error) for every header of a QQ TXT export."""
    chat = ""
    current: _Message | None = None
    seen: dict[str, int] = {}
    last_stamp = ""
    for number, line in lines(handle):
        header = HEADER.match(line)
        if header is None:
            if current is not None:
                current.body.append(line)
            elif found := OBJECT.match(line):
                chat = found[1].strip()
            continue
        if current is not None:
            result = _finish(current, community, chat, seen)
            if result is not None:
                yield current.number, result
        if header[1] != last_stamp:
            seen.clear()  # duplicates can only share a second; keeps memory bounded
            last_stamp = header[1]
        current = _Message(number, header[1], header[2], header[3], header[4])
    if current is not None:
        result = _finish(current, community, chat, seen)
        if result is not None:
            yield current.number, result
