"""Shared simulator runs: each world is generated once per test session."""

from __future__ import annotations

from typing import Any

import pytest

from quanzi.sim import SimConfig, simulate


@pytest.fixture(scope="session")
def sim_default_events() -> list[dict[str, Any]]:
    """Return every event of the default world, `SimConfig(seed=1)`."""
    return list(simulate(SimConfig(seed=1)))


@pytest.fixture(scope="session")
def sim_small_events() -> list[dict[str, Any]]:
    """Return a small, quick world with another seed, to check properties beyond seed 1."""
    return list(simulate(SimConfig(seed=3, days=60, people=800)))
