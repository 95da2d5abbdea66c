"""Active moments as arrays: local days in any zone equal Python's, per person reads equal."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from quanzi.analytics.retain_activity import Activity, local_days
from quanzi.domain.retain_replay import from_us, to_us

EPOCH_DAY = date(1970, 1, 1)


@pytest.mark.parametrize(
    "zone", ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
)
def test_local_days_equal_pythons_across_offset_changes(zone: str) -> None:
    tz = ZoneInfo(zone)
    rng = np.random.default_rng(11)
    start = to_us(from_us(0).replace(year=2025))
    spread = rng.integers(0, 2 * 366 * 86_400 * 1_000_000, 4000)
    # Moments on both sides of every transition in those two years, to the microsecond.
    edges = []
    for year in (2025, 2026):
        for month in range(1, 13):
            for day in (1, 2, 5, 6, 7, 8, 9, 14, 15, 28, 29, 30, 31):
                try:
                    base = to_us(from_us(0).replace(year=year, month=month, day=day))
                except ValueError:
                    continue
                for hour_us in range(-2 * 3600, 26 * 3600, 900):
                    for jitter in (-1, 0, 1):
                        edges.append(base + hour_us * 1_000_000 + jitter)
    moments = np.sort(np.concatenate([start + spread, np.array(edges, dtype=np.int64)]))
    expected = [(from_us(int(us)).astimezone(tz).date() - EPOCH_DAY).days for us in moments]
    assert local_days(moments, tz).tolist() == expected


def test_activity_cuts_the_moments_by_person() -> None:
    activity = Activity(
        np.array([3, 7]), np.array([0, 2, 3]), np.array([10, 20, 5], dtype=np.int64)
    )
    assert [(p, t.tolist()) for p, t in activity.items()] == [(3, [10, 20]), (7, [5])]
    assert activity.of(7).tolist() == [5] and activity.of(4).tolist() == []
    assert activity.of(99).tolist() == []
    assert local_days(np.zeros(0, dtype=np.int64), ZoneInfo("UTC")).tolist() == []
