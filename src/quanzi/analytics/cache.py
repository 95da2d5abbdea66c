"""Heavy read models kept in memory until the data changes (a new event, decision or edit)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from quanzi.store import models as m
from quanzi.store.db import reading

T = TypeVar("T")
MAX_ENTRIES = 32
_entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
_lock = threading.Lock()


def data_version(engine: Engine) -> tuple[Any, ...]:
    """What changes whenever the figures may: the newest event, audited change and decision."""
    # Events are append-only, every operator change is audited, and screening decisions
    # stamp decided_at. The newest rows' wall-clock stamps tell a rebuilt database with the
    # same ids apart from the one cached.
    with reading(engine) as session:
        event = session.execute(
            select(m.Event.id, m.Event.ingested_at).order_by(m.Event.id.desc()).limit(1)
        ).first()
        change = session.execute(
            select(m.AuditLog.id, m.AuditLog.ts).order_by(m.AuditLog.id.desc()).limit(1)
        ).first()
        decided = session.scalar(select(func.max(m.JoinRequest.decided_at)))
    return (tuple(event or ()), tuple(change or ()), decided)


def cached(engine: Engine, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """Return `compute()` for `key`, reusing the last result while the data version holds."""
    slot = (engine.url.render_as_string(hide_password=True), *key)
    version = data_version(engine)
    with _lock:
        found = _entries.get(slot)
        if found is not None and found[0] == version:
            _entries.move_to_end(slot)
            return found[1]
    value = compute()  # outside the lock: two first requests may both compute, never block
    with _lock:
        _entries[slot] = (version, value)
        _entries.move_to_end(slot)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value
