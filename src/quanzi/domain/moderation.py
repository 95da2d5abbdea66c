"""Moderation of group messages: ads, floods, repeats, mass mentions, and a penalty ladder."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from quanzi.domain import filter_rules
from quanzi.domain.events import EventError, parse_ts
from quanzi.domain.filter_text import describe, scan, strip_separators
from quanzi.domain.screening import Reason

ACTIONS = {"allow": "放行", "warn": "警告", "recall": "撤回", "mute": "禁言", "kick": "移出"}
SEVERITY = {"allow": 0, "warn": 1, "recall": 2, "mute": 3, "kick": 4}


@dataclass(frozen=True, slots=True)
class Message:
    """One group message as moderation sees it."""

    id: str
    ts: datetime
    community: str
    person: str
    text: str = ""
    msg_type: str = "text"
    mentions: int = 0
    role: str | None = None  # the sender's role in the group, when known
    qr: bool = False  # an image with a QR code in it, when the carrier can tell


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a message, and why."""

    action: str
    reasons: tuple[Reason, ...] = ()
    mute_seconds: int = 0

    def to_dict(self, message_id: str) -> dict[str, Any]:
        """Return the `quanzi moderate --json` line."""
        line: dict[str, Any] = {
            "id": message_id,
            "action": self.action,
            "reasons": [r.to_dict() for r in self.reasons],
        }
        if self.action == "mute":
            line["mute_seconds"] = self.mute_seconds
        return line


ALLOW = Decision("allow")


def step_of(step: str) -> tuple[str, int]:
    """Split a ladder step such as `mute:600` into (action, seconds)."""
    action, _, seconds = step.partition(":")
    return action, int(seconds or 0)


def step_label(action: str, seconds: int) -> str:
    """Say a ladder step in Chinese: 禁言 10 分钟."""
    if action != "mute":
        return ACTIONS[action]
    if seconds % 86400 == 0:
        return f"禁言 {seconds // 86400} 天"
    if seconds % 3600 == 0:
        return f"禁言 {seconds // 3600} 小时"
    return f"禁言 {max(seconds // 60, 1)} 分钟"


@dataclass(slots=True)
class _Track:
    times: deque[datetime] = field(default_factory=deque)
    texts: deque[tuple[datetime, str]] = field(default_factory=deque)
    strikes: deque[datetime] = field(default_factory=deque)


class Moderator:
    """Moderates messages in time order, remembering each person's recent messages and strikes."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        settings = (config or filter_rules.DEFAULTS)["moderation"]
        self.rules: dict[str, dict[str, Any]] = settings["rules"]
        self.exempt = frozenset(settings["exempt_roles"])
        self.ladder = [step_of(s) for s in settings["ladder"]]
        self.window = timedelta(days=settings["window_days"])
        self.window_days: int = settings["window_days"]
        self.link_allow = tuple(d.lower() for d in settings["link_allow"])
        self.words = tuple(self.rules["ad.words"]["words"])
        flood, repeat = self.rules["flood"], self.rules["repeat"]
        self.flood_n, self.flood_span = flood["messages"], timedelta(seconds=flood["seconds"])
        self.repeat_n, self.repeat_span = repeat["times"], timedelta(seconds=repeat["seconds"])
        self.repeat_min = repeat["min_length"]
        self.max_mentions = self.rules["mentions"]["max_mentions"]
        self.tracks: dict[tuple[str, str], _Track] = {}

    def _on(self, rule: str) -> bool:
        return bool(self.rules[rule]["action"] != "off")

    def moderate(self, message: Message) -> Decision:
        """Decide one message; staff are exempt, everyone else climbs the ladder per strike."""
        if message.role in self.exempt:
            return ALLOW
        track = self.tracks.get((message.community, message.person))
        if track is None:
            track = self.tracks[(message.community, message.person)] = _Track()
        hits = self._hits(message, track)
        if not hits:
            return ALLOW
        return self._punish(message, track, hits)

    def _hits(self, message: Message, track: _Track) -> list[Reason]:
        found: list[Reason] = []
        text = message.text or ""
        if text:
            handoffs, urls, words = scan(text, self.link_allow, self.words)
            if handoffs and self._on("ad.contact"):
                found.append(self._reason("ad.contact", f"留了{describe(handoffs)}"))
            if urls and self._on("ad.link"):
                found.append(self._reason("ad.link", f"发了{describe(urls)}"))
            if words and self._on("ad.words"):
                found.append(self._reason("ad.words", f"含{describe(words)}"))
        if message.qr and self._on("ad.qr"):
            found.append(self._reason("ad.qr", "图片里有二维码"))
        now = message.ts
        times = track.times
        times.append(now)
        while times and times[0] <= now - self.flood_span:
            times.popleft()
        if self._on("flood") and len(times) >= self.flood_n:
            span = int(self.flood_span.total_seconds())
            found.append(self._reason("flood", f"{span} 秒内发了 {len(times)} 条消息"))
        key = strip_separators(text)
        texts = track.texts
        while texts and texts[0][0] <= now - self.repeat_span:
            texts.popleft()
        if len(key) >= self.repeat_min:
            texts.append((now, key))
            same = sum(1 for _, k in texts if k == key)
            if self._on("repeat") and same >= self.repeat_n:
                found.append(self._reason("repeat", f"同一句话重复了 {same} 次"))
        if self._on("mentions") and message.mentions > self.max_mentions:
            found.append(self._reason("mentions", f"一条消息 @ 了 {message.mentions} 人"))
        return found

    def _reason(self, rule: str, detail: str) -> Reason:
        return Reason(rule, detail, str(self.rules[rule]["action"]))

    def _punish(self, message: Message, track: _Track, hits: list[Reason]) -> Decision:
        strikes = track.strikes
        while strikes and strikes[0] <= message.ts - self.window:
            strikes.popleft()
        strikes.append(message.ts)
        action, seconds = "allow", 0
        reasons = list(hits)
        if any(r.action == "ladder" for r in hits):
            action, seconds = self.ladder[min(len(strikes), len(self.ladder)) - 1]
            detail = (
                f"{self.window_days} 天内第 {len(strikes)} 次违规 → {step_label(action, seconds)}"
            )
            reasons.append(Reason("ladder", detail, action))
        for reason in hits:
            if reason.action in SEVERITY and SEVERITY[reason.action] > SEVERITY[action]:
                action, seconds = reason.action, 0
        return Decision(action, tuple(reasons), seconds)


def message_from_raw(raw: Any) -> Message:
    """Read one `quanzi moderate` input line: a `message` event plus optional `role`, `qr`."""
    if not isinstance(raw, dict):
        raise EventError("每行应为一个 JSON 对象")
    message_id = raw.get("id")
    if not isinstance(message_id, str) or not message_id.strip():
        raise EventError("缺少必填字段 id（非空字符串）")
    if "ts" not in raw:
        raise EventError("缺少必填字段 ts")
    for name in ("text", "community", "person", "role", "msg_type"):
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise EventError(f"字段 {name} 应为字符串")
    mentions = raw.get("mentions") or []
    if not isinstance(mentions, list):
        raise EventError("字段 mentions 应为人员标识列表")
    return Message(
        id=message_id,
        ts=parse_ts(raw["ts"]),
        community=raw.get("community") or "",
        person=raw.get("person") or message_id,
        text=raw.get("text") or "",
        msg_type=raw.get("msg_type") or "text",
        mentions=len(mentions),
        role=raw.get("role"),
        qr=raw.get("qr") is True,
    )
