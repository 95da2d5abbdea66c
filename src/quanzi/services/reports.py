"""Heavy reports kept as snapshots: read while the data version holds, else computed and stored.

`current` serves a console page: the in-memory copy, else the stored snapshot of the same
data version and format, else the live computation (stored for the next visit and the next
process). `refresh_reports` computes every report's usual variants ahead of the first visit;
`quanzi analytics update` runs it after filling the metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from quanzi.analytics import cache, report_codec
from quanzi.analytics.report_catalog import REPORTS
from quanzi.analytics.reports import (
    Report,
    Stored,
    declare,
    params_text,
    stored,
    stored_versions,
)
from quanzi.config import get_settings
from quanzi.domain.moderation import Decision
from quanzi.domain.screening import Reason
from quanzi.errors import InvalidInput
from quanzi.services.filter_moderation import LogEntry, moderation_log
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow
from quanzi.store.models_reports import ReportSnapshot

log = logging.getLogger("quanzi.reports")
Job = Callable[[], None]
Progress = Callable[[int, int, str], None]


def _moderation_default(session: Session) -> list[dict[str, Any]]:
    first = session.scalar(select(m.Community.key).order_by(m.Community.key).limit(1))
    return [{"community": first, "days": 30}] if first is not None else []


# The moderation log replays messages through the rules, which live with the services.
declare(Report("filter_moderation", 1, moderation_log, (LogEntry, Decision, Reason),
               variants=_moderation_default, reads_stages=False))  # fmt: skip


def _has_data(version: tuple[Any, ...]) -> bool:
    # With no event at all "now" is the wall clock, which a snapshot would freeze.
    return bool(version[0])


def store_snapshot(
    engine: Engine, name: str, params: str, version: str, stamp: str, body: str
) -> None:
    """Write one report's snapshot (replacing the one before), in one transaction."""
    with transaction(engine) as session:
        row = session.scalar(
            select(ReportSnapshot).where(
                ReportSnapshot.name == name, ReportSnapshot.params == params
            )
        )
        if row is None:
            row = ReportSnapshot(name=name, params=params)
            session.add(row)
        row.version, row.format, row.body = version, stamp, body
        row.computed_at = utcnow()


def _saver(engine: Engine, report: Report, params: str, version: str, value: Any) -> Job:
    def save() -> None:
        try:
            store_snapshot(engine, report.name, params, version, report.stamp,
                           report_codec.dumps(value))  # fmt: skip
        except IntegrityError:
            pass  # another request stored the same report at the same moment
        except SQLAlchemyError as exc:
            # A read-only or not yet upgraded store still serves live figures.
            log.warning("report %s not stored: %s", report.name, getattr(exc, "orig", exc))

    return save


def current(
    engine: Engine,
    name: str,
    *,
    later: Callable[[Job], None] | None = None,
    stale: Callable[[datetime], None] | None = None,
    **params: Any,
) -> Any:
    """Return report `name` for `params` at the store's current data version.

    The snapshot is written by `later(job)` when given (a page hands it to a background
    task, so the answer does not wait for the write), else at once. Within the allowed
    age (`report_max_age_seconds`) an older snapshot is served instead of a recomputation,
    and `stale(computed_at)` is told so. A report's `finish` is applied to what is shown.
    """
    report = REPORTS[name]
    key = ("report", name, params_text(params))
    body = _body(engine, report, key, params, later, stale)
    return body if report.finish is None else _finished(engine, report.finish, key, body)


def _body(
    engine: Engine,
    report: Report,
    key: tuple[str, str, str],
    params: dict[str, Any],
    later: Callable[[Job], None] | None,
    stale: Callable[[datetime], None] | None,
) -> Any:
    """Return the report's body: kept in memory, stored, older within the age, or computed."""
    name, text = key[1], key[2]
    version = cache.data_version(engine, stages=report.reads_stages)
    found = cache.peek(engine, key, version)
    if found is not cache.MISSING:
        return found
    version_key = cache.version_text(version)
    snapshot = stored(engine, name, text)
    if snapshot is not None and (snapshot.version, snapshot.format) == (version_key, report.stamp):
        try:
            value = report_codec.loads(snapshot.body)
        except report_codec.CodecError as exc:
            log.warning("report %s snapshot unreadable, recomputing: %s", name, exc)
        else:
            cache.keep(engine, key, version, value)
            return value
    if snapshot is not None and _young_enough(snapshot, report):
        value = _older(engine, key, snapshot)
        if value is not cache.MISSING:
            if stale is not None:
                stale(snapshot.computed_at)
            return value
    value = report.compute(engine, **params)
    cache.keep(engine, key, version, value)
    if _has_data(version):
        job = _saver(engine, report, text, version_key, value)
        if later is None:
            job()
        else:
            later(job)
    return value


