"""Fill the metric tables incrementally: recompute only the days that new events touched."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from quanzi.config import get_settings
from quanzi.errors import InvalidInput
from quanzi.metrics.calendar import Calendar, day_start, local_day, to_date
from quanzi.metrics.definitions import METRICS, Metric, Tables
from quanzi.metrics.engines import Source, connect_database, connect_duckdb
from quanzi.metrics.results import MetricRow, clean, compute
from quanzi.store import models as m
from quanzi.store.db import reading, transaction
from quanzi.store.models import utcnow
from quanzi.store.models_metrics import MetricFill, MetricValue

# Days recomputed per transaction: a long backfill commits as it goes and resumes after a crash.
CHUNK_DAYS = 31
# Where the definitions run: in place on the store, or on DuckDB over a parquet export of it
# (SQLite runs them row at a time; a backfill of a large store is far faster on DuckDB).
VIA = ("store", "duckdb")
# (stage, done, total): "export" counts rows of the export, a metric's name counts its days.
FillProgress = Callable[[str, int, int], None]


@dataclass
class MetricFilled:
    """What one fill did to one metric."""

    metric: str
    days: int = 0
    rows: int = 0
    last_event_id: int = 0


@dataclass
class FillReport:
    """What `update_metrics` did, per metric."""

    target_event_id: int = 0
    metrics: list[MetricFilled] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-ready data."""
        return asdict(self)


def select_metrics(names: Collection[str] | None) -> list[Metric]:
    """Return the named metrics (all when none are named), refusing unknown names."""
    if not names:
        return list(METRICS.values())
    unknown = sorted(set(names) - set(METRICS))
    if unknown:
        raise InvalidInput(
            f"未知指标：{'、'.join(unknown)}（可选 {'、'.join(METRICS)}）", code="unknown_metric"
        )
    return [METRICS[name] for name in names]


def touched_days(session: Session, metric: Metric, since: int, target: int, tz: str) -> set[int]:
    """Return the local days whose value events in (since, target] may have changed."""
    window = (m.Event.id > since, m.Event.id <= target)
    kinds = sorted(metric.kinds - {"refund"} if metric.by_order_day else metric.kinds)
    stamps = select(m.Event.ts).where(*window, m.Event.kind.in_(kinds))
    days = {local_day(ts, tz) for ts in session.scalars(stamps.execution_options(yield_per=5000))}
    if metric.by_order_day and "refund" in metric.kinds:
        # A refund changes the day its order was placed, not the day of the refund.
        refunded = select(m.Event.payload["order"].as_string()).where(
            *window, m.Event.kind == "refund"
        )
        orders = select(m.Order.ts).where(m.Order.order_key.in_(refunded))
        days.update(local_day(ts, tz) for ts in session.scalars(orders))
    if metric.cumulative and days:
        # A running total changes on every day from the earliest touched one to the last.
        last = session.scalar(select(func.max(m.Event.ts)))
        end = max(max(days), local_day(last, tz)) if last is not None else max(days)
        days = set(range(min(days), end + 1))
    return days


def _chunks(days: set[int]) -> Iterator[list[int]]:
    ordered = sorted(days)
    for start in range(0, len(ordered), CHUNK_DAYS):
        yield ordered[start : start + CHUNK_DAYS]


def _compute_slice(
    tables: Tables, metric: Metric, days: list[int], cal: Calendar
) -> list[MetricRow]:
    """Recompute the metric on `days` with the same definition every engine runs."""
    if not metric.cumulative:
        # Only rows inside the slice's time window can fall on its days.
        tables = tables.window(day_start(days[0], cal.tz), day_start(days[-1] + 1, cal.tz))
    return compute(tables, [metric], cal, days)


def _store_slice(engine: Engine, metric: Metric, days: list[int], rows: list[MetricRow]) -> None:
    """Replace the metric's values on `days` in one transaction (cells that vanished go too)."""
    with transaction(engine) as session:
        session.execute(
            delete(MetricValue).where(
                MetricValue.metric == metric.name, MetricValue.day.in_([to_date(d) for d in days])
            )
        )
        if rows:
            values = [
                {"metric": r.metric, "key": r.key, "day": r.day, "value": r.value} for r in rows
            ]
            session.execute(insert(MetricValue), values)


def _filled(state: MetricFill, target: int) -> bool:
    """Tell whether a metric's fill is done up to event `target`."""
    return state.state == "done" and state.last_event_id >= target


def _begin(engine: Engine, metric: Metric, target: int) -> int | None:
    """Mark the metric's step `started`; return where it resumes, or None when up to date."""
    with transaction(engine) as session:
        state = session.get(MetricFill, metric.name)
        if state is None:
            state = MetricFill(
                metric=metric.name,
                state="done",
                last_event_id=0,
                target_event_id=0,
                updated_at=utcnow(),
            )
            session.add(state)
        if _filled(state, target):
            return None
        state.state = "started"
        state.target_event_id = max(target, state.target_event_id or 0)
        state.updated_at = utcnow()
        return state.last_event_id


