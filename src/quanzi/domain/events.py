"""The canonical event (EVENTS.md): validation of one raw object into a typed value."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from quanzi.domain import vocab

PERSON_KEY = re.compile(r"^[a-z][a-z0-9_]{0,15}:\S.*$")
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 20_000


class EventError(ValueError):
    """A raw event that breaks the contract; the message says what, in Chinese."""


@dataclass(frozen=True, slots=True)
class Event:
    """One validated canonical event; `data` keeps every field as given (extras too)."""

    id: str
    ts: datetime
    kind: str
    community: str | None
    person: str | None
    name: str | None
    data: Mapping[str, Any] = field(repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a kind-specific field, or `default` when absent."""
        return self.data.get(key, default)


Check = Callable[[str, Any], Any]


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise EventError(f"字段 {name} 应为字符串")
    if len(value) > MAX_TEXT_LENGTH:
        raise EventError(f"字段 {name} 过长（超过 {MAX_TEXT_LENGTH} 字符）")
    return value


def _nonempty(name: str, value: Any) -> str:
    text = _text(name, value)
    if not text.strip():
        raise EventError(f"字段 {name} 不能为空")
    return text


def _person(name: str, value: Any) -> str:
    text = _text(name, value)
    if not PERSON_KEY.match(text):
        raise EventError(
            f"字段 {name} 应为 “载体:账号” 形式的人员标识，例如 qq:10001，实际为 {text!r}"
        )
    return text


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError(f"字段 {name} 应为数字")
    if not math.isfinite(value) or value < 0:
        raise EventError(f"字段 {name} 应为非负数")
    return float(value)


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(f"字段 {name} 应为整数")
    if value < 0:
        raise EventError(f"字段 {name} 应为非负整数")
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EventError(f"字段 {name} 应为 true 或 false")
    return value


def _people(name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise EventError(f"字段 {name} 应为人员标识列表")
    return [_person(f"{name}[{i}]", item) for i, item in enumerate(value)]


def _texts(name: str, value: Any) -> list[str]:
    if not isinstance(value, list):
        raise EventError(f"字段 {name} 应为字符串列表")
    return [_text(f"{name}[{i}]", item) for i, item in enumerate(value)]


def _one_of(options: Mapping[str, str]) -> Check:
    def check(name: str, value: Any) -> str:
        if value not in options:
            allowed = "、".join(options)
            raise EventError(f"字段 {name} 的取值 {value!r} 无效，应为：{allowed}")
        return str(value)

    return check


KIND_FIELDS: dict[str, dict[str, Check]] = {
    "community": {
        "name": _text,
        "purpose": _one_of(vocab.PURPOSES),
        "model": _one_of(vocab.MODELS),
        "type": _one_of(vocab.COMMUNITY_TYPES),
        "carrier": _one_of(vocab.CARRIERS),
        "price": _number,
        "ladder": _text,
        "rank": _integer,
        "capacity": _integer,
    },
    "join_request": {
        "comment": _text,
        "avatar": _text,
        "source": _one_of(vocab.SOURCES),
        "inviter": _person,
        "via": _text,
    },
    "join": {
        "source": _one_of(vocab.SOURCES),
        "inviter": _person,
        "via": _text,
        "role": _one_of(vocab.ROLES),
    },
    "leave": {"reason": _one_of(vocab.LEAVE_REASONS)},
    "message": {
        "text": _text,
        "msg_type": _one_of(vocab.MSG_TYPES),
        "reply_to": _text,
        "mentions": _people,
    },
    "purchase": {
        "item": _nonempty,
        "qty": _number,
        "amount": _number,
        "order": _nonempty,
        "leader": _person,
    },
    "refund": {"order": _nonempty},
    "invite": {
        "inviter": _person,
        "invitee": _person,
        "campaign": _text,
        "via": _text,
    },
    "activity": {
        "organ": _one_of(vocab.ORGANS),
        "title": _text,
        "activity": _nonempty,
    },
    "attend": {"activity": _nonempty},
    "person": {
        "region": _text,
        "tags": _texts,
        "consent": _boolean,
        "role": _one_of(vocab.ROLES),
    },
}

# Fields a kind cannot do without, beyond the common ones.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "purchase": ("item",),
    "refund": ("order",),
    "invite": ("inviter", "invitee"),
    "activity": ("activity",),
    "attend": ("activity", "person"),
    "join_request": ("person",),
    "join": ("person",),
    "leave": ("person",),
    "message": ("person",),
    "person": ("person",),
}


def parse_ts(value: Any) -> datetime:
    """Parse an RFC 3339 timestamp that carries its offset; return it in UTC."""
    if not isinstance(value, str):
        raise EventError("字段 ts 应为 RFC 3339 时间字符串，例如 2026-03-01T09:00:00+08:00")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EventError(f"字段 ts 不是有效的 RFC 3339 时间：{value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise EventError(f"字段 ts 缺少时区偏移（如 +08:00 或 Z）：{value!r}")
    return parsed.astimezone(UTC)


def parse_event(raw: Any) -> Event:
    """Validate one raw object against EVENTS.md; raise EventError saying what is wrong."""
    if not isinstance(raw, dict):
        raise EventError("每个事件应为一个 JSON 对象")
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id.strip():
        raise EventError("缺少必填字段 id（非空字符串）")
    if len(event_id) > MAX_ID_LENGTH:
        raise EventError(f"字段 id 过长（超过 {MAX_ID_LENGTH} 字符）")
    if "ts" not in raw:
        raise EventError("缺少必填字段 ts")
    ts = parse_ts(raw["ts"])
    kind = raw.get("kind")
    if kind is None:
        raise EventError("缺少必填字段 kind")
    if kind not in KIND_FIELDS:
        raise EventError(f"未知的事件类型 kind={kind!r}，应为：{'、'.join(KIND_FIELDS)}")
    community = raw.get("community")
    if community is None:
        if kind != "person":
            raise EventError(f"{kind} 事件缺少必填字段 community")
    else:
        community = _nonempty("community", community)
    person = raw.get("person")
    if person is not None:
        person = _person("person", person)
    name = raw.get("name")
    if name is not None:
        name = _text("name", name)
    for required in REQUIRED_FIELDS.get(kind, ()):
        if raw.get(required) is None:
            raise EventError(f"{kind} 事件缺少必填字段 {required}")
    for key, check in KIND_FIELDS[kind].items():
        value = raw.get(key)
        if value is not None:
            check(key, value)
    return Event(
        id=event_id, ts=ts, kind=kind, community=community, person=person, name=name, data=raw
    )


def parse_line(line: str) -> Event:
    """Parse one JSON Lines line into an event."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EventError(f"不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）") from None
    return parse_event(raw)