def _finished(
    engine: Engine, finish: Callable[[Engine, Any], Any], key: tuple[str, ...], body: Any
) -> Any:
    """Return `finish` of `body`, kept while the whole data version (stages too) holds and
    the body is the same object (a page renders what it shows once per object)."""
    version = cache.data_version(engine)
    finished_key = ("finished", *key)
    found = cache.peek(engine, finished_key, version)
    if found is not cache.MISSING and found[0] is body:
        return found[1]
    value = finish(engine, body)
    cache.keep(engine, finished_key, version, (body, value))
    return value


def _young_enough(snapshot: Stored, report: Report) -> bool:
    """Tell whether an older data version's snapshot may still be shown."""
    allowed = get_settings().report_max_age_seconds
    if allowed <= 0 or snapshot.format != report.stamp:
        return False
    return utcnow() - snapshot.computed_at <= timedelta(seconds=allowed)


def _older(engine: Engine, key: tuple[str, ...], snapshot: Stored) -> Any:
    """The body of an older snapshot, decoded once while it is the one stored."""
    older_key, stamp = ("older", *key), (snapshot.version, snapshot.computed_at)
    found = cache.peek(engine, older_key, stamp)
    if found is not cache.MISSING:
        return found
    try:
        value = report_codec.loads(snapshot.body)
    except report_codec.CodecError as exc:
        log.warning("report %s snapshot unreadable, recomputing: %s", key[1], exc)
        return cache.MISSING
    cache.keep(engine, older_key, stamp, value)
    return value


@dataclass(frozen=True)
class Refreshed:
    """What `refresh_reports` did with one report variant."""

    name: str
    params: dict[str, Any]
    computed: bool  # False: its snapshot was already current (or computing it failed)
    error: str | None = None


def refresh_reports(
    engine: Engine, progress: Progress | None = None, *, names: Collection[str] | None = None
) -> list[Refreshed]:
    """Compute and store every report's usual variants whose snapshot is not current.

    `progress(done, total, label)` is called before each variant and once at the end;
    `names` limits the refresh to those reports (`REPORTS` lists them all).
    """
    unknown = set(names or ()) - set(REPORTS)
    if unknown:
        known = "、".join(REPORTS)
        raise InvalidInput(f"没有这些报表：{'、'.join(sorted(unknown))}；已有：{known}")
    chosen = [r for r in REPORTS.values() if names is None or r.name in names]
    # Read once at the start: what a report computed during the refresh stands for.
    versions = {stages: cache.data_version(engine, stages=stages) for stages in (True, False)}
    with reading(engine) as session:
        planned = [(r, p) for r in chosen for p in r.variants(session)]
    have = stored_versions(engine)
    done: list[Refreshed] = []
    for index, (report, params) in enumerate(planned):
        text = params_text(params)
        label = f"{report.name} {text}" if params else report.name
        version = versions[report.reads_stages]
        version_key = cache.version_text(version)
        if progress is not None:
            progress(index, len(planned), label)
        if have.get((report.name, text)) == (version_key, report.stamp):
            done.append(Refreshed(report.name, params, False))
            continue
        try:
            value = report.compute(engine, **params)
        except Exception as exc:  # one broken report must not keep the others stale
            log.exception("report %s failed", label)
            done.append(Refreshed(report.name, params, False, str(exc)))
            continue
        if _has_data(version):
            store_snapshot(engine, report.name, text, version_key, report.stamp,
                           report_codec.dumps(value))  # fmt: skip
        cache.keep(engine, ("report", report.name, text), version, value)
        done.append(Refreshed(report.name, params, True))
    if progress is not None:
        progress(len(planned), len(planned), "")
    return done
