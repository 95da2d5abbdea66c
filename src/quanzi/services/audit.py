"""The audit trail: every service that changes something records who did what."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from quanzi.store import models as m
from quanzi.store.models import utcnow


def audit(session: Session, actor: str, action: str, target: str, **detail: Any) -> None:
    """Add an audit row to the caller's transaction (actor and target cut to their columns)."""
    session.add(
        m.AuditLog(
            ts=utcnow(), actor=actor[:100], action=action, target=target[:300], detail=detail
        )
    )
