"""Group-buy rules: read a drop from a 接龙 title, enforce stock, price the lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from quanzi.domain.jielong import UNIT, normalise

PRICE = re.compile(rf"[¥￥]\s*(?P<price>\d+(?:\.\d+)?)\s*(?:元)?\s*(?:/\s*(?P<unit>{UNIT}))?")
PRICE_YUAN = re.compile(rf"(?P<price>\d+(?:\.\d+)?)\s*元\s*/\s*(?P<unit>{UNIT})")
DEADLINE = re.compile(
    r"(?P<day>今晚|今天|明天|明晚)?\s*(?P<hour>\d{1,2})[:：点](?P<minute>\d{2})?\s*截单"
)
GROUP_TAG = re.compile(r"^【[^】]*】\s*")


@dataclass(frozen=True, slots=True)
class DropTerms:
    """What a leader's 接龙 title says about the drop."""

    product: str
    price: float | None
    unit: str | None
    deadline: datetime | None


def read_title(title: str, posted_at: datetime, timezone: str) -> DropTerms:
    """Read product, price per unit and cut-off time from a title like the leaders write."""
    text = normalise(title)
    price, unit = None, None
    found = PRICE.search(text) or PRICE_YUAN.search(text)
    if found:
        price, unit = float(found.group("price")), found.group("unit")
    deadline = None
    cut = DEADLINE.search(text)
    if cut:
        local = posted_at.astimezone(ZoneInfo(timezone))
        day: date = local.date()
        if cut.group("day") in ("明天", "明晚"):
            day += timedelta(days=1)
        at = time(int(cut.group("hour")) % 24, int(cut.group("minute") or 0))
        deadline = datetime.combine(day, at, tzinfo=ZoneInfo(timezone))
        if deadline < local:
            deadline += timedelta(days=1)
    product = GROUP_TAG.sub("", title).split()[0] if title.strip() else ""
    return DropTerms(product, price, unit, deadline)


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A pickup line with its amount and whether it fits within the stock."""

    key: tuple[str, int]
    qty: float
    amount: float
    over_stock: bool


def price_lines(
    lines: list[tuple[tuple[str, int], float, str | None]],
    *,
    price: float,
    unit: str | None,
    stock: float | None,
) -> list[PricedLine]:
    """Price lines in list order; once the stock is used up, later lines are over stock."""
    used = 0.0
    priced = []
    for key, qty, line_unit in lines:
        # Lines in another unit (斤 when the drop sells 箱) still cost qty × price; the
        # leader sees the unit on the list and settles it by hand.
        same_unit = line_unit is None or unit is None or line_unit == unit
        over = stock is not None and same_unit and used + qty > stock + 1e-9
        if not over and same_unit:
            used += qty
        priced.append(PricedLine(key, qty, round(qty * price, 2), over))
    return priced
