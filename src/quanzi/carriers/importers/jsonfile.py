"""Reading a JSON export as a stream: records one at a time, memory bounded by one record."""

from __future__ import annotations

import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson

from quanzi.carriers.importers.common import text_stream
from quanzi.domain.events import EventError
from quanzi.errors import InvalidInput

CHUNK = 64 * 1024


class _Utf8:
    """Hand ijson UTF-8 bytes whatever the file's encoding (UTF-16, GB18030…)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text = text

    def read(self, size: int = -1) -> bytes:
        # ijson probes with read(0); a negative size would read the whole file: take a chunk.
        return self.text.read(size if size >= 0 else CHUNK).encode("utf-8")


@dataclass(frozen=True)
class Record:
    """One element of a record array, numbered from 1 across the whole file."""

    array: str
    index: int
    value: Any


@dataclass(frozen=True)
class Meta:
    """A small value read before the records (a chat's name or id)."""

    prefix: str
    value: Any


Part = Record | Meta


def _parts(handle: IO[bytes], arrays: Collection[str], meta: Collection[str]) -> Iterator[Part]:
    """Yield each wanted value as soon as it is complete (ijson prefixes: `messages.item`)."""
    items = {f"{a}.item" if a else "item": a for a in arrays}
    builder: ijson.ObjectBuilder | None = None
    building, index = "", 0
    text = text_stream(handle)
    try:
        for prefix, kind, value in ijson.parse(_Utf8(text), use_float=True):
            if builder is not None:
                builder.event(kind, value)
                if prefix == building and kind in ("end_map", "end_array"):
                    index += 1
                    yield Record(items[building], index, builder.value)
                    builder = None
                continue
            if prefix in items and kind in ("start_map", "start_array"):
                builder, building = ijson.ObjectBuilder(), prefix
                builder.event(kind, value)
            elif prefix in items and kind not in ("end_map", "end_array", "map_key"):
                index += 1
                yield Record(items[prefix], index, value)
            elif prefix in meta and kind not in ("start_map", "start_array", "map_key"):
                yield Meta(prefix, value)
            elif prefix in arrays and kind == "start_array":
                yield Meta(prefix, [])  # the array is there (it may still be empty)
    finally:
        text.detach()  # leave the caller's file open


def stream(
    handle: IO[bytes], what: str, arrays: Collection[str], meta: Collection[str] = ()
) -> Iterator[Part | EventError]:
    """Stream an export's records; a break in the JSON after some records ends it as an error.

    A file broken before its first record is refused whole (InvalidInput); one whose records
    never appear has the wrong shape.
    """
    seen_array, last = False, 0
    try:
        for part in _parts(handle, arrays, meta):
            if isinstance(part, Meta) and part.prefix in arrays:
                seen_array = True
                continue
            if isinstance(part, Record):
                last = part.index
            yield part
    except ijson.JSONError as exc:
        if not last:
            raise InvalidInput(f"{what} 不是有效的 JSON（{exc}）", code="import_bad_json") from None
        yield EventError(f"第 {last} 条之后 JSON 损坏，其余内容无法读取（{exc}）")
        return
    if not seen_array:
        names = "、".join(a or "根数组" for a in arrays)
        raise InvalidInput(f"{what} 缺少 {names} 列表，文件格式不对", code="import_bad_shape")
