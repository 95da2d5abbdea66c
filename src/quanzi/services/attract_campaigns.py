"""Writers of fission campaigns: create, edit, close; inviters' codes; 群活码 groups."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.domain.attract_campaign import (
    CampaignRuleError,
    Stage,
    check_stages,
    check_window,
    invite_code,
    poster_link,
)
from quanzi.errors import Conflict, InvalidInput, NotFound
from quanzi.services.audit import audit
from quanzi.store import models as m
from quanzi.store.db import transaction
from quanzi.store.models import utcnow
from quanzi.store.models_attract import Campaign, CampaignGroup, InviteCode

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
QR_LIFETIME = timedelta(days=7)  # a WeChat group QR code stops working after 7 days


def _rules(
    key: str, name: str, starts_at: datetime, ends_at: datetime, stay_hours: float,
    stages: Sequence[Stage],
) -> tuple[str, str, list[Stage]]:  # fmt: skip
    key, name = (key or "").strip(), (name or "").strip()
    if not KEY.match(key):
        raise InvalidInput(
            f"活动标识应为小写字母、数字、- 或 _（1–100 个字符），实际为 {key!r}",
            code="invalid_campaign_key",
        )
    if not 1 <= len(name) <= 200:
        raise InvalidInput("活动名称应为 1–200 个字符", code="invalid_campaign_name")
    try:
        check_window(starts_at, ends_at, stay_hours)
    except CampaignRuleError as exc:
        raise InvalidInput(str(exc), code="invalid_window") from None
    try:
        return key, name, check_stages(stages)
    except CampaignRuleError as exc:
        raise InvalidInput(str(exc), code="invalid_stages") from None


def _communities(session: Session, keys: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if not wanted:
        raise InvalidInput("请至少选择一个目标社群", code="no_communities")
    found = set(session.scalars(select(m.Community.key).where(m.Community.key.in_(wanted))))
    missing = [k for k in wanted if k not in found]
    if missing:
        raise NotFound(f"没有社群：{'、'.join(missing)}", code="community_not_found")
    return wanted


def _campaign(session: Session, key: str) -> Campaign:
    row = session.scalars(select(Campaign).where(Campaign.key == key)).one_or_none()
    if row is None:
        raise NotFound(f"没有已登记的活动 {key!r}", code="campaign_not_found")
    return row


def _stages_json(stages: Sequence[Stage]) -> list[dict[str, object]]:
    return [{"friends": s.friends, "reward": s.reward} for s in stages]


def create_campaign(
    engine: Engine, *, key: str, name: str, communities: Sequence[str], starts_at: datetime,
    ends_at: datetime, stages: Sequence[Stage], stay_hours: float = 24.0, actor: str,
) -> Campaign:  # fmt: skip
    """Register a campaign under the key its `invite` events carry."""
    key, name, ordered = _rules(key, name, starts_at, ends_at, stay_hours, stages)
    with transaction(engine) as session:
        if session.scalar(select(Campaign.id).where(Campaign.key == key)):
            raise Conflict(f"活动 {key} 已存在", code="campaign_exists")
        now = utcnow()
        row = Campaign(
            key=key, name=name, communities=_communities(session, communities),
            starts_at=starts_at, ends_at=ends_at, stay_hours=float(stay_hours),
            stages=_stages_json(ordered), status="active", created_at=now, created_by=actor,
            updated_at=now,
        )  # fmt: skip
        session.add(row)
        audit(session, actor, "attract.campaign.add", f"campaign:{key}", name=name)
    return row


def update_campaign(
    engine: Engine, *, key: str, name: str, communities: Sequence[str], starts_at: datetime,
    ends_at: datetime, stages: Sequence[Stage], stay_hours: float = 24.0, actor: str,
) -> Campaign:  # fmt: skip
    """Change a campaign's name, targets, window, stay hours and stages."""
    key, name, ordered = _rules(key, name, starts_at, ends_at, stay_hours, stages)
    with transaction(engine) as session:
        row = _campaign(session, key)
        row.name, row.starts_at, row.ends_at = name, starts_at, ends_at
        row.communities = _communities(session, communities)
        row.stay_hours, row.stages = float(stay_hours), _stages_json(ordered)
        row.updated_at = utcnow()
        audit(session, actor, "attract.campaign.edit", f"campaign:{key}", name=name)
    return row


def close_campaign(engine: Engine, key: str, *, actor: str) -> None:
    """Close a campaign: its join page says it has ended; its ledger stays."""
    with transaction(engine) as session:
        row = _campaign(session, key)
        row.status, row.updated_at = "closed", utcnow()
        audit(session, actor, "attract.campaign.close", f"campaign:{key}")


def issue_code(engine: Engine, key: str, inviter: str, *, actor: str) -> tuple[str, str]:
    """Return the inviter's code and poster link, storing the code on first issue."""
    with transaction(engine) as session:
        row = _campaign(session, key)
        person = session.scalar(select(m.Person.id).where(m.Person.key == inviter.strip()))
        if person is None:
            raise NotFound(f"没有这个人：{inviter!r}", code="person_not_found")
        code = session.scalar(
            select(InviteCode.code).where(
                InviteCode.campaign_id == row.id, InviteCode.person_id == person
            )
        )
        if code is None:
            code = invite_code(get_settings().secret_key, row.key, inviter.strip())
            session.add(InviteCode(campaign_id=row.id, person_id=person, code=code,
                                   created_at=utcnow()))  # fmt: skip
            audit(session, actor, "attract.code.issue", f"campaign:{key}", inviter=inviter)
    return code, poster_link(key, code)


def add_group(
    engine: Engine, key: str, *, community: str, link: str, capacity: int = 200,
    expires_at: datetime | None = None, actor: str,
) -> CampaignGroup:  # fmt: skip
    """Put a group last behind the campaign's 群活码; its community becomes a target."""
    link = (link or "").strip()
    if not link or len(link) > 2000:
        raise InvalidInput("请填写入群链接或二维码内容（最多 2000 个字符）", code="invalid_link")
    if not 1 <= capacity <= 100_000:
        raise InvalidInput("群容量须为 1–100000 的整数", code="invalid_capacity")
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("二维码过期时间须晚于现在", code="invalid_expiry")
    with transaction(engine) as session:
        row = _campaign(session, key)
        target = _communities(session, [community])[0]
        community_id = session.scalar(select(m.Community.id).where(m.Community.key == target))
        if target not in row.communities:
            # Friends who join through the link land here, so it must count for the ledger.
            row.communities = [*row.communities, target]
        last = session.scalar(
            select(func.max(CampaignGroup.position)).where(CampaignGroup.campaign_id == row.id)
        )
        group = CampaignGroup(
            campaign_id=row.id, community_id=community_id, link=link, capacity=capacity,
            qr_expires_at=expires_at or now + QR_LIFETIME, position=(last or 0) + 1,
            retired=False, added_at=now, added_by=actor,
        )  # fmt: skip
        session.add(group)
        audit(session, actor, "attract.group.add", f"campaign:{key}", community=target)
    return group


def retire_group(engine: Engine, key: str, group_id: int, *, actor: str) -> None:
    """Take a group out of the 群活码 rotation (dissolved, or its QR will not be renewed)."""
    with transaction(engine) as session:
        row = _campaign(session, key)
        group = session.get(CampaignGroup, group_id)
        if group is None or group.campaign_id != row.id:
            raise NotFound(f"活动 {key} 没有编号为 {group_id} 的群", code="group_not_found")
        group.retired = True
        audit(session, actor, "attract.group.retire", f"campaign:{key}", group=group_id)
