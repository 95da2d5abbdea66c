"""Read models of stored campaigns: the list, one campaign's ledger and stages, its 群活码."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from quanzi.analytics.attract_fission import load_ledger, report_of
from quanzi.domain.attract_campaign import phase, poster_link
from quanzi.domain.attract_ledger import REASONS, Outcome, progress
from quanzi.domain.attract_livecode import LiveCode, Slot, pick
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models import utcnow
from quanzi.store.models_attract import Campaign, CampaignGroup, InviteCode


def campaign_fields(row: Campaign) -> dict[str, Any]:
    """A stored campaign's settings, its phase now and its poster link."""
    return {
        "key": row.key, "name": row.name, "communities": list(row.communities),
        "starts_at": row.starts_at.isoformat(), "ends_at": row.ends_at.isoformat(),
        "stay_hours": row.stay_hours, "stages": list(row.stages), "status": row.status,
        "phase": phase(row.status, row.starts_at, row.ends_at, utcnow()),
        "link": poster_link(row.key),
    }  # fmt: skip


def campaign_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every stored campaign with its settings, newest window first."""
    with reading(engine) as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.starts_at.desc(), Campaign.key))
        return [campaign_fields(row) for row in rows]


def get_campaign(engine: Engine, key: str) -> Campaign:
    """The stored campaign `key`, or NotFound."""
    with reading(engine) as session:
        row = session.scalars(select(Campaign).where(Campaign.key == key)).one_or_none()
    if row is None:
        raise NotFound(f"没有已登记的活动 {key!r}", code="campaign_not_found")
    return row


def livecode(engine: Engine, key: str, now: datetime | None = None) -> LiveCode:
    """The campaign's 群活码: the group it points at now, room left, warnings."""
    with reading(engine) as session:
        campaign = session.scalar(select(Campaign.id).where(Campaign.key == key))
        if campaign is None:
            raise NotFound(f"没有已登记的活动 {key!r}", code="campaign_not_found")
        groups = session.execute(
            select(CampaignGroup, m.Community.key, m.Community.name)
            .join(m.Community, m.Community.id == CampaignGroup.community_id)
            .where(CampaignGroup.campaign_id == campaign)
        ).all()
        ids = [g.community_id for g, _, _ in groups]
        members = dict(
            session.execute(
                select(m.Membership.community_id, func.count())
                .where(m.Membership.community_id.in_(ids), m.Membership.status == "active")
                .group_by(m.Membership.community_id)
            ).all()
        )
    slots = [
        Slot(community=ckey, name=name or ckey, link=g.link, capacity=g.capacity,
             members=int(members.get(g.community_id, 0)), expires=g.qr_expires_at,
             position=g.position, retired=g.retired, group=g.id)
        for g, ckey, name in groups
    ]  # fmt: skip
    return pick(slots, now or utcnow())


def livecode_dict(code: LiveCode, now: datetime | None = None) -> dict[str, Any]:
    """The CLI contract of `quanzi campaign groups --json`."""
    now = now or utcnow()
    return {
        "current": code.current.community if code.current else None,
        "current_group": code.current.group if code.current else None,
        "link": code.current.link if code.current else None,
        "room": code.room,
        "total": code.total,
        "groups": [
            {
                "id": s.group,
                "community": s.community,
                "name": s.name,
                "link": s.link,
                "capacity": s.capacity,
                "members": s.members,
                "room": s.room,
                "qr_expires_at": s.expires.isoformat(),
                "state": s.state(now),
            }
            for s in code.slots
        ],
        "warnings": [{"code": w.code, "message": w.message} for w in code.warnings],
    }


def _invite_row(o: Outcome, names: dict[str, str]) -> dict[str, Any]:
    i = o.invite
    return {
        "ts": i.ts.isoformat(), "inviter": i.inviter,
        "inviter_name": names.get(i.inviter, i.inviter), "invitee": i.invitee,
        "invitee_name": names.get(i.invitee, i.invitee),
        "community": i.community, "status": o.status, "reason": o.reason,
        "reason_text": REASONS.get(o.reason, o.reason),
    }  # fmt: skip


def campaign_view(engine: Engine, key: str) -> dict[str, Any]:
    """One stored campaign: settings, report, each invite's verdict, inviters' stages, codes."""
    row = get_campaign(engine, key)
    return {**campaign_fields(row), **campaign_ledger(engine, key)}


def campaign_ledger(engine: Engine, key: str) -> dict[str, Any]:
    """One stored campaign's report, each invite's verdict, and its inviters' stages and codes.

    Unlike its settings (whose phase follows the clock), these change only with the data.
    """
    row = get_campaign(engine, key)
    book = load_ledger(engine, key)
    with reading(engine) as session:
        codes = dict(
            session.execute(
                select(m.Person.key, InviteCode.code)
                .join(m.Person, m.Person.id == InviteCode.person_id)
                .where(InviteCode.campaign_id == row.id)
            ).all()
        )
    mine: dict[str, list[Outcome]] = defaultdict(list)
    for o in book.outcomes:
        mine[o.invite.inviter].append(o)
    inviters: list[dict[str, Any]] = []
    for person in sorted(set(mine) | set(codes)):
        done = progress(mine.get(person, []), book.stages)
        outcomes = mine.get(person, [])
        inviters.append({
            "person": person, "name": book.names.get(person, person),
            "valid": sum(o.status == "valid" for o in outcomes),
            "waiting": sum(o.status == "waiting" for o in outcomes),
            "invalid": sum(o.status == "invalid" for o in outcomes),
            "reached": [s.reward for s in done.reached],
            "pending": [s.reward for s in done.pending],
            "taken_back": [s.reward for s in done.taken_back],
            "code": codes.get(person),
            "link": poster_link(key, codes[person]) if person in codes else None,
        })  # fmt: skip
    inviters.sort(key=lambda r: (-r["valid"], -r["waiting"], r["person"]))
    return {
        "report": report_of(book),
        "invites": [_invite_row(o, book.names) for o in book.outcomes],
        "inviters": inviters,
    }
