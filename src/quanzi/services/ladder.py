"""Writers of the paid ladder: rungs, benefits, step-up tasks, redemptions, segments, offers."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.ladder import BENEFITS
from quanzi.domain.ladder_offers import OfferError, check_discount, check_task, check_window
from quanzi.domain.ladder_segments import SegmentError, parse_filter
from quanzi.domain.vocab import STRATA
from quanzi.errors import Conflict, InvalidInput, NotFound
from quanzi.services.audit import audit
from quanzi.services.ingest import ingest_objects
from quanzi.store import models as m
from quanzi.store.db import transaction
from quanzi.store.models import utcnow
from quanzi.store.models_ladder import Offer, RungBenefit, Segment, StepTask, TaskRedemption

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_BENEFITS = 20


def _key(key: str, what: str) -> str:
    key = (key or "").strip()
    if not KEY.match(key):
        raise InvalidInput(f"{what}标识应为小写字母、数字、- 或 _（1–100 个字符），实际为 {key!r}")
    return key


def _name(name: str, what: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput(f"{what}名称应为 1–200 个字符")
    return name


def _community(session: Session, key: str) -> m.Community:
    row = session.scalars(select(m.Community).where(m.Community.key == key)).one_or_none()
    if row is None:
        raise NotFound(f"没有社群 {key!r}", code="community_not_found")
    return row


def _rung(session: Session, key: str) -> m.Community:
    row = _community(session, key)
    if row.ladder is None:
        raise InvalidInput(f"社群 {key} 不在任何付费阶梯上（没有声明 ladder）")
    return row


def declare_rung(
    engine: Engine, community: str, ladder: str, rank: int, price: float, *, actor: str
) -> None:
    """Put a community on a ladder with a rank and a price, as a `community` event."""
    if rank < 0 or price < 0:
        raise InvalidInput("档位 rank 与价格 price 不能为负数")
    event = {
        "id": f"console-{secrets.token_hex(8)}",
        "ts": utcnow().isoformat(),
        "kind": "community",
        "community": _key(community, "社群"),
        "ladder": _key(ladder, "阶梯"),
        "rank": rank,
        "price": price,
    }
    report = ingest_objects(engine, [event])
    if report.rejected:
        raise InvalidInput(report.rejected[0].reason)
    with transaction(engine) as session:
        audit(session, actor, "ladder.rung", f"community:{community}", ladder=ladder, rank=rank)


def set_benefits(
    engine: Engine, community: str, benefits: Iterable[tuple[str, str]], *, actor: str
) -> int:
    """Replace a rung's promised benefits with (kind, text) pairs; return how many."""
    items = [(kind.strip(), text.strip()) for kind, text in benefits if text and text.strip()]
    if len(items) > MAX_BENEFITS:
        raise InvalidInput(f"每档最多 {MAX_BENEFITS} 项权益")
    for kind, text in items:
        if kind not in BENEFITS:
            raise InvalidInput(f"权益类型 {kind!r} 无效，应为：{'、'.join(BENEFITS)}")
        if len(text) > 300:
            raise InvalidInput("每项权益的说明最多 300 个字符")
    with transaction(engine) as session:
        row = _rung(session, community)
        session.execute(delete(RungBenefit).where(RungBenefit.community_id == row.id))
        now = utcnow()
        for position, (kind, text) in enumerate(items):
            session.add(
                RungBenefit(
                    community_id=row.id, kind=kind, text=text, position=position,
                    updated_at=now, updated_by=actor,
                )
            )  # fmt: skip
        audit(session, actor, "ladder.benefits", f"community:{community}", count=len(items))
    return len(items)


def _next_rung(session: Session, rung: m.Community) -> m.Community:
    above = session.scalars(
        select(m.Community).where(
            m.Community.ladder == rung.ladder, m.Community.rank > (rung.rank or 0)
        )
    ).all()
    if not above:
        raise InvalidInput(f"{rung.key} 已是阶梯 {rung.ladder} 的最高一档，没有下一档")
    return min(above, key=lambda c: (c.rank or 0, c.price, c.key))


def create_task(
    engine: Engine,
    *,
    key: str,
    name: str,
    community: str,
    metric: str,
    target: float,
    starts_at: datetime,
    ends_at: datetime,
    reward_kind: str,
    reward_value: float,
    redeem_until: datetime | None = None,
    target_community: str | None = None,
    anywhere: bool = False,
    actor: str,
) -> StepTask:
    """Define a step-up task on one rung with a reward for the next rung."""
    key, name = _key(key, "任务"), _name(name, "任务")
    try:
        check_task(metric, target)
        check_window(starts_at, ends_at)
        check_discount(reward_kind, reward_value, allow_price=True)
        if redeem_until is not None and redeem_until < ends_at:
            raise OfferError("兑换截止时间不能早于任务结束时间")
    except OfferError as exc:
        raise InvalidInput(str(exc)) from None
    with transaction(engine) as session:
        if session.scalar(select(StepTask.id).where(StepTask.key == key)):
            raise Conflict(f"任务 {key} 已存在")
        rung = _rung(session, community)
        higher = (
            _community(session, target_community) if target_community else _next_rung(session, rung)
        )
        if higher.ladder != rung.ladder or (higher.rank or 0) <= (rung.rank or 0):
            raise InvalidInput(f"奖励的档位 {higher.key} 应在同一阶梯上、比 {rung.key} 高")
        task = StepTask(
            key=key, name=name, community_id=rung.id, target_community_id=higher.id,
            metric=metric, target=float(target), anywhere=anywhere, starts_at=starts_at,
            ends_at=ends_at, reward_kind=reward_kind, reward_value=float(reward_value),
            redeem_until=redeem_until or ends_at, active=True, created_at=utcnow(),
            created_by=actor,
        )  # fmt: skip
        session.add(task)
        audit(session, actor, "ladder.task.add", f"task:{key}", metric=metric, goal=target)
    return task


