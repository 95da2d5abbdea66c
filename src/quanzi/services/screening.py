"""Screening inside the store: rule sets per community, histories from the log, ingest hook."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quanzi.domain import filter_rules
from quanzi.domain.events import EventError
from quanzi.domain.screening import History, JoinRequest, Screener, Verdict
from quanzi.domain.screening_stream import parse_when
from quanzi.store import models as m
from quanzi.store import models_filter as mf

if TYPE_CHECKING:
    from quanzi.services.projector import BatchProjector

CHUNK = 500


def rules_texts(session: Session, community_id: int | None) -> tuple[str, str]:
    """Return the stored (installation, community) rule texts; empty when never written."""
    rows = {
        row.community_id: row.source
        for row in session.scalars(
            select(mf.FilterRules).where(
                (mf.FilterRules.community_id.is_(None))
                | (mf.FilterRules.community_id == community_id)
            )
        )
    }
    return rows.get(None, ""), rows.get(community_id, "") if community_id is not None else ""


def screener_for(
    session: Session, community_id: int | None, override: str | None = None
) -> Screener:
    """Build the screener of a community: defaults ← installation rules ← community rules.

    `override`, when given, stands in for the community's own rules (a dry run or backtest).
    """
    base, own = rules_texts(session, community_id)
    config = filter_rules.load(
        base, own if override is None else override, names=("全局规则", "社群规则")
    )
    screener = Screener(config)
    screener.add_blocked(list(session.scalars(select(mf.AvatarBlock.phash))))
    return screener


@dataclass(slots=True)
class Pending:
    """A request to screen: its stored or future row, and the value the engine reads."""

    row: dict[str, Any]
    request: JoinRequest
    screener: Screener
    verdict: Verdict | None = None


def _rows(session: Session, query: Any, column: Any, keys: set[Any]) -> list[Any]:
    found: list[Any] = []
    ordered = sorted(keys)
    for start in range(0, len(ordered), CHUNK):
        found.extend(session.execute(query.where(column.in_(ordered[start : start + CHUNK]))))
    return found


class HistoryBook:
    """Loads what the log knew before each request: leaves, kicks, verdicts, rings, bursts."""

    def __init__(self, session: Session, pending: list[Pending]) -> None:
        people = {p.row["person_id"] for p in pending} | {
            p.row["inviter_id"] for p in pending if p.row["inviter_id"]
        }
        start = min(p.row["ts"] for p in pending)
        ring = max(p.screener.param("avatar.ring", "days") for p in pending)
        burst = max(
            max(
                p.screener.param("burst.inviter", "minutes"),
                p.screener.param("burst.code", "minutes"),
            )
            for p in pending
        )
        self.leaves: dict[int, list[tuple[datetime, int | None, bool]]] = defaultdict(list)
        leave_q = select(
            m.Event.person_id, m.Event.ts, m.Event.community_id, m.Event.payload
        ).where(m.Event.kind == "leave")
        for person, ts, community, payload in _rows(session, leave_q, m.Event.person_id, people):
            self.leaves[person].append((ts, community, payload.get("reason") == "kick"))
        jr = m.JoinRequest
        cols = select(jr.id, jr.person_id, jr.ts, jr.verdict, jr.avatar, jr.inviter_id, jr.via)
        stored: dict[int, Any] = {}
        for row in _rows(session, cols, jr.person_id, people):
            stored[row.id] = row
        avatars = {p.row["avatar"] for p in pending if p.row["avatar"]}
        since_ring = start - timedelta(days=ring)
        for row in _rows(session, cols.where(jr.ts >= since_ring), jr.avatar, avatars):
            stored[row.id] = row
        since_burst = start - timedelta(minutes=burst)
        inviters = {p.row["inviter_id"] for p in pending if p.row["inviter_id"]}
        for row in _rows(session, cols.where(jr.ts >= since_burst), jr.inviter_id, inviters):
            stored[row.id] = row
        codes = {p.row["via"] for p in pending if p.row["via"]}
        for row in _rows(session, cols.where(jr.ts >= since_burst), jr.via, codes):
            stored[row.id] = row
        pending_ids = {p.row.get("id") for p in pending}
        # Every other request known, indexed the ways the rules look them up.
        self.by_person: dict[int, list[tuple[datetime, str | None]]] = defaultdict(list)
        self.by_avatar: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
        self.by_inviter: dict[int, list[datetime]] = defaultdict(list)
        self.by_code: dict[str, list[datetime]] = defaultdict(list)
        for r in stored.values():
            if r.id not in pending_ids:
                self.remember(r.ts, r.person_id, r.verdict, r.avatar, r.inviter_id, r.via)

    def remember(
        self,
        ts: datetime,
        person: int,
        verdict: str | None,
        avatar: str | None,
        inviter: int | None,
        via: str | None,
    ) -> None:
        """Add one request to what later requests see."""
        self.by_person[person].append((ts, verdict))
        if avatar:
            self.by_avatar[avatar].append((ts, person))
        if inviter:
            self.by_inviter[inviter].append(ts)
        if via:
            self.by_code[via].append(ts)

    def history(self, item: Pending) -> History:
        """Return the history of one request from the requests remembered so far."""
        row, screener = item.row, item.screener
        t, person, inviter, via = row["ts"], row["person_id"], row["inviter_id"], row["via"]
        ring_from = t - timedelta(days=screener.param("avatar.ring", "days"))
        inviter_from = t - timedelta(minutes=screener.param("burst.inviter", "minutes"))
        code_from = t - timedelta(minutes=screener.param("burst.code", "minutes"))
        ring = {
            who
            for ts, who in self.by_avatar.get(row["avatar"] or "", ())
            if who != person and ring_from <= ts <= t
        }

        def rejected(who: int | None) -> bool:
            return bool(who) and any(
                ts < t and v == "reject" for ts, v in self.by_person.get(who or 0, ())
            )

        status = None
        if inviter:
            status = (
                "kicked" if self._kicked(inviter, t) else "rejected" if rejected(inviter) else None
            )
        return History(
            kicked_before=self._kicked(person, t),
            left_before=any(
                ts < t and community == row["community_id"] and not kick
                for ts, community, kick in self.leaves.get(person, ())
            ),
            rejected_before=rejected(person),
            inviter_status=status,
            avatar_accounts=len(ring),
            inviter_requests=1
            + sum(inviter_from <= ts <= t for ts in self.by_inviter.get(inviter, ()))
            if inviter
            else 0,
            code_requests=1 + sum(code_from <= ts <= t for ts in self.by_code.get(via, ()))
            if via
            else 0,
        )

    def _kicked(self, person: int, t: datetime) -> bool:
        return any(ts < t and kick for ts, _, kick in self.leaves.get(person, ()))


def _facts(payload: dict[str, Any]) -> tuple[int | None, datetime | None]:
    """Read the optional account facts a carrier may add: QQ `level`, `registered` date."""
    level = payload.get("level")
    level = level if isinstance(level, int) and not isinstance(level, bool) else None
    registered = payload.get("registered")
    try:
        when = parse_when(registered) if isinstance(registered, str) else None
    except EventError:
        when = None  # a carrier's odd date must not stop the ingest; the rule stays silent
    return level, when


def decide(session: Session, pending: list[Pending]) -> None:
    """Screen requests in time order, each with the history the log and earlier ones give."""
    if not pending:
        return
    pending.sort(key=lambda p: p.row["ts"])
    book = HistoryBook(session, pending)
    for item in pending:
        item.verdict = item.screener.screen(item.request, book.history(item))
        row = item.row
        verdict = item.verdict.verdict
        book.remember(
            row["ts"], row["person_id"], verdict, row["avatar"], row["inviter_id"], row["via"]
        )


def screen_join_rows(
    session: Session, projector: BatchProjector, rows: list[dict[str, Any]]
) -> None:
    """Fill verdict and reasons of the batch's join request rows before they are inserted."""
    if not rows:
        return
    keys = {state.id: key for key, state in projector.persons.by_key.items()}
    events = {e.id: e for e in projector.events if e.kind == "join_request"}
    source_ids = {row_id: source for source, row_id in projector.event_ids.items()}
    screeners: dict[int, Screener] = {}
    pending = []
    for row in rows:
        community = row["community_id"]
        if community not in screeners:
            screeners[community] = screener_for(session, community)
        event = events.get(source_ids.get(row["event_id"], ""))
        level, registered = _facts(dict(event.data) if event else {})
        request = JoinRequest(
            id=str(row["event_id"]),
            name=row["name"] or "",
            comment=row["comment"] or "",
            avatar=row["avatar"],
            source=row["source"],
            person=keys.get(row["person_id"]),
            inviter=keys.get(row["inviter_id"]),
            via=row["via"],
            ts=row["ts"],
            level=level,
            registered=registered,
        )
        pending.append(Pending(row, request, screeners[community]))
    decide(session, pending)
    for item in pending:
        assert item.verdict is not None
        item.row["verdict"] = item.verdict.verdict
        item.row["reasons"] = [
            {"rule": r.rule, "detail": r.detail, "action": r.action} for r in item.verdict.reasons
        ]
        item.row["decided_by"] = "rules"
        item.row["decided_at"] = item.row["ts"]
