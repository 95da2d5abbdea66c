"""Stored campaigns as the ledger sees them: their rules, their codes, code-derived invites."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quanzi.domain.attract_campaign import CampaignRules, Stage
from quanzi.domain.attract_ledger import InviteFact
from quanzi.store import models as m
from quanzi.store.db import chunked
from quanzi.store.models_attract import Campaign, InviteCode


def rules_of(row: Campaign) -> CampaignRules:
    """The ledger's rules of one stored campaign."""
    stages = tuple(Stage(int(s["friends"]), str(s.get("reward", ""))) for s in row.stages)
    return CampaignRules(
        targets=frozenset(row.communities), starts=row.starts_at, ends=row.ends_at,
        stay=timedelta(hours=row.stay_hours), stages=stages,
    )  # fmt: skip


def stored_rules(session: Session, key: str | None = None) -> dict[str, CampaignRules]:
    """Rules of every stored campaign, or of `key` alone."""
    query = select(Campaign)
    if key is not None:
        query = query.where(Campaign.key == key)
    return {row.key: rules_of(row) for row in session.scalars(query)}


def codes_of(session: Session, key: str | None = None) -> dict[str, tuple[str, str]]:
    """Issued codes: code → (campaign key, inviter's person key)."""
    query = (
        select(InviteCode.code, Campaign.key, m.Person.key)
        .join(Campaign, Campaign.id == InviteCode.campaign_id)
        .join(m.Person, m.Person.id == InviteCode.person_id)
    )
    if key is not None:
        query = query.where(Campaign.key == key)
    return {code: (campaign, person) for code, campaign, person in session.execute(query)}


def derived_invites(
    session: Session, codes: dict[str, tuple[str, str]], invites: Iterable[InviteFact]
) -> list[InviteFact]:
    """Invites read from `join`/`join_request` events whose `via` is an issued code."""
    # A poster scanned by a friend leaves no `invite` event, only the code on the join; the
    # code names the inviter. A pair (campaign, inviter, invitee) that already has an
    # `invite` event is not counted again, and of several coded joins the first one counts.
    if not codes:
        return []
    seen = {(i.campaign, i.inviter, i.invitee) for i in invites}
    via = m.Event.payload["via"].as_string()
    rows: list[Any] = []
    for chunk in chunked(sorted(codes)):
        rows.extend(
            session.execute(
                select(m.Event.id, m.Event.ts, m.Person.key, m.Community.key, via)
                .join(m.Person, m.Person.id == m.Event.person_id)
                .join(m.Community, m.Community.id == m.Event.community_id)
                .where(m.Event.kind.in_(("join", "join_request")), via.in_(chunk))
            )
        )
    found: list[InviteFact] = []
    for event, ts, person, community, code in sorted(rows, key=lambda r: (r[1], r[0])):
        campaign, inviter = codes[code]
        key = (campaign, inviter, person)
        if key not in seen:
            seen.add(key)
            found.append(InviteFact(event, ts, inviter, person, community, campaign))
    return found
