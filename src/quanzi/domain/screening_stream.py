"""Screening a stream of requests with no database: history is what the stream has shown."""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime, timedelta
from typing import Any

from quanzi.domain import vocab
from quanzi.domain.events import EventError, parse_ts
from quanzi.domain.screening import History, JoinRequest, Screener, Verdict

_TEXT_FIELDS = ("name", "comment", "avatar", "person", "inviter", "via")


def parse_when(value: str) -> datetime:
    """Parse an RFC 3339 time, or a bare date (a day in China: midnight +08:00)."""
    text = value.strip()
    return parse_ts(text + "T00:00:00+08:00" if len(text) == 10 else text)


def request_from_raw(raw: Any) -> JoinRequest:
    """Read one input line (the `join_request` fields of EVENTS.md plus `id`)."""
    if not isinstance(raw, dict):
        raise EventError("每行应为一个 JSON 对象")
    request_id = raw.get("id")
    if not isinstance(request_id, str) or not request_id.strip():
        raise EventError("缺少必填字段 id（非空字符串）")
    fields: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            raise EventError(f"字段 {name} 应为字符串")
        fields[name] = value
    source = raw.get("source")
    if source is not None and source not in vocab.SOURCES:
        raise EventError(f"字段 source 的取值 {source!r} 无效，应为：{'、'.join(vocab.SOURCES)}")
    level = raw.get("level")
    if level is not None and (isinstance(level, bool) or not isinstance(level, int)):
        raise EventError("字段 level 应为整数")
    ts = parse_ts(raw["ts"]) if raw.get("ts") is not None else None
    registered = raw.get("registered")
    if registered is not None:
        if not isinstance(registered, str):
            raise EventError("字段 registered 应为日期或时间字符串，如 2026-05-01")
        registered = parse_when(registered)
    return JoinRequest(
        id=request_id,
        name=fields["name"] or "",
        comment=fields["comment"] or "",
        avatar=fields["avatar"],
        source=source,
        person=fields["person"],
        inviter=fields["inviter"],
        via=fields["via"],
        ts=ts,
        level=level,
        registered=registered,
    )


class StreamHistory:
    """Remembers the requests seen so far, for the ring, burst and history rules."""

    def __init__(self, screener: Screener) -> None:
        self.ring = timedelta(days=screener.param("avatar.ring", "days"))
        self.inviter_window = timedelta(minutes=screener.param("burst.inviter", "minutes"))
        self.code_window = timedelta(minutes=screener.param("burst.code", "minutes"))
        self.avatars: dict[str, deque[tuple[datetime | None, str]]] = {}
        self.avatar_counts: dict[str, Counter[str]] = {}
        self.inviters: dict[str, deque[datetime | None]] = {}
        self.codes: dict[str, deque[datetime | None]] = {}
        self.rejected: set[str] = set()

    @staticmethod
    def _recent(queue: deque[Any], ts: datetime | None, window: timedelta, at: Any) -> None:
        # Without timestamps every earlier line counts; with them only the window does.
        while queue and ts is not None and at(queue[0]) is not None and at(queue[0]) < ts - window:
            queue.popleft()

    def before(self, request: JoinRequest) -> History:
        """Return the history of `request` and remember it."""
        ts, me = request.ts, request.person or request.id
        avatar_accounts = inviter_requests = code_requests = 0
        if request.avatar:
            users = self.avatars.setdefault(request.avatar, deque())
            # A count per account in the window, so a popular stock avatar costs O(1).
            counts = self.avatar_counts.setdefault(request.avatar, Counter())
            while (
                users
                and ts is not None
                and users[0][0] is not None
                and users[0][0] < ts - self.ring
            ):
                _, gone = users.popleft()
                counts[gone] -= 1
                if not counts[gone]:
                    del counts[gone]
            avatar_accounts = len(counts) - (1 if me in counts else 0)
            users.append((ts, me))
            counts[me] += 1
        if request.inviter:
            times = self.inviters.setdefault(request.inviter, deque())
            self._recent(times, ts, self.inviter_window, lambda item: item)
            times.append(ts)
            inviter_requests = len(times)
        if request.via:
            times = self.codes.setdefault(request.via, deque())
            self._recent(times, ts, self.code_window, lambda item: item)
            times.append(ts)
            code_requests = len(times)
        return History(
            rejected_before=me in self.rejected,
            inviter_status="rejected" if request.inviter in self.rejected else None,
            avatar_accounts=avatar_accounts,
            inviter_requests=inviter_requests,
            code_requests=code_requests,
        )

    def record(self, request: JoinRequest, verdict: Verdict) -> None:
        """Remember who was rejected, so their later requests and invitees are looked at."""
        if verdict.verdict == "reject":
            self.rejected.add(request.person or request.id)


def screen_stream(screener: Screener, requests: list[JoinRequest]) -> list[Verdict]:
    """Screen requests in order, each with the history the earlier ones make."""
    history = StreamHistory(screener)
    verdicts = []
    for request in requests:
        verdict = screener.screen(request, history.before(request))
        history.record(request, verdict)
        verdicts.append(verdict)
    return verdicts