def _finish(engine: Engine, metric: Metric, target: int) -> None:
    with transaction(engine) as session:
        state = session.get_one(MetricFill, metric.name)
        state.state = "done"
        state.last_event_id = target
        state.target_event_id = target
        state.last_day = session.scalar(
            select(func.max(MetricValue.day)).where(MetricValue.metric == metric.name)
        )
        state.updated_at = utcnow()


def all_days(cal: Calendar) -> set[int]:
    """Return every local day from the first to the last stamp the calendar spans."""
    if cal.first is None or cal.last is None:
        return set()
    first = local_day(datetime.fromtimestamp(cal.first, UTC), cal.tz)
    last = local_day(datetime.fromtimestamp(cal.last, UTC), cal.tz)
    return set(range(first, last + 1))


def fill_metric(
    engine: Engine,
    tables: Tables,
    metric: Metric,
    target: int,
    cal: Calendar,
    progress: FillProgress | None = None,
) -> MetricFilled:
    """Bring one metric up to event `target`: started, recompute touched days, done."""
    filled = MetricFilled(metric.name, last_event_id=target)
    since = _begin(engine, metric, target)
    if since is None:
        return filled
    if since == 0:
        # Nothing filled yet: every day is touched, and reading each event's stamp into
        # Python to find that out would cost more than the fill itself on a large store.
        days = all_days(cal)
    else:
        with reading(engine) as session:
            days = touched_days(session, metric, since, target, cal.tz)
    for chunk in _chunks(days):
        rows = _compute_slice(tables, metric, chunk, cal)
        _store_slice(engine, metric, chunk, rows)
        filled.days += len(chunk)
        filled.rows += len(rows)
        if progress is not None:
            progress(metric.name, filled.days, len(days))
    _finish(engine, metric, target)
    return filled


def reset_metrics(engine: Engine, metrics: Collection[Metric]) -> None:
    """Forget the metrics' values and fill state, so the next fill recomputes everything."""
    names = [metric.name for metric in metrics]
    with transaction(engine) as session:
        session.execute(delete(MetricValue).where(MetricValue.metric.in_(names)))
        session.execute(delete(MetricFill).where(MetricFill.metric.in_(names)))


@contextmanager
def _opened(
    engine: Engine, via: str, workdir: Path | None, progress: FillProgress | None
) -> Iterator[tuple[Source, int]]:
    """Open where the definitions run, and the newest event id it holds."""
    if via == "store":
        with reading(engine) as session:
            target = session.scalar(select(func.max(m.Event.id))) or 0
        source = connect_database(engine.url.render_as_string(hide_password=False))
        try:
            yield source, target
        finally:
            source.close()
        return
    from quanzi.metrics.export import export_parquet

    def exported(name: str, done: int, total: int) -> None:
        if progress is not None:
            progress(f"export:{name}", done, total)

    with tempfile.TemporaryDirectory(prefix="quanzi-fill-", dir=workdir) as directory:
        # The export is one snapshot: its last event id is exactly what the fill covers.
        manifest = export_parquet(engine, Path(directory), progress=exported, stages=False)
        source = connect_duckdb(Path(directory))
        try:
            yield source, int(manifest["last_event_id"])
        finally:
            source.close()


def _up_to_date(engine: Engine, metrics: Collection[Metric]) -> int | None:
    """Return the newest event id when every metric's fill is done up to it (None: work to do)."""
    names = [metric.name for metric in metrics]
    with reading(engine) as session:
        newest = session.scalar(select(func.max(m.Event.id))) or 0
        states = session.scalars(select(MetricFill).where(MetricFill.metric.in_(names))).all()
    reached = {state.metric for state in states if _filled(state, newest)}
    return newest if reached == set(names) else None


def update_metrics(
    engine: Engine,
    names: Collection[str] | None = None,
    *,
    full: bool = False,
    timezone: str | None = None,
    via: str = "store",
    workdir: Path | None = None,
    progress: FillProgress | None = None,
) -> FillReport:
    """Fill every (or the named) metric up to the newest event, one metric after another."""
    metrics = select_metrics(names)
    if via not in VIA:
        raise InvalidInput(f"未知的计算位置：{via}（可选 {'、'.join(VIA)}）", code="unknown_via")
    tz = timezone or get_settings().timezone
    if full:
        reset_metrics(engine, metrics)
    newest = _up_to_date(engine, metrics)
    if newest is not None:  # nothing to fill: no export (a whole store's read) for nothing
        return FillReport(newest, [MetricFilled(mt.name, last_event_id=newest) for mt in metrics])
    with _opened(engine, via, workdir, progress) as (source, target):
        report = FillReport(target_event_id=target)
        cal = source.tables.calendar(tz)
        for metric in metrics:
            filled = fill_metric(engine, source.tables, metric, target, cal, progress)
            report.metrics.append(filled)
    return report


def stored_values(engine: Engine, names: Collection[str] | None = None) -> list[MetricRow]:
    """Return the filled values of every (or the named) metric, sorted."""
    metrics = [metric.name for metric in select_metrics(names)]
    with reading(engine) as session:
        query = select(MetricValue.metric, MetricValue.key, MetricValue.day, MetricValue.value)
        found = session.execute(query.where(MetricValue.metric.in_(metrics)))
        return sorted(
            MetricRow(metric, key, day, clean(metric, value)) for metric, key, day, value in found
        )
