"""Loading a JSON export whole, with a clean error when it is not JSON."""

from __future__ import annotations

import json
from typing import IO, Any

from quanzi.carriers.importers.common import text_stream
from quanzi.errors import InvalidInput


def load(handle: IO[bytes], what: str) -> Any:
    """Return the decoded document, or raise InvalidInput naming the format and the place."""
    stream = text_stream(handle)
    try:
        return json.load(stream)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{what} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）",
            code="import_bad_json",
        ) from None
    finally:
        stream.detach()  # leave the caller's file open


def records(document: Any, key: str, what: str) -> list[Any]:
    """Return `document[key]` as a list, or raise InvalidInput saying the shape is wrong."""
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise InvalidInput(f"{what} 缺少 {key} 列表，文件格式不对", code="import_bad_shape")
    return items
