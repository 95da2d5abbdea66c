"""The heavy reports the console keeps as snapshots, and reading a stored snapshot back.

Each report is computed by a read-only function of the store (`compute(engine, **params)`)
and is valid for one data version (`analytics.cache.version_in`). `quanzi.services.reports`
writes the snapshots; pages read them while the data version holds and compute live, as
before, when it does not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from quanzi.analytics import report_codec
from quanzi.store.db import reading
from quanzi.store.models_reports import ReportSnapshot

log = logging.getLogger("quanzi.reports")


def _default_variants(session: Session) -> list[dict[str, Any]]:
    return [{}]


@dataclass(frozen=True)
class Report:
    """A heavy report: how to compute it, what it stores, which variants to keep ready."""

    name: str
    format: int  # bump when the body's meaning changes without its classes changing
    compute: Callable[..., Any]  # (engine, **params) -> the body
    classes: tuple[type, ...] = ()  # the dataclasses the body holds (allow-listed)
    # The parameter sets `refresh_reports` computes ahead of the first visit.
    variants: Callable[[Session], list[dict[str, Any]]] = field(default=_default_variants)
    # Whether it reads people's stages or the stage tables. Only such a report goes stale
    # when stages are recomputed (`analytics.cache.version_in`); when unsure, leave it True.
    reads_stages: bool = True
    # Applied to the stored or computed body on each read, at the current stages: how a
    # stage-free report shows the stages of the few people it lists and still keeps its
    # snapshot through a stage recompute. (engine, body) -> the body shown.
    finish: Callable[[Engine, Any], Any] | None = None

    @property
    def stamp(self) -> str:
        """The format stored beside the body: the report's number and its classes' shape."""
        return f"{self.format}.{report_codec.shape(self.classes)}"


REPORTS: dict[str, Report] = {}


def declare(report: Report) -> Report:
    """Add a report to the registry (its classes to the codec's allow-list)."""
    report_codec.register(*report.classes)
    REPORTS[report.name] = report
    return report


def params_text(params: dict[str, Any]) -> str:
    """The parameters as canonical JSON: the same parameters, the same text."""
    return json.dumps(params, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Stored:
    """One stored snapshot's header and body text."""

    version: str
    format: str
    computed_at: datetime
    body: str


def stored(engine: Engine, name: str, params: str) -> Stored | None:
    """Return the stored snapshot of a report and parameters, or None."""
    query = select(
        ReportSnapshot.version,
        ReportSnapshot.format,
        ReportSnapshot.computed_at,
        ReportSnapshot.body,
    ).where(ReportSnapshot.name == name, ReportSnapshot.params == params)
    try:
        with reading(engine) as session:
            row = session.execute(query).first()
    except (OperationalError, ProgrammingError) as exc:
        # A store not yet upgraded (no table): snapshots are only a shortcut, so the page
        # computes its figures live as it always did.
        log.debug("no report snapshots: %s", exc)
        return None
    return Stored(*row) if row is not None else None


def stored_versions(engine: Engine) -> dict[tuple[str, str], tuple[str, str]]:
    """Return (name, params) → (version, format) of every stored snapshot."""
    query = select(
        ReportSnapshot.name, ReportSnapshot.params, ReportSnapshot.version, ReportSnapshot.format
    )
    try:
        with reading(engine) as session:
            return {(n, p): (v, f) for n, p, v, f in session.execute(query)}
    except (OperationalError, ProgrammingError):
        return {}
