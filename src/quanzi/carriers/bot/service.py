"""What the bot does with the store: ingest an event, read a verdict, count the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from quanzi.config import get_settings
from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import reading


@dataclass(frozen=True)
class Decision:
    """The screening verdict stored for a request (None when no engine decided it)."""

    verdict: str | None
    reasons: tuple[str, ...]


def store(engine: Engine, raw: dict[str, Any]) -> int:
    """Ingest one canonical event; return how many were new (0 for a repeat)."""
    report = ingest_objects(engine, [raw])
    if report.rejected:
        raise ValueError(report.rejected[0].reason)
    return report.stored


def decision_of(engine: Engine, event_id: str) -> Decision:
    """Return the verdict the Filter engine stored for the join request `event_id`."""
    with reading(engine) as session:
        row = session.execute(
            select(m.JoinRequest.verdict, m.JoinRequest.reasons)
            .join(m.Event, m.Event.id == m.JoinRequest.event_id)
            .where(m.Event.source_id == event_id)
        ).first()
    if row is None:
        return Decision(None, ())
    reasons = tuple(
        str(r.get("detail") or r.get("rule")) if isinstance(r, dict) else str(r)
        for r in row.reasons or []
    )
    return Decision(row.verdict, reasons)


def review_count(engine: Engine, community: str) -> int:
    """Count the community's join requests waiting for a human."""
    with reading(engine) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(m.JoinRequest)
                .join(m.Community, m.Community.id == m.JoinRequest.community_id)
                .where(m.Community.key == community, m.JoinRequest.verdict == "review")
            )
            or 0
        )


def daily_report_text(engine: Engine, community: str) -> str:
    """Today's daily report (社群日报) of a community, as text to post in the group."""
    from quanzi.analytics.retain_report import daily_report

    today = datetime.now(ZoneInfo(get_settings().timezone)).date()
    return str(daily_report(engine, community, today)["text"])


def open_drops(engine: Engine, community: str, actor: str) -> list[str]:
    """Open a drop for each new 接龙 a leader started in the group, and capture it."""
    from quanzi.services import groupbuy

    opened = groupbuy.detect_drops(engine, community, actor=actor)
    for key in opened:
        groupbuy.capture(engine, key, actor=actor)
    return opened


def jielong_status(engine: Engine, community: str, actor: str) -> str:
    """Bring the group's newest open drop up to date and say where it stands."""
    from quanzi.analytics.groupbuy import drops
    from quanzi.services import groupbuy

    current = [d for d in drops(engine, community) if d["status"] == "open"]
    if not current:
        return "本群没有进行中的团购。团长发起 #接龙 后，管理员发送 /开团 即可开团。"
    key = current[0]["key"]
    result = groupbuy.capture(engine, key, actor=actor)
    drop = next(d for d in drops(engine, community) if d["key"] == key)
    text = (
        f"【{drop['title']}】已报名 {drop['lines']} 人，共 {drop['qty']:g}{drop['unit'] or ''}，"
        f"金额 ¥{drop['amount']:.2f}"
    )
    if result.over_stock:
        text += f"；超出库存：{'、'.join(result.over_stock)}"
    return text