def record_redemptions(engine: Engine, key: str | None = None, *, actor: str = "system") -> int:
    """Record completers who bought the next rung after completing, before the deadline."""
    from quanzi.analytics.ladder_tasks import stepped_up, task_view

    tz = ZoneInfo(get_settings().timezone)
    added = 0
    with transaction(engine) as session:
        query = select(StepTask).where(StepTask.active.is_(True))
        if key is not None:
            query = query.where(StepTask.key == key)
        for task in session.scalars(query).all():
            view = task_view(session, task, tz)
            bought = stepped_up(session, task, view.target)
            done = set(
                session.scalars(
                    select(TaskRedemption.person_id).where(TaskRedemption.task_id == task.id)
                )
            )
            for progress in view.completers:
                assert progress.completed_at is not None
                purchase = bought.get(progress.person)
                if purchase is None or purchase[1] < progress.completed_at:
                    continue
                order = session.get(m.Order, purchase[0])
                assert order is not None and order.person_id is not None
                if order.person_id in done:
                    continue
                session.add(
                    TaskRedemption(
                        task_id=task.id, person_id=order.person_id, order_id=order.id,
                        completed_at=progress.completed_at, list_price=view.list_price,
                        reward_price=view.reward_price,
                        paid=order.amount, ts=order.ts, recorded_at=utcnow(),
                    )
                )  # fmt: skip
                added += 1
        if added:
            audit(session, actor, "ladder.task.redeem", f"task:{key or '*'}", added=added)
    return added


def save_segment(
    engine: Engine, *, key: str, name: str, filters: dict[str, Any], note: str = "", actor: str
) -> Segment:
    """Create or update a saved filter (人群包)."""
    key, name = _key(key, "人群包"), _name(name, "人群包")
    try:
        spec = parse_filter(filters)
    except SegmentError as exc:
        raise InvalidInput(str(exc)) from None
    with transaction(engine) as session:
        row = session.scalars(select(Segment).where(Segment.key == key)).one_or_none()
        now = utcnow()
        if row is None:
            row = Segment(key=key, created_at=now, created_by=actor)
            session.add(row)
        row.name, row.filters, row.note, row.updated_at = name, spec.to_dict(), note or None, now
        audit(session, actor, "ladder.segment.save", f"segment:{key}", filters=spec.to_dict())
    return row


def create_offer(
    engine: Engine,
    *,
    key: str,
    name: str,
    kind: str,
    value: float,
    item: str,
    starts_at: datetime,
    ends_at: datetime,
    segment: str | None = None,
    stratum: str | None = None,
    actor: str,
) -> Offer:
    """Make an offer (percent or fixed off an item) to a segment or a stratum, in a window."""
    key, name = _key(key, "优惠"), _name(name, "优惠")
    if bool(segment) == bool(stratum):
        raise InvalidInput("优惠须发给一个人群包或一个意向分层（二选一）")
    if stratum and stratum not in STRATA:
        raise InvalidInput(f"意向分层 {stratum!r} 无效，应为：{'、'.join(STRATA)}")
    try:
        check_discount(kind, value)
        check_window(starts_at, ends_at)
    except OfferError as exc:
        raise InvalidInput(str(exc)) from None
    item = (item or "").strip()
    if not item:
        raise InvalidInput("请填写优惠适用的商品或档位（如 tier:ladder-500）")
    with transaction(engine) as session:
        if session.scalar(select(Offer.id).where(Offer.key == key)):
            raise Conflict(f"优惠 {key} 已存在")
        segment_id = None
        if segment:
            found = session.scalar(select(Segment.id).where(Segment.key == segment))
            if found is None:
                raise NotFound(f"没有人群包 {segment!r}", code="segment_not_found")
            segment_id = found
        list_price = None
        if item.startswith("tier:"):
            list_price = _community(session, item.removeprefix("tier:")).price
        offer = Offer(
            key=key, name=name, kind=kind, value=float(value), item=item, list_price=list_price,
            segment_id=segment_id, stratum=stratum or None, starts_at=starts_at, ends_at=ends_at,
            created_at=utcnow(), created_by=actor,
        )  # fmt: skip
        session.add(offer)
        audit(session, actor, "ladder.offer.add", f"offer:{key}", kind=kind, value=value)
    return offer
