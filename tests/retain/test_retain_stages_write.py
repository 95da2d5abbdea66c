"""Times written through the SQLite cursor are the text SQLAlchemy writes for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy.dialects import sqlite

from quanzi.services.retain_stages_write import _stored_times
from quanzi.store import models as m
from quanzi.store import models_retain as r


def test_stored_times_are_sqlalchemys_text() -> None:
    dialect = sqlite.dialect()
    bind = m.table(r.Engagement).c["last_active"].type.dialect_impl(dialect).bind_processor(dialect)
    rng = np.random.default_rng(7)
    us = np.concatenate(
        (
            np.array([0, -1, -1_000_000, 1, 999_999, 253_402_300_799_999_999], dtype=np.int64),
            rng.integers(-(10**15), 4 * 10**15, size=2000),
            rng.integers(0, 4 * 10**9, size=500) * 1_000_000,  # whole seconds
        )
    )
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert _stored_times(us) == [bind(epoch + timedelta(microseconds=int(v))) for v in us]
    assert _stored_times(np.zeros(0, dtype=np.int64)) == []
