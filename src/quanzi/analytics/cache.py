"""Heavy read models kept in memory until the data changes (a new event, decision or edit)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.store import models as m
from quanzi.store import models_retain as r
from quanzi.store.db import reading

T = TypeVar("T")
MAX_ENTRIES = 32
MISSING: Any = object()  # what `peek` returns when nothing is kept
OPERATOR_ACTIONS = "operator."  # audit actions about console accounts (quanzi.services.operators)
_entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[Any, ...], Any]] = OrderedDict()
_lock = threading.Lock()


def version_in(session: Session, *, stages: bool = True) -> tuple[Any, ...]:
    """What changes whenever the figures may: the newest event, audited change, decision, stages.

    `stages=False` leaves the stage runs out, for figures that never read people's stages:
    a stage recompute then leaves them current.
    """
    # Events are append-only, every operator change is audited, screening decisions stamp
    # decided_at and every stage recompute adds a run. The newest rows' wall-clock stamps
    # tell a rebuilt database with the same ids apart from the one cached. Each part is
    # one row read from an index, however large the store.
    event = session.execute(
        select(m.Event.id, m.Event.ingested_at).order_by(m.Event.id.desc()).limit(1)
    ).first()
    # Logins, logouts and new accounts are audited too, but change no figure: were they
    # part of the version, every login would send each heavy report back to be recomputed.
    change = session.execute(
        select(m.AuditLog.id, m.AuditLog.ts)
        .where(m.AuditLog.action.not_like(f"{OPERATOR_ACTIONS}%"))
        .order_by(m.AuditLog.id.desc())
        .limit(1)
    ).first()
    decided = session.scalar(select(func.max(m.JoinRequest.decided_at)))
    run = (
        session.execute(
            select(r.StageRun.id, r.StageRun.computed_at).order_by(r.StageRun.id.desc()).limit(1)
        ).first()
        if stages
        else None
    )
    return (tuple(event or ()), tuple(change or ()), decided, tuple(run or ()))


def data_version(engine: Engine, *, stages: bool = True) -> tuple[Any, ...]:
    """Return the data version of the store (see `version_in`)."""
    with reading(engine) as session:
        return version_in(session, stages=stages)


def version_text(version: tuple[Any, ...]) -> str:
    """The data version as stable text, with the time zone days are cut in."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value

    return json.dumps([get_settings().timezone, plain(version)], separators=(",", ":"))


def _slot(engine: Engine, key: tuple[Hashable, ...]) -> tuple[Hashable, ...]:
    return (engine.url.render_as_string(hide_password=True), *key)


def peek(engine: Engine, key: tuple[Hashable, ...], version: tuple[Any, ...]) -> Any:
    """Return the value kept for `key` at `version`, or MISSING."""
    slot = _slot(engine, key)
    with _lock:
        found = _entries.get(slot)
        if found is not None and found[0] == version:
            _entries.move_to_end(slot)
            return found[1]
    return MISSING


def keep(engine: Engine, key: tuple[Hashable, ...], version: tuple[Any, ...], value: Any) -> None:
    """Keep `value` for `key` at `version`, dropping the least recently used beyond the cap."""
    slot = _slot(engine, key)
    with _lock:
        _entries[slot] = (version, value)
        _entries.move_to_end(slot)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)


def forget() -> None:
    """Drop every kept value (a restart, for tests)."""
    with _lock:
        _entries.clear()


def cached(engine: Engine, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """Return `compute()` for `key`, reusing the last result while the data version holds."""
    version = data_version(engine)
    found = peek(engine, key, version)
    if found is not MISSING:
        return cast(T, found)
    value = compute()  # outside the lock: two first requests may both compute, never block
    keep(engine, key, version, value)
    return value
