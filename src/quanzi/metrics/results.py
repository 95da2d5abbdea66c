"""Run metric expressions on an engine and return plain, sorted rows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from quanzi.metrics.calendar import Calendar, to_date
from quanzi.metrics.definitions import METRICS, Metric, Tables, combined
from quanzi.metrics.engines import Source


@dataclass(frozen=True, order=True)
class MetricRow:
    """One metric's value for one key on one local day."""

    metric: str
    key: str
    day: date
    value: float

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-ready data (the day as an ISO date)."""
        return {"metric": self.metric, "key": self.key, "day": self.day.isoformat(),
                "value": self.value}  # fmt: skip


def clean(metric: str, value: float) -> float:
    """Round a value the way the metric is reported: whole counts, yuan to the fen."""
    digits = METRICS[metric].digits
    # Engines sum floats in different orders; rounding makes their results compare equal.
    return round(float(value), digits) if digits else round(float(value))


def to_rows(records: Iterable[dict[str, Any]]) -> list[MetricRow]:
    """Turn engine records (metric, key, day number, value) into sorted rows."""
    rows = [
        MetricRow(r["metric"], r["key"], to_date(r["day"]), clean(r["metric"], r["value"]))
        for r in records
    ]
    return sorted(rows)


def compute(
    source: Source | Tables,
    metrics: Collection[Metric],
    calendar: Calendar | str,
    days: Collection[int] | None = None,
) -> list[MetricRow]:
    """Compute `metrics` on an engine, on every day or only on `days`."""
    tables = source.tables if isinstance(source, Source) else source
    return to_rows(combined(metrics, tables, calendar, days).to_pyarrow().to_pylist())
