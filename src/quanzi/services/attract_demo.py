"""The demo's fission campaigns as the brand's operators would have registered them."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import aliased

from quanzi.config import get_settings
from quanzi.domain.attract_campaign import Stage
from quanzi.services.attract_campaigns import add_group, create_campaign, issue_code
from quanzi.sim.cast import CAMPAIGNS
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_attract import Campaign

STAGES = [Stage(3, "20 元无门槛券"), Stage(5, "当季鲜果礼盒"), Stage(10, "年卡会员")]
GROUPS = 3  # 群活码 groups per campaign: its busiest target communities
CODES = 5  # inviters per campaign who get a code and poster link


def _before(day: date, month_day: tuple[int, int]) -> date:
    """The last yearly `month_day` on or before `day` (campaigns recur every year)."""
    found = date(day.year, *month_day)
    return found if found <= day else date(day.year - 1, *month_day)


def _after(day: date, month_day: tuple[int, int]) -> date:
    """The first yearly `month_day` on or after `day`."""
    found = date(day.year, *month_day)
    return found if found >= day else date(day.year + 1, *month_day)


def seed_campaigns(engine: Engine, actor: str = "demo") -> int:
    """Store each simulated campaign with a window around its invites, stages and groups."""
    tz = ZoneInfo(get_settings().timezone)
    inviter = aliased(m.Person)
    with reading(engine) as session:
        if session.scalar(select(func.count(Campaign.id))):
            return 0
        spans = {key: (lo, hi) for key, lo, hi in session.execute(
            select(m.Invite.campaign, func.min(m.Invite.ts), func.max(m.Invite.ts))
            .group_by(m.Invite.campaign))}  # fmt: skip
        busiest = session.execute(
            select(m.Invite.campaign, m.Community.key, func.count())
            .join(m.Community, m.Community.id == m.Invite.community_id)
            .group_by(m.Invite.campaign, m.Community.key)
            .order_by(func.count().desc(), m.Community.key)
        ).all()
        inviters = session.execute(
            select(m.Invite.campaign, inviter.key, func.count())
            .join(inviter, inviter.id == m.Invite.inviter_id)
            .group_by(m.Invite.campaign, inviter.key)
            .order_by(func.count().desc(), inviter.key)
        ).all()
    stored = 0
    for campaign in CAMPAIGNS:
        if campaign.key not in spans:
            continue
        first, last = (ts.astimezone(tz).date() for ts in spans[campaign.key])
        targets = [c for k, c, _ in busiest if k == campaign.key]
        create_campaign(
            engine, key=campaign.key, name=campaign.title, communities=targets,
            starts_at=datetime.combine(_before(first, campaign.start), time.min, tz),
            ends_at=datetime.combine(_after(last, campaign.end), time.max, tz),
            stages=STAGES, stay_hours=24, actor=actor,
        )  # fmt: skip
        for community in targets[:GROUPS]:
            add_group(engine, campaign.key, community=community, actor=actor,
                      link=f"演示二维码：{campaign.title} · {community}")  # fmt: skip
        for person in [p for k, p, _ in inviters if k == campaign.key][:CODES]:
            issue_code(engine, campaign.key, person, actor=actor)
        stored += 1
    return stored
