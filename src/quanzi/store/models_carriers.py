"""Tables of the carriers area: alerts to operators where a carrier cannot be acted on by API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quanzi.store.models import Base, BigId


class CarrierAlert(Base):
    """An engine decision an operator carries out by hand (WeChat): recall, mute, kick, review."""

    __tablename__ = "carrier_alert"
    # One alert per event and kind, so a re-delivered webhook adds nothing.
    __table_args__ = (UniqueConstraint("event_id", "kind", name="uq_carrier_alert_event_kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    event_id: Mapped[str] = mapped_column(String(300))  # the event's source id (EVENTS.md `id`)
    kind: Mapped[str] = mapped_column(String(20))  # moderation / screening
    action: Mapped[str] = mapped_column(String(20))  # warn / recall / mute / kick / review
    reason: Mapped[str] = mapped_column(Text)  # in Chinese, for the operator
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
