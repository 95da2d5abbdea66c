"""Importers of chat exports: each reads one format into canonical events (no database)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO

from quanzi.carriers.importers import (
    chatlog_json,
    discord_json,
    qce_json,
    qq_txt,
    telegram_json,
    wechatmsg_csv,
)
from quanzi.carriers.importers.common import SNIFF_BYTES, Item, decode_head
from quanzi.errors import InvalidInput

Reader = Callable[[IO[bytes], str], Iterator[Item]]
READERS: dict[str, Reader] = {
    "qq-txt": qq_txt.read,
    "qce-json": qce_json.read,
    "wechatmsg-csv": wechatmsg_csv.read,
    "chatlog-json": chatlog_json.read,
    "telegram-json": telegram_json.read,
    "discord-json": discord_json.read,
}
FORMATS = (*READERS, "auto")
TELEGRAM_TYPES = re.compile(
    r'"type"\s*:\s*"(personal_chat|\w*group|\w*supergroup|\w*channel|saved_messages)"'
)


def detect(head: bytes) -> str:
    """Name the format of a file from its first bytes, or raise InvalidInput."""
    text = decode_head(head)
    first = text.split("\n", 1)[0]
    if text.startswith("["):
        return "chatlog-json"
    if text.startswith("{"):
        if '"guild"' in text and '"channel"' in text:
            return "discord-json"
        if '"chatInfo"' in text or '"metadata"' in text:
            return "qce-json"
        if '"personal_information"' in text or '"about"' in text or TELEGRAM_TYPES.search(text):
            return "telegram-json"
        if '"talker"' in text and '"messages"' in text:
            return "chatlog-json"
    if first.startswith(("localId,TalkerId", "消息ID,类型")):
        return "wechatmsg-csv"
    if text.startswith("消息记录") or qq_txt.HEADER.match(first):
        return "qq-txt"
    raise InvalidInput(
        "无法从内容判断导出格式，请明确指定：" + "、".join(READERS), code="import_unknown_format"
    )


def reader_of(fmt: str, head: bytes) -> tuple[str, Reader]:
    """Return (format name, reader) for `fmt`, detecting it from `head` when `fmt` is auto."""
    name = detect(head[:SNIFF_BYTES]) if fmt == "auto" else fmt
    if name not in READERS:
        raise InvalidInput(
            f"不支持的格式 {fmt}，可选：" + "、".join(FORMATS), code="import_unknown_format"
        )
    return name, READERS[name]
