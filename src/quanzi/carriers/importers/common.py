"""Shared helpers of the chat-export importers: ids, times, texts, system lines."""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any

from quanzi.domain.events import EventError

# What every importer yields: a place in the file (line or record number) and an event or error.
Item = tuple[int, "dict[str, Any] | EventError"]
CHINA = timezone(timedelta(hours=8))
SNIFF_BYTES = 64 * 1024

# System lines about members, as QQ and WeChat word them.
_WHO = r'"?(?P<who>[^"]+?)"?'
_BY = r'"?(?P<by>[^"]+?)"?'
_GROUP = r"(?:了)?(?:本群|群聊)[。.]?$"
JOIN_LINES = (
    re.compile(rf"^{_BY}邀请{_WHO}加入{_GROUP}"),
    re.compile(rf"^{_WHO}通过扫描{_BY}分享的二维码加入{_GROUP}"),
    re.compile(rf"^{_WHO}加入{_GROUP}"),
)
KICK_LINE = re.compile(rf"^{_WHO}被{_BY}移出{_GROUP}")
KICK_BY_LINE = re.compile(rf"^{_BY}将{_WHO}移出{_GROUP}")
LEAVE_LINE = re.compile(rf"^{_WHO}退出{_GROUP}")


def short_hash(*parts: str) -> str:
    """Return a short stable hash of `parts`, for ids of records that carry none."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False)
    return digest.hexdigest()[:20]


def iso(moment: datetime) -> str:
    """Return an RFC 3339 string with offset (naive times are taken as China time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.isoformat()


def from_epoch(value: Any) -> str:
    """Return the RFC 3339 string of a Unix time in seconds (int or numeric string)."""
    return datetime.fromtimestamp(int(value), UTC).astimezone(CHINA).isoformat()


def event(kind: str, event_id: str, ts: str, community: str, **fields: Any) -> dict[str, Any]:
    """Build one canonical event dict, leaving out fields that are None or empty."""
    raw: dict[str, Any] = {"id": event_id, "ts": ts, "kind": kind, "community": community}
    raw.update({k: v for k, v in fields.items() if v not in (None, "", [])})
    return raw


def name_key(carrier: str, name: str) -> str:
    """Return a person key for someone known only by display name (`ext:qq-name:小李`)."""
    return f"ext:{carrier}-name:{name.strip()}"


def member_line(text: str) -> tuple[str, str, str | None] | None:
    """Read a system line about a member: (kind, who, by) with kind join/kick/leave, else None."""
    line = text.strip()
    for pattern in JOIN_LINES:
        if found := pattern.match(line):
            return "join", found["who"], found.groupdict().get("by")
    if found := KICK_LINE.match(line) or KICK_BY_LINE.match(line):
        return "kick", found["who"], found["by"]
    if found := LEAVE_LINE.match(line):
        return "leave", found["who"], None
    return None


def guess_encoding(head: bytes) -> str:
    """Choose UTF-16 (by BOM), UTF-8, or GB18030 (old Windows exports) from a file's first bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def decode_head(head: bytes) -> str:
    """Return a file's first bytes as text, for format detection."""
    return head.decode(guess_encoding(head), errors="ignore").lstrip("\ufeff \t\r\n")


def text_stream(handle: IO[bytes]) -> io.TextIOWrapper:
    """Wrap a binary file as text, choosing UTF-8, UTF-16 (by BOM) or GB18030 (old Windows)."""
    buffered = handle if isinstance(handle, io.BufferedReader) else io.BufferedReader(handle)  # type: ignore[type-var]
    encoding = guess_encoding(buffered.peek(SNIFF_BYTES)[:SNIFF_BYTES])
    return io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")


def lines(handle: IO[bytes]) -> Iterator[tuple[int, str]]:
    """Yield (line number from 1, line without its end) of a text export."""
    stream = text_stream(handle)
    try:
        for number, line in enumerate(stream, start=1):
            yield number, line.rstrip("\r\n")
    finally:
        stream.detach()  # the caller owns the file and may still ask where it is


def wechat_member_event(
    base: str, ts: str, community: str, text: str, *, ignore_inviters: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """Turn a WeChat system line into a join/leave event, or None for other notices."""
    found = member_line(text)
    if found is None:
        return None
    what, who, by = found
    if what == "join":
        return event(
            "join",
            base,
            ts,
            community,
            person=name_key("wx", who),
            name=who,
            source="import",
            inviter=name_key("wx", by) if by and by not in ignore_inviters else None,
        )
    return event(
        "leave",
        base,
        ts,
        community,
        person=name_key("wx", who),
        name=who,
        reason="kick" if what == "kick" else "leave",
    )
