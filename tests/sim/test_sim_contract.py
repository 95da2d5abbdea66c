"""The simulator keeps the event contract: valid, ordered, unique, deterministic, streaming."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from itertools import islice
from typing import Any

import pytest

from quanzi.domain.events import parse_event
from quanzi.domain.vocab import KINDS
from quanzi.sim import SimConfig, simulate

Events = list[dict[str, Any]]
PERSON_FIELDS = ("person", "inviter", "invitee", "leader")


def persons_of(events: Events) -> set[str]:
    """Return every distinct person key mentioned anywhere in the events."""
    keys: set[str] = set()
    for event in events:
        keys.update(event[f] for f in PERSON_FIELDS if event.get(f))
        keys.update(event.get("mentions") or ())
    return keys


def digest(cfg: SimConfig) -> str:
    """Return a hash of the JSON Lines the config produces."""
    sha = hashlib.sha256()
    for event in simulate(cfg):
        sha.update(json.dumps(event, ensure_ascii=False, sort_keys=False).encode())
        sha.update(b"\n")
    return sha.hexdigest()


def test_same_config_gives_identical_output() -> None:
    cfg = SimConfig(seed=11, days=25, people=400)
    assert digest(cfg) == digest(SimConfig(seed=11, days=25, people=400))


def test_different_seed_gives_different_output() -> None:
    assert digest(SimConfig(seed=11, days=25, people=400)) != digest(
        SimConfig(seed=12, days=25, people=400)
    )


def test_output_does_not_depend_on_string_hash_seed() -> None:
    code = (
        "import hashlib, json\n"
        "from quanzi.sim import SimConfig, simulate\n"
        "h = hashlib.sha256()\n"
        "for e in simulate(SimConfig(seed=5, days=20, people=300)):\n"
        "    h.update(json.dumps(e, ensure_ascii=False).encode())\n"
        "print(h.hexdigest())\n"
    )
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(run.stdout.strip())
    assert len(outputs) == 1


def test_every_event_validates_and_is_json(sim_default_events: Events) -> None:
    for event in sim_default_events:
        parse_event(event)
        assert json.loads(json.dumps(event, ensure_ascii=False)) == event


def test_timestamps_are_ordered_rfc3339_in_beijing_time(sim_default_events: Events) -> None:
    previous = None
    for event in sim_default_events:
        assert event["ts"].endswith("+08:00")
        ts = datetime.fromisoformat(event["ts"])
        assert previous is None or ts >= previous, event
        previous = ts
    first, last = sim_default_events[0]["ts"][:10], sim_default_events[-1]["ts"][:10]
    assert first == "2026-05-01"
    assert last == "2026-10-27"  # 180 days from 1 May


def test_ids_are_unique_and_carry_the_seed(sim_default_events: Events) -> None:
    ids = [event["id"] for event in sim_default_events]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("sim-1-") for i in ids)


def test_all_kinds_appear(sim_default_events: Events) -> None:
    kinds = Counter(event["kind"] for event in sim_default_events)
    assert set(kinds) == set(KINDS)


def test_default_world_size(sim_default_events: Events) -> None:
    assert 80_000 <= len(sim_default_events) <= 200_000
    communities = {e["community"] for e in sim_default_events if e["kind"] == "community"}
    assert len(communities) >= 9
    persons = persons_of(sim_default_events)
    assert len(persons) > 1000
    assert 1800 <= len(persons) <= 2200  # people=2000 within ±10%


def test_people_parameter_is_honoured(sim_small_events: Events) -> None:
    assert 720 <= len(persons_of(sim_small_events)) <= 880


def test_communities_are_declared_before_use(sim_default_events: Events) -> None:
    declared: set[str] = set()
    for event in sim_default_events:
        if event["kind"] == "community":
            declared.add(event["community"])
        elif "community" in event:
            assert event["community"] in declared, event


def test_simulate_streams_day_by_day() -> None:
    # A century-long world must still yield its first events at once.
    first = list(islice(simulate(SimConfig(seed=2, days=36_500, people=1000)), 50))
    assert len(first) == 50
    assert all(event["ts"].startswith("2026-05-01") for event in first)


def test_start_date_is_configurable() -> None:
    events = list(simulate(SimConfig(seed=2, days=3, people=200, start=date(2027, 1, 10))))
    assert events[0]["ts"].startswith("2027-01-10")
    assert events[-1]["ts"].startswith("2027-01-12")


@pytest.mark.parametrize("bad", [{"days": 0}, {"people": 10}])
def test_config_rejects_nonsense(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SimConfig(**bad)  # type: ignore[arg-type]
