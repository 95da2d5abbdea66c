"""Helpers shared by the retain figures: the community by key, "now", the local zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quanzi.analytics.cache import version_in
from quanzi.config import get_settings
from quanzi.errors import NotFound
from quanzi.store import models as m
from quanzi.store.models import utcnow

T = TypeVar("T")
K = TypeVar("K")
STAFF_ROLES = frozenset({"owner", "admin", "staff", "kol"})


def zone(name: str | None = None) -> ZoneInfo:
    """Return the operators' time zone (QUANZI_TIMEZONE, Asia/Shanghai by default)."""
    return ZoneInfo(name or get_settings().timezone)


def as_of(session: Session) -> datetime:
    """Return "now" for figures: the newest event's time, so replayed history looks live."""
    return session.scalar(select(func.max(m.Event.ts))) or utcnow()


def community(session: Session, key: str) -> m.Community:
    """Return the community with `key`, or raise NotFound in Chinese."""
    row = session.scalar(select(m.Community).where(m.Community.key == key))
    if row is None:
        raise NotFound(f"没有找到社群 {key!r}：请检查 --community", code="community_not_found")
    return row


def communities(session: Session, key: str | None) -> list[m.Community]:
    """Return one community by key, or every declared community ordered by key."""
    if key is not None:
        return [community(session, key)]
    return list(session.scalars(select(m.Community).order_by(m.Community.key)))


def staff_of(session: Session, community_id: int, roles: frozenset[str] = STAFF_ROLES) -> set[str]:
    """Return the person keys holding a staff role (EVENTS.md `role`) in a community."""
    query = (
        select(m.Person.key)
        .join(m.Membership, m.Membership.person_id == m.Person.id)
        .where(m.Membership.community_id == community_id, m.Membership.role.in_(sorted(roles)))
    )
    return set(session.scalars(query))


_MEMO: dict[tuple[Any, ...], Any] = {}
MEMO_SIZE = 64


def memo(session: Session, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Reuse a result computed from the same state of the store (data version) in this process.

    The console shows the same heavy figures on every page view; they change only when
    the data does, so the data version is part of the key.
    """
    return memo_many(session, {0: key}, lambda missing: {0: compute()})[0]


def memo_many(
    session: Session,
    keys: dict[K, tuple[Any, ...]],
    compute: Callable[[list[K]], dict[K, T]],
) -> dict[K, T]:
    """`memo` for several results at once: `compute(missing)` makes the missing ones together."""
    url = str(session.get_bind().engine.url)
    # The data version (newest event, audited change, decision, stage run) tells one state
    # of the store from another, even across databases reset and refilled at the same URL;
    # it is read from indexes, where max(ingested_at) scanned the whole log.
    version = version_in(session)
    fulls = {item: (url, version, *key) for item, key in keys.items()}
    found = {item: _MEMO[full] for item, full in fulls.items() if full in _MEMO}
    missing = [item for item in keys if item not in found]
    if missing:
        made = compute(missing)
        for item in missing:
            if len(_MEMO) >= MEMO_SIZE:
                _MEMO.pop(next(iter(_MEMO)))
            _MEMO[fulls[item]] = found[item] = made[item]
    return {item: cast(T, found[item]) for item in keys}
