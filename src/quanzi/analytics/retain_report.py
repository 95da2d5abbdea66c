"""The daily report (社群日报) of one community for one local day: figures and text to post."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quanzi.analytics import cache
from quanzi.analytics.retain_common import community, staff_of, zone
from quanzi.analytics.retain_questions import day_window, questions_of
from quanzi.domain import vocab
from quanzi.domain.retain_sop import DEFAULT_TEMPLATES, schedule
from quanzi.store import models as m
from quanzi.store.db import reading

TOP = 5
WEEKDAYS = "一二三四五六日"


def _count(session: Session, cid: int, kind: str, start: datetime, end: datetime) -> int:
    query = select(func.count()).where(
        m.Event.community_id == cid, m.Event.kind == kind, m.Event.ts >= start, m.Event.ts < end
    )
    return session.scalar(query) or 0


def _people(session: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Return id → (key, display name) for a few people."""
    if not ids:
        return {}
    query = select(m.Person.id, m.Person.key, m.Person.name).where(m.Person.id.in_(ids))
    return {pid: (key, name or key) for pid, key, name in session.execute(query)}


def _coming(session: Session, row: m.Community, end: datetime) -> list[dict[str, Any]]:
    """Activities in the week after the day: logged ones, then the calendar's weekly/monthly."""
    tz = zone()
    horizon = end + timedelta(days=7)
    logged = session.execute(
        select(m.Activity.ts, m.Activity.organ, m.Activity.title)
        .where(m.Activity.community_id == row.id, m.Activity.ts >= end, m.Activity.ts < horizon)
        .where(m.Activity.organ.notin_(("daily_report", "daily_topic")))
        .order_by(m.Activity.ts)
        .limit(10)
    ).all()
    coming = [
        {"ts": ts.astimezone(tz).isoformat(), "organ": organ, "title": title or organ}
        for ts, organ, title in logged
        if ts is not None
    ]
    if coming:
        return coming
    slots = schedule(
        [t for t in DEFAULT_TEMPLATES if t.every != "day"],
        {},
        end.astimezone(tz).date(),
        horizon.astimezone(tz).date(),
        end,
        tz,
    )
    return [
        {"ts": s.due.isoformat(), "organ": s.template.organ, "title": s.template.title}
        for s in slots
        if s.status == "upcoming"
    ]


def daily_report(engine: Engine, community_key: str, day: date) -> dict[str, Any]:
    """Return the day's joins, leaves, actives, top contributors, questions, orders, GMV.

    Kept in memory while the data version holds: on a large store the staff lookup and
    the day's scans took about 300 ms a visit.
    """
    key = ("daily_report", community_key, day)
    return cache.cached(engine, key, lambda: _daily_report(engine, community_key, day))


def _daily_report(engine: Engine, community_key: str, day: date) -> dict[str, Any]:
    start, end = day_window(day)
    with reading(engine) as session:
        row = community(session, community_key)
        cid = row.id
        staff = staff_of(session, cid)
        said = select(m.Event.person_id).where(
            m.Event.community_id == cid,
            m.Event.kind == "message",
            m.Event.ts >= start,
            m.Event.ts < end,
        )
        speakers: Counter[int] = Counter(pid for pid in session.scalars(said) if pid is not None)
        people = _people(session, list(speakers))
        top = [
            {"person": people[pid][0], "name": people[pid][1], "messages": n}
            for pid, n in sorted(speakers.items(), key=lambda kv: (-kv[1], kv[0]))
            if people[pid][0] not in staff
        ][:TOP]
        found, _ = questions_of(session, row, start, end)
        waiting = [q for q in found if q.answer is None or q.answer.ts >= end]
        orders = session.execute(
            select(func.count(), func.coalesce(func.sum(m.Order.amount), 0.0)).where(
                m.Order.community_id == cid, m.Order.ts >= start, m.Order.ts < end
            )
        ).one()
        members = session.scalar(
            select(func.count()).where(
                m.Membership.community_id == cid,
                m.Membership.joined_at < end,
                (m.Membership.left_at.is_(None)) | (m.Membership.left_at >= end),
            )
        )
        report = {
            "community": row.key,
            "name": row.name or row.key,
            "date": day.isoformat(),
            "joins": _count(session, cid, "join", start, end),
            "leaves": _count(session, cid, "leave", start, end),
            "members": members or 0,
            "active_members": len(speakers),
            "messages": sum(speakers.values()),
            "top_contributors": top,
            "questions": len(found),
            "unanswered": [
                {
                    "message": q.message.id,
                    "asked_at": q.message.ts.astimezone(zone()).isoformat(),
                    "person": q.message.person,
                    "text": q.message.text,
                }
                for q in waiting
            ],
            "orders": orders[0],
            "gmv": round(float(orders[1]), 2),
            "coming": _coming(session, row, end),
        }
    report["text"] = report_text(report, day)
    return report


def report_text(report: dict[str, Any], day: date) -> str:
    """Render the report as text to post in the group."""
    lines = [
        f"【{report['name']} · 社群日报】{day.month}月{day.day}日 周{WEEKDAYS[day.weekday()]}",
        f"· 成员：入群 {report['joins']} 人，退群 {report['leaves']} 人，"
        f"现有成员 {report['members']} 人",
        f"· 活跃：今日发言 {report['active_members']} 人，消息 {report['messages']} 条",
    ]
    if report["top_contributors"]:
        stars = "、".join(f"{t['name']}（{t['messages']} 条）" for t in report["top_contributors"])
        lines.append(f"· 活跃之星：{stars}")
    waiting = report["unanswered"]
    lines.append(f"· 问答：今日提问 {report['questions']} 个，待回复 {len(waiting)} 个")
    for q in waiting[:5]:
        lines.append(f"   · {q['asked_at'][11:16]} {q['text']}")
    if len(waiting) > 5:
        lines.append(f"   · …另有 {len(waiting) - 5} 个")
    gmv = report["gmv"]
    money = f"¥{gmv:,.0f}" if float(gmv).is_integer() else f"¥{gmv:,.2f}"
    lines.append(f"· 订单：{report['orders']} 单，成交额 {money}")
    if report["coming"]:
        items = "；".join(
            f"{c['ts'][5:10]} {c['ts'][11:16]} "
            f"{vocab.ORGANS.get(c['organ'], c['organ'])}·{c['title']}"
            for c in report["coming"][:3]
        )
        lines.append(f"· 近期活动：{items}")
    return "\n".join(lines)
