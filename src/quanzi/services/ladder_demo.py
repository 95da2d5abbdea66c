"""The demo's ladder set-up: rung benefits, step-up tasks, segments and offers of 「果园鲜生」."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from quanzi.services.ladder import create_offer, create_task, save_segment, set_benefits
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_ladder import Offer, Segment, StepTask

ACTOR = "quanzi demo"
BENEFITS = {
    "ladder-free": [
        ("daily_content", "每日果园日报与当季水果知识"),
        ("other", "每周一次福利价试吃"),
    ],
    "ladder-100": [
        ("daily_content", "营养师 Lily 每日饮食建议"),
        ("monthly_event", "每月一次免费果园采摘或线上讲座"),
        ("discount", "团购会员价 95 折"),
    ],
    "ladder-500": [
        ("daily_content", "每日会员专享内容"),
        ("monthly_event", "每月沙龙：水果与健康"),
        ("closed_meeting", "每季度一次会员闭门会"),
    ],
    "ladder-1000": [
        ("monthly_event", "每月果园主题活动，可带家人"),
        ("closed_meeting", "每月闭门会：和老周聊选品"),
        ("team_building", "每年一次果园团建"),
    ],
    "ladder-5000": [
        ("closed_meeting", "合伙人私董会，参与选品与定价"),
        ("team_building", "年度合伙人团建与果园认养"),
        ("other", "新品首发与渠道分成"),
    ],
}


def seed_demo(engine: Engine) -> int:
    """Set up the demo's ladder extras once; return how many things were created."""
    with reading(engine) as session:
        keys = set(session.scalars(select(m.Community.key).where(m.Community.ladder == "main")))
        first, last = session.execute(select(func.min(m.Event.ts), func.max(m.Event.ts))).one()
        tasks = set(session.scalars(select(StepTask.key)))
        segments = set(session.scalars(select(Segment.key)))
        offers = set(session.scalars(select(Offer.key)))
    if not keys or first is None:
        return 0
    created = 0
    for community, items in BENEFITS.items():
        if community in keys:
            created += set_benefits(engine, community, items, actor=ACTOR)
    specs = [
        ("free-to-member", "免费群：邀请 1 位好友入群，会员群立减 ¥30", "ladder-free", "invite", 1,
         "fixed", 30),
        ("member-to-silver", "会员群：发言满 10 天，银卡专享价 ¥400", "ladder-100",
         "speak_days", 10, "price", 400),
        ("silver-to-gold", "银卡群：参加 3 次活动，金卡 8 折", "ladder-500", "attend", 3,
         "percent", 20),
    ]  # fmt: skip
    for key, name, community, metric, target, kind, value in specs:
        if key in tasks or community not in keys:
            continue
        create_task(
            engine, key=key, name=name, community=community, metric=metric, target=target,
            starts_at=first, ends_at=last, reward_kind=kind, reward_value=value,
            redeem_until=last + timedelta(days=30), actor=ACTOR,
        )  # fmt: skip
        created += 1
    if "member-not-silver" not in segments:
        paid = {"rungs_paid": ["ladder-100"], "rungs_not_paid": ["ladder-500"]}
        save_segment(
            engine, key="member-not-silver", name="会员未升银卡", filters=paid, actor=ACTOR
        )
        created += 1
    if "gz-active-buyers" not in segments:
        local = {"regions": ["广州"], "min_spent": 200, "active_days": 30}
        save_segment(
            engine, key="gz-active-buyers", name="广州活跃买家", filters=local, actor=ACTOR
        )
        created += 1
    if "silver-upgrade" not in offers:
        create_offer(
            engine, key="silver-upgrade", name="会员升银卡立减 ¥100", kind="fixed", value=100,
            item="tier:ladder-500", starts_at=last - timedelta(days=14),
            ends_at=last + timedelta(days=30), segment="member-not-silver", actor=ACTOR,
        )  # fmt: skip
        created += 1
    if "strong-intent-80" not in offers:
        create_offer(
            engine, key="strong-intent-80", name="强意向粉丝专享 8 折", kind="percent", value=20,
            item="tier:ladder-100", starts_at=last - timedelta(days=14),
            ends_at=last + timedelta(days=30), stratum="strong", actor=ACTOR,
        )  # fmt: skip
        created += 1
    return created
