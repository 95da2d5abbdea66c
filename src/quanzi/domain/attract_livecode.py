"""群活码: which group a campaign's stable join link points at now, and when to warn."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

LOW_SHARE = 0.2  # warn when under a fifth of the places are left…
LOW_PLACES = 20  # …or fewer than this many
EXPIRY_NOTICE = timedelta(hours=24)


@dataclass(frozen=True)
class Slot:
    """One group behind the link, with its members counted from the store."""

    community: str
    name: str
    link: str
    capacity: int
    members: int
    expires: datetime
    position: int = 0
    retired: bool = False
    group: int | None = None  # the stored row's id, for retiring it

    def state(self, now: datetime) -> str:
        """retired / expired / full / open."""
        if self.retired:
            return "retired"
        if self.expires <= now:
            return "expired"
        return "full" if self.members >= self.capacity else "open"

    @property
    def room(self) -> int:
        """Places left before the group stops admitting by QR."""
        return max(self.capacity - self.members, 0)


@dataclass(frozen=True)
class Notice:
    """A warning for the operator: a stable code and a Chinese message."""

    code: str
    message: str


@dataclass(frozen=True)
class LiveCode:
    """The current group (None when none is left), room left overall, and warnings."""

    current: Slot | None
    room: int
    total: int
    slots: list[Slot]
    warnings: list[Notice] = field(default_factory=list)


def pick(groups: Iterable[Slot], now: datetime) -> LiveCode:
    """Point at the first group by position with room and a live QR; warn before none is left."""
    slots = sorted(groups, key=lambda s: (s.position, s.community))
    live = [s for s in slots if s.state(now) in ("open", "full")]
    usable = [s for s in live if s.state(now) == "open"]
    current = usable[0] if usable else None
    room = sum(s.room for s in usable)
    total = sum(s.capacity for s in live)
    warnings = [
        Notice("qr_expired", f"群「{s.name}」的二维码已过期，已跳过；请更新二维码或停用此群")
        for s in slots
        if s.state(now) == "expired"
    ]
    if current is None:
        message = "没有可用的活动群：全部已满、二维码过期或已停用，请立即新建群并添加"
        warnings.append(Notice("none_left", message))
        return LiveCode(None, 0, total, slots, warnings)
    if room < LOW_PLACES or room < LOW_SHARE * total:
        warnings.append(
            Notice("low_room", f"活动群只剩 {room} 个空位（共 {total} 个），请提前建好下一个群")
        )
    left = current.expires - now
    if left <= EXPIRY_NOTICE:
        hours = max(int(left.total_seconds() // 3600), 0)
        message = f"当前群「{current.name}」的二维码 {hours} 小时内过期，请及时更新"
        warnings.append(Notice("qr_expiring", message))
    return LiveCode(current, room, total, slots, warnings)
