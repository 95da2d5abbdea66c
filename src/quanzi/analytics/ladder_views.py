"""Rows of segments and offers with live counts, for the CLI and the console."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from quanzi.analytics.ladder_segments import audience_count, count_in
from quanzi.domain.ladder_segments import parse_filter
from quanzi.domain.ladder_tasks import describe_reward, reward_price
from quanzi.domain.vocab import STRATA
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_ladder import Offer, Segment


def community_names(session: Any) -> dict[str, str]:
    """Map community keys to their names."""
    return {k: n or k for k, n in session.execute(select(m.Community.key, m.Community.name))}


def segment_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every saved segment with its conditions in words and its live count."""
    with reading(engine) as session:
        names = community_names(session)
        rows = []
        for segment in session.scalars(select(Segment).order_by(Segment.key)):
            spec = parse_filter(segment.filters)
            rows.append(
                {
                    "key": segment.key,
                    "name": segment.name,
                    "filters": spec.to_dict(),
                    "describe": spec.describe(names),
                    "count": count_in(session, spec),
                }
            )
        return rows


def offer_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every offer with its list price beside the offer price, its window and its audience."""
    with reading(engine) as session:
        segments = {s.id: s for s in session.scalars(select(Segment))}
        rows = []
        for offer in session.scalars(select(Offer).order_by(Offer.starts_at.desc(), Offer.key)):
            if offer.segment_id is not None:
                segment = segments[offer.segment_id]
                audience = f"人群包：{segment.name}"
            else:
                audience = f"意向分层：{STRATA.get(offer.stratum or '', offer.stratum)}"
            price = (
                None
                if offer.list_price is None
                else reward_price(offer.list_price, offer.kind, offer.value)
            )
            rows.append(
                {
                    "key": offer.key,
                    "name": offer.name,
                    "item": offer.item,
                    "kind": offer.kind,
                    "value": offer.value,
                    "describe": describe_reward(offer.kind, offer.value),
                    "list_price": offer.list_price,
                    "price": price,
                    "audience": audience,
                    "starts": offer.starts_at.isoformat(),
                    "ends": offer.ends_at.isoformat(),
                    "count": audience_count(session, offer),
                }
            )
        return rows
