"""Work handed to a forked child gives the same result, even when the child fails or dies."""

from __future__ import annotations

import os

import numpy as np
import pytest

from quanzi import parallel


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)  # a child even on one core


def test_the_work_runs_in_a_child_and_its_result_comes_back() -> None:
    assert parallel.can_fork()
    wait = parallel.in_child(lambda: (os.getpid(), np.arange(1_000_000) * 2))
    pid, values = wait()
    assert pid != os.getpid()
    assert np.array_equal(values, np.arange(1_000_000) * 2)


def test_a_failing_child_leaves_the_work_to_the_parent(caplog: pytest.LogCaptureFixture) -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            raise ValueError("broken in the child")
        return "done here"

    assert parallel.in_child(work)() == "done here"
    assert "broken in the child" in caplog.text


def test_a_child_that_dies_leaves_the_work_to_the_parent() -> None:
    parent = os.getpid()

    def work() -> str:
        if os.getpid() != parent:
            os._exit(3)
        return "done here"

    assert parallel.in_child(work)() == "done here"


def test_without_a_second_core_the_work_is_done_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    assert not parallel.can_fork()
    assert parallel.in_child(os.getpid)() == os.getpid()
