"""The deterministic world simulator behind `quanzi demo`: 「果园鲜生」 and its communities.

from quanzi.sim import SimConfig, simulate
for event in simulate(SimConfig(seed=1, days=180, people=2000)):
    ...  # a raw canonical event dict (EVENTS.md), JSON-serialisable, in time order
"""

from quanzi.sim.config import SimConfig
from quanzi.sim.engine import simulate

__all__ = ["SimConfig", "simulate"]
