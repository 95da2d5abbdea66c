"""WeChatMsg / 留痕 CSV: the 12-column v1 layout with wxid and the v2 Chinese-header layout."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from quanzi.carriers.importers.common import (
    Item,
    event,
    from_epoch,
    iso,
    name_key,
    text_stream,
    wechat_member_event,
)
from quanzi.domain.events import EventError
from quanzi.errors import InvalidInput

V1 = [
    "localId",
    "TalkerId",
    "Type",
    "SubType",
    "IsSender",
    "CreateTime",
    "Status",
    "StrContent",
    "StrTime",
]
V2 = ["消息ID", "类型", "发送人", "时间", "内容"]
V1_TYPES = {"1": "text", "3": "image", "34": "other", "43": "other", "47": "sticker", "49": "link"}
V2_TYPES = {
    "文本": "text",
    "图片": "image",
    "表情包": "sticker",
    "分享链接": "link",
    "文件": "file",
    "引用消息": "text",
    "语音": "other",
    "视频": "other",
    "合并转发的聊天记录": "other",
}
SKIPPED_V2 = {"拍一拍", "撤回消息"}


def _v1(row: dict[str, str], community: str) -> dict[str, Any] | EventError | None:
    """Map one v1 row (MSG table columns) to an event."""
    try:
        ts = from_epoch(row["CreateTime"])
    except (ValueError, TypeError, OverflowError):
        return EventError(f"CreateTime 无效：{row.get('CreateTime')!r}")
    base = f"wechatmsg:{row['TalkerId']}:{row['localId']}"
    text = row.get("StrContent") or ""
    kind = row.get("Type") or ""
    if kind == "10000":
        return wechat_member_event(base, ts, community, text, ignore_inviters=("你",))
    if kind not in V1_TYPES and not kind.isdigit():
        return EventError(f"Type 无效：{kind!r}")
    if kind == "10002":
        return None
    sender = (row.get("Sender") or "").strip()
    if row.get("IsSender") == "1":
        person = f"wx:{sender}" if sender else "wx:self"
    else:
        person = f"wx:{sender}" if sender else name_key("wx", row.get("Remark") or "对方")
    name = row.get("NickName") or row.get("Remark") or None
    return event(
        "message",
        base,
        ts,
        community,
        person=person,
        name=name,
        text=text,
        msg_type=V1_TYPES.get(kind, "other"),
    )


def _v2(row: dict[str, str], community: str) -> dict[str, Any] | EventError | None:
    """Map one v2 row (Chinese headers, display names only) to an event."""
    try:
        ts = iso(datetime.strptime(row["时间"].strip(), "%Y-%m-%d %H:%M:%S"))
    except (ValueError, AttributeError):
        return EventError(f"时间无效：{row.get('时间')!r}")
    base = f"wechatmsg2:{community}:{row['消息ID']}"
    label, text = row.get("类型") or "", row.get("内容") or ""
    if label == "系统消息":
        return wechat_member_event(base, ts, community, text, ignore_inviters=("你",))
    if label in SKIPPED_V2:
        return None
    sender = (row.get("发送人") or "").strip()
    if not sender:
        return EventError("缺少发送人")
    return event(
        "message",
        base,
        ts,
        community,
        person=name_key("wx", sender),
        name=row.get("昵称") or sender,
        text=text,
        msg_type=V2_TYPES.get(label, "other"),
    )


def read(handle: IO[bytes], community: str) -> Iterator[Item]:
    """Yield (line number, event or error) for a WeChatMsg CSV, either generation."""
    stream = text_stream(handle)
    try:
        yield from _rows(csv.DictReader(stream), community)
    finally:
        stream.detach()  # leave the caller's file open


def _rows(reader: csv.DictReader[str], community: str) -> Iterator[Item]:
    """Yield items of the rows, choosing the layout from the header."""
    header = reader.fieldnames or []
    if header[: len(V1)] == V1:
        mapper = _v1
    elif header[: len(V2)] == V2:
        mapper = _v2
    else:
        raise InvalidInput(
            f"不认识的 WeChatMsg CSV 表头：{','.join(header)[:80]}", code="import_bad_shape"
        )
    for row in reader:
        number = reader.line_num  # the row's last physical line (bodies may span lines)
        if None in row or any(row.get(k) is None for k in header[:5]):
            yield number, EventError("列数与表头不符")
            continue
        result = mapper(row, community)
        if result is not None:
            yield number, result
