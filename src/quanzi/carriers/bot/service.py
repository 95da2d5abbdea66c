"""What the bot does with the store: ingest an event, read a verdict, count the review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select

from quanzi.config import get_settings
from quanzi.domain import strata
from quanzi.errors import NotFound
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
    try:
        return str(daily_report(engine, community, today)["text"])
    except NotFound:
        raise NotFound(
            f"本群（社群 {community}）在 quanzi 里还没有任何记录，暂时出不了日报。",
            code="community_not_found",
        ) from None


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


def rules_of(engine: Engine, community: str) -> tuple[str, str]:
    """Return the (installation, community) filter rule texts the community moderates by."""
    from quanzi.services.screening import rules_texts

    with reading(engine) as session:
        cid = session.scalar(select(m.Community.id).where(m.Community.key == community))
        return rules_texts(session, cid)


def welcome_text(engine: Engine, community: str, person: str, product: str) -> str:
    """The welcome of the newcomer's stratum playbook (weak when nothing places them yet)."""
    with reading(engine) as session:
        row = session.execute(
            select(m.Person.name, m.Person.stratum).where(m.Person.key == person)
        ).first()
        brand = session.scalar(select(m.Community.name).where(m.Community.key == community))
    name, stratum = (row.name, row.stratum) if row else (None, None)
    # An unknown source says nothing about intent: treat them gently, as the weak playbook does.
    return strata.welcome(
        stratum if stratum in strata.PLAYBOOKS else "weak",
        name or "新朋友",
        brand=brand or "我们",
        product=product,
    )


def capture_jielong(engine: Engine, raw: dict[str, Any], staff: bool) -> str | None:
    """Capture a 接龙 message into its open drop (staff may open one); say what it counts."""
    from quanzi.analytics.groupbuy import drops
    from quanzi.domain.groupbuy import read_title
    from quanzi.domain.jielong import parse
    from quanzi.services import groupbuy

    community, parsed = raw["community"], parse(raw["text"])
    if not parsed.title:
        return None
    current = [
        d for d in drops(engine, community) if d["status"] == "open" and d["title"] == parsed.title
    ]
    if current:
        key = current[0]["key"]
    elif staff and not parsed.entries:
        # A group admin starting a fresh thread opens its drop, as /开团 would.
        posted = datetime.fromisoformat(raw["ts"])
        terms = read_title(parsed.title, posted, get_settings().timezone)
        key = f"{community}-{raw['id']}"
        groupbuy.open_drop(
            engine, community=community, item=terms.product or parsed.title,
            title=parsed.title, price=terms.price or 0.0, unit=terms.unit,
            deadline=terms.deadline, key=key, opened_at=posted, actor=raw["person"],
        )  # fmt: skip
    else:
        return None
    result = groupbuy.capture(engine, key, actor=raw["person"])
    drop = next(d for d in drops(engine, community) if d["key"] == key)
    if not current:
        price = f"¥{drop['price']:g}/{drop['unit']}" if drop["unit"] else f"¥{drop['price']:g}"
        return f"已开团【{drop['title']}】{price}：大家接龙报名即可，自动记入取货单。"
    text = (
        f"已记入接龙【{drop['title']}】：{drop['lines']} 人，"
        f"共 {drop['qty']:g}{drop['unit'] or ''}，金额 ¥{drop['amount']:.2f}"
    )
    if result.over_stock:
        text += f"；超出库存：{'、'.join(result.over_stock)}"
    return text
