"""Questions, time to first staff answer and the unanswered list (`quanzi questions`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quanzi.analytics.retain_common import community, memo_many, staff_of, zone
from quanzi.analytics.retain_common import community as community_row
from quanzi.collector import collector_paused
from quanzi.domain.retain_questions import (
    ASKING_TYPES,
    TRIGGER,
    AnswerRules,
    ChatMessage,
    Question,
    QuestionFinder,
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


def _message_rows(
    session: Session, cid: int | None, since: datetime | None, until: datetime | None
) -> Any:
    """Messages as (community id, source id, ts, person, text, reply_to, type, mentions) rows,
    in (ts, id) order: of one community, or of all when `cid` is None."""
    payload = m.Event.payload
    # The database pulls the few fields out of the JSON: far faster than decoding it here.
    query = select(
        m.Event.community_id,
        m.Event.source_id,
        m.Event.ts,
        payload["person"].as_string(),
        payload["text"].as_string(),
        payload["reply_to"].as_string(),
        payload["msg_type"].as_string(),
        payload["mentions"].as_string(),
    ).where(m.Event.kind == "message")
    if cid is not None:
        query = query.where(m.Event.community_id == cid)
    if since is not None:
        query = query.where(m.Event.ts >= since)
    if until is not None:
        query = query.where(m.Event.ts < until)
    query = query.order_by(m.Event.ts, m.Event.id).execution_options(yield_per=5000)
    # Core, not the ORM: its per-row bookkeeping is a large share of reading millions of rows.
    return session.connection().execute(query)


def _feed(rows: Any, finders: dict[int, QuestionFinder]) -> None:
    """Hand each finder its community's messages that could ask or answer something.

    Most chat lines are neither, and the finder passes over them; leaving them unbuilt
    (and their mentions undecoded) was most of this report's time on a large store.
    """
    for cid, source_id, ts, person, text, reply_to, msg_type, mentions in rows:
        finder = finders.get(cid)
        if finder is None:
            continue
        kind = msg_type or "text"
        if person not in finder.staff and not (
            person is not None and kind in ASKING_TYPES and text and TRIGGER.search(text)
        ):
            continue
        finder.feed(
            ChatMessage(
                id=source_id,
                ts=ts,
                person=person,
                text=text,
                reply_to=reply_to,
                mentions=tuple(x for x in json_list(mentions) if isinstance(x, str)),
                msg_type=kind,
            )
        )


def questions_of_many(
    session: Session,
    rows: list[m.Community],
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, tuple[list[Question], AnswerRules]]:
    """`questions_of` for several communities, from one pass over the messages.

    Rows of all communities share the store's pages, so one query per community read
    nearly the whole event table each time: on a 30 GB store, twelve communities took
    twelve such reads.
    """
    plans = {}
    for row in rows:
        rules = answer_rules(row)
        plans[row.id] = (rules, staff_of(session, row.id, rules.staff_roles))

    def compute(missing: list[int]) -> dict[int, list[Question]]:
        # Answers after `until` are not seen: a day's report counts them as still waiting.
        finders = {cid: QuestionFinder(plans[cid][1], plans[cid][0]) for cid in missing}
        # One community reads its own rows through its index; several read every message once.
        only = missing[0] if len(missing) == 1 else None
        with collector_paused():  # the questions kept are millions of objects, no cycles
            _feed(_message_rows(session, only, since, until), finders)
            return {cid: finder.questions() for cid, finder in finders.items()}

    keys = {
        cid: ("questions", cid, since, until, rules, frozenset(staff))
        for cid, (rules, staff) in plans.items()
    }
    found = memo_many(session, keys, compute)
    return {cid: (found[cid], plans[cid][0]) for cid in plans}


def questions_of(
    session: Session,
    row: m.Community,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Question], AnswerRules]:
    """Return the questions asked in [since, until) with their first answers before `until`."""
    return questions_of_many(session, [row], since, until)[row.id]


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
        rows = communities(session, community_key)
        every = questions_of_many(session, rows, start)
        for row in rows:
            found, rules = every[row.id]
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
