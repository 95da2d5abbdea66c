"""JSON for stored reports: plain values, dates and an allow-list of view dataclasses.

A snapshot is read back by building only the dataclasses named in `TYPES` from their
fields, so a stored body can never run code (unlike pickle). `shape()` fingerprints those
dataclasses' fields: a snapshot written by code with other fields no longer matches and is
recomputed instead of read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

# Bump when the envelope below changes; each report also carries its own format number.
CODEC = 1
TYPES: dict[str, type] = {}


class CodecError(ValueError):
    """A stored body that this code cannot read (another version, or not ours)."""


def register(*classes: type) -> None:
    """Allow these dataclasses in stored reports."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls!r} is not a dataclass")
        TYPES[cls.__name__] = cls


def shape(classes: Iterable[type] | None = None) -> str:
    """A short fingerprint of the registered dataclasses' names and fields."""
    chosen = sorted(classes if classes is not None else TYPES.values(), key=lambda c: c.__name__)
    text = ";".join(
        f"{cls.__name__}:{','.join(f.name for f in dataclasses.fields(cls))}" for cls in chosen
    )
    return hashlib.sha256(f"{CODEC}|{text}".encode()).hexdigest()[:12]


def _zone_name(zone: tzinfo | None) -> str | None:
    if zone is None:
        return None
    if isinstance(zone, ZoneInfo):
        return zone.key
    if zone == UTC:
        return "UTC"
    return None  # a fixed offset: the ISO text keeps it


def encode(value: Any) -> Any:
    """Turn a value into JSON-ready data, tagging what JSON has no type for."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return {"$dt": value.isoformat(), "tz": _zone_name(value.tzinfo)}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, frozenset | set):
        raise TypeError("sets have no stable order; store a sorted list or tuple")
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if TYPES.get(name) is not type(value):
            raise TypeError(f"{name} is not registered for stored reports")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$obj": name, "fields": fields}
    raise TypeError(f"cannot store a {type(value).__name__} in a report")


def _zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    return UTC if name == "UTC" else ZoneInfo(name)


def _build(name: str, raw: dict[str, Any]) -> Any:
    cls = TYPES.get(name)
    if cls is None:
        raise CodecError(f"unknown type {name!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if set(raw) != set(fields):
        raise CodecError(f"{name} fields differ")
    values = {k: decode(v) for k, v in raw.items()}
    made = cls(**{k: v for k, v in values.items() if fields[k].init})
    for key, value in values.items():
        if not fields[key].init:
            object.__setattr__(made, key, value)
    return made


def decode(data: Any) -> Any:
    """Rebuild a value from `encode`'s data (only allow-listed types are ever built)."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "$dt" in data:
        moment = datetime.fromisoformat(data["$dt"])
        zone = _zone(data.get("tz"))
        return moment.astimezone(zone) if zone is not None and moment.tzinfo else moment
    if "$date" in data:
        return date.fromisoformat(data["$date"])
    if "$td" in data:
        days, seconds, micro = data["$td"]
        return timedelta(days=days, seconds=seconds, microseconds=micro)
    if "$tuple" in data:
        return tuple(decode(v) for v in data["$tuple"])
    if "$map" in data:
        return {_key(decode(k)): decode(v) for k, v in data["$map"]}
    if "$obj" in data:
        return _build(data["$obj"], data["fields"])
    return {k: decode(v) for k, v in data.items()}


def _key(value: Any) -> Any:
    # Lists are not hashable; a tuple key came back as a tuple already.
    return tuple(value) if isinstance(value, list) else value


def dumps(value: Any) -> str:
    """Serialise a report body to JSON text."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Any:
    """Read a report body back; raise CodecError when it is not one this code wrote."""
    try:
        return decode(json.loads(text))
    except (TypeError, KeyError, ValueError) as exc:
        raise CodecError(str(exc)) from exc
