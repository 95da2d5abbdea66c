"""Questions, time to first staff answer and the unanswered list (`quanzi questions`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.analytics.retain_common import community, memo, staff_of, zone
from quanzi.analytics.retain_common import community as community_row
from quanzi.domain.retain_questions import (
    ASKING_TYPES,
    TRIGGER,
    AnswerRules,
    ChatMessage,
    Question,
    find_questions,
    percentile,
    working_seconds,
)
from quanzi.errors import InvalidInput
from quanzi.store import models as m
from quanzi.store.db import json_list, reading


def answer_rules(row: m.Community) -> AnswerRules:
    """Return a community's answer rules: defaults, then `rules.retain.sla` overrides."""
    sla = (row.rules or {}).get("retain", {}).get("sla") or {}
    try:
        start = time.fromisoformat(sla.get("work_start", "09:00"))
        end = time.fromisoformat(sla.get("work_end", "21:00"))
        roles = frozenset(sla.get("staff_roles", AnswerRules.staff_roles))
        return AnswerRules(
            staff_roles=roles,
            follow_window_seconds=int(sla.get("follow_window_seconds", 300)),
            mention_window_seconds=int(sla.get("mention_window_seconds", 86400)),
            sla_seconds=int(sla.get("sla_seconds", 1800)),
            work_start=start,
            work_end=end,
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"社群 {row.key} 的 rules.retain.sla 有误：{exc}") from None


def _messages(
    session: Session, cid: int, since: datetime | None, until: datetime | None, staff: set[str]
) -> Iterator[ChatMessage]:
    """The messages the answer finder can use: staff's, and others' that may ask something.

    Most chat lines are neither, and `find_questions` passes over them; leaving them
    unbuilt (and their mentions undecoded) was most of this report's time on a large store.
    """
    payload = m.Event.payload
    # The database pulls the few fields out of the JSON: far faster than decoding it here.
    query = select(
        m.Event.source_id,
        m.Event.ts,
        payload["person"].as_string(),
        payload["text"].as_string(),
        payload["reply_to"].as_string(),
        payload["msg_type"].as_string(),
        payload["mentions"].as_string(),
    ).where(m.Event.community_id == cid, m.Event.kind == "message")
    if since is not None:
        query = query.where(m.Event.ts >= since)
    if until is not None:
        query = query.where(m.Event.ts < until)
    query = query.order_by(m.Event.ts, m.Event.id).execution_options(yield_per=5000)
    # Core, not the ORM: its per-row bookkeeping is a large share of reading millions of rows.
    rows = session.connection().execute(query)
    for source_id, ts, person, text, reply_to, msg_type, mentions in rows:
        kind = msg_type or "text"
        if person not in staff and not (
            person is not None and kind in ASKING_TYPES and text and TRIGGER.search(text)
        ):
            continue
        yield ChatMessage(
            id=source_id,
            ts=ts,
            person=person,
            text=text,
            reply_to=reply_to,
            mentions=tuple(x for x in json_list(mentions) if isinstance(x, str)),
            msg_type=kind,
        )


def questions_of(
    session: Session,
    row: m.Community,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Question], AnswerRules]:
    """Return the questions asked in [since, until) with their first answers before `until`."""
    rules = answer_rules(row)
    staff = staff_of(session, row.id, rules.staff_roles)

    def compute() -> list[Question]:
        # Answers after `until` are not seen: a day's report counts them as still waiting.
        return find_questions(list(_messages(session, row.id, since, until, staff)), staff, rules)

    key = ("questions", row.id, since, until, rules, frozenset(staff))
    return memo(session, key, compute), rules


def local_day_start(day: date) -> datetime:
    """Return the operators' local midnight starting `day`."""
    return datetime.combine(day, time(0), zone())


def question_list(
    engine: Engine, community_key: str, since: date | None = None
) -> list[dict[str, Any]]:
    """Return `[{"message","asked_at","answered_at","seconds"}]` for `quanzi questions`."""
    with reading(engine) as session:
        row = community(session, community_key)
        start = local_day_start(since) if since else None
        found, _ = questions_of(session, row, start)
    tz = zone()
    return [
        {
            "message": q.message.id,
            "asked_at": q.message.ts.astimezone(tz).isoformat(),
            "answered_at": q.answer.ts.astimezone(tz).isoformat() if q.answer else None,
            "seconds": round(q.seconds) if q.seconds is not None else None,
        }
        for q in found
    ]


def summarise(found: list[Question], rules: AnswerRules) -> dict[str, Any]:
    """Return counts, unanswered share, median and p90 seconds, and the SLA share."""
    answered = [q for q in found if q.answer is not None]
    seconds = [q.seconds for q in answered if q.seconds is not None]
    tz = zone()
    within = sum(
        1
        for q in answered
        if q.answer is not None
        and working_seconds(q.message.ts.astimezone(tz), q.answer.ts.astimezone(tz), rules)
        <= rules.sla_seconds
    )
    hows = Counter(q.how for q in answered)
    return {
        "questions": len(found),
        "answered": len(answered),
        "unanswered": len(found) - len(answered),
        "unanswered_share": round((len(found) - len(answered)) / len(found), 4) if found else None,
        "median_seconds": round(median(seconds)) if seconds else None,
        "p90_seconds": round(percentile(seconds, 0.9) or 0) if seconds else None,
        "sla_seconds": rules.sla_seconds,
        "within_sla_share": round(within / len(found), 4) if found else None,
        "by": {how: hows.get(how, 0) for how in ("reply", "mention", "follow")},
    }


def question_summary(
    engine: Engine, community_key: str | None = None, since: date | None = None
) -> list[dict[str, Any]]:
    """Return the response-time summary of one community or of each community."""
    from quanzi.analytics.retain_common import communities

    with reading(engine) as session:
        start = local_day_start(since) if since else None
        out = []
        for row in communities(session, community_key):
            found, rules = questions_of(session, row, start)
            out.append(
                {"community": row.key, "name": row.name or row.key, **summarise(found, rules)}
            )
    return out


def unanswered(found: list[Question], limit: int = 50) -> list[Question]:
    """Return the newest unanswered questions first."""
    waiting = [q for q in found if q.answer is None]
    return sorted(waiting, key=lambda q: q.message.ts, reverse=True)[:limit]


def day_window(day: date) -> tuple[datetime, datetime]:
    """Return the local day's [start, end)."""
    start = local_day_start(day)
    return start, start + timedelta(days=1)


def questions_page(engine: Engine, community: str | None = None) -> dict[str, Any]:
    """Response times per community, and the newest unanswered questions of one."""
    summaries = question_summary(engine)
    key = community or (summaries[0]["community"] if summaries else None)
    waiting: list[Question] = []
    if key:
        with reading(engine) as session:
            found, _ = questions_of(session, community_row(session, key))
        waiting = unanswered(found, 30)
    return {"summaries": summaries, "chosen": key, "waiting": waiting}
