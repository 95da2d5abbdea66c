"""How the stage recompute unpacks the messages it reads and asks numpy for memory."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import Engine

from quanzi.config import get_settings
from quanzi.services import retain_stages
from quanzi.services.retain_stages import _huge_page_switch, _small_pages, recompute_stages
from quanzi.store.stage_log import MessagePacking
from tests.retain.retain_fixture import EVENTS
from tests.retain.test_retain_stages_reference import ingest


def test_messages_packed_by_the_sql_unpack_alike_whole_or_in_pieces() -> None:
    rng = np.random.default_rng(3)
    size = 1000
    ids = np.sort(rng.choice(10**9, size, replace=False))
    people = rng.integers(0, 5001, size)
    communities = rng.integers(-1, 41, size)  # -1: in no community (NULL)
    types = rng.integers(0, 3, size)
    packing = MessagePacking.for_largest(int(people.max()), int(communities.max()))
    assert packing.fits(int(ids.max()))
    rows = pa.table(
        {
            "id": ids,
            "person_id": people,
            "community_id": pa.array(np.where(communities < 0, None, communities).tolist()),
            "t": types,
        }
    )
    connection = duckdb.connect()
    connection.register("m", rows)
    packed = connection.sql(f"SELECT {packing.sql('t')} AS p FROM m").fetchnumpy()["p"]
    whole = packing.unpack(np.asarray(packed, dtype=np.int64))
    for got, want in zip(whole, (ids, people, communities, types), strict=True):
        assert np.array_equal(got, want)
    assert [a.dtype for a in whole] == [np.int64, np.int64, np.int64, np.int8]
    cuts = [0, 1, 1, 400, 999, size]  # an empty piece and a piece of one among them
    pieces = [packed[a:b] for a, b in pairwise(cuts)]
    for got, want in zip(packing.unpack_pieces(pieces, size), whole, strict=True):
        assert np.array_equal(got, want)
    with pytest.raises(ValueError, match="999 packed values given, 1000 expected"):
        packing.unpack_pieces(pieces[:-1], size)


def test_numpy_is_asked_for_no_huge_pages_during_the_recompute(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    switched: list[bool] = []

    def switch(on: bool) -> bool:
        switched.append(on)
        return True  # numpy's default: advised

    monkeypatch.setattr(retain_stages, "_huge_page_switch", lambda: switch)
    during: list[list[bool]] = []
    replay = retain_stages.replay_log

    def watched(*args: Any, **kwargs: Any) -> Any:
        during.append(list(switched))
        return replay(*args, **kwargs)

    monkeypatch.setattr(retain_stages, "replay_log", watched)
    ingest(engine, EVENTS)
    recompute_stages(engine)
    assert during == [[False]]  # off while the log is replayed
    assert switched == [False, True]  # and back as it was after
    monkeypatch.setenv("QUANZI_NUMPY_HUGE_PAGES", "1")
    get_settings.cache_clear()
    switched.clear()
    recompute_stages(engine)
    assert switched == []  # numpy's default kept


def test_the_huge_page_switch_is_numpy_s_and_is_restored() -> None:
    switch = _huge_page_switch()
    assert switch is not None  # this numpy has it: the recompute does turn huge pages off
    was = switch(True)
    try:
        with _small_pages():
            assert switch(False) is False  # off inside
        assert switch(True) is True  # on again after, as it was before
    finally:
        switch(was)
