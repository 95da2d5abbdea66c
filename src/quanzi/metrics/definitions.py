"""The metric registry: each metric defined once as an ibis expression over the store's tables."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

import ibis
import ibis.expr.types as ir

from quanzi.domain.vocab import KINDS
from quanzi.metrics.calendar import Calendar, span_of

# The tables the definitions read; the parquet export writes exactly these (plus person).
TABLES = ("event", "orders", "invite", "community")


@dataclass(frozen=True)
class Tables:
    """The store's tables as ibis expressions on one engine."""

    event: ir.Table
    orders: ir.Table
    invite: ir.Table
    community: ir.Table

    def window(self, start: datetime, end: datetime) -> Tables:
        """Keep only rows with `start <= ts < end`, so a day-slice reads few rows."""
        return replace(
            self,
            event=self.event.filter(self.event.ts >= start, self.event.ts < end),
            orders=self.orders.filter(self.orders.ts >= start, self.orders.ts < end),
            invite=self.invite.filter(self.invite.ts >= start, self.invite.ts < end),
        )

    def calendar(self, tz: str) -> Calendar:
        """Return the local days of `tz` over the span of these tables' timestamps."""
        return Calendar(tz, *span_of((self.event, "ts"), (self.orders, "ts"), (self.invite, "ts")))


Build = Callable[[Tables, Calendar], ir.Table]


@dataclass(frozen=True)
class Metric:
    """One metric: a name, a Chinese label and the expression giving (key, day, value)."""

    name: str
    label: str
    description: str
    build: Build
    key: str = "community"  # what `key` holds: a community key, a campaign, or an event kind
    # Event kinds whose arrival can change the metric (for the incremental fill).
    kinds: frozenset[str] = field(default_factory=frozenset)
    # A running total: a late event changes every later day, not only its own.
    cumulative: bool = False
    digits: int = 0
    meaning: str = ""  # the definition in Chinese, for operators
    # Counted on the day the order was placed: a refund changes that day, not its own.
    by_order_day: bool = False


def _keyed(rows: ir.Table, t: Tables) -> ir.Table:
    """Swap `community_id` for the community's key: ids differ between stores, keys do not."""
    names = t.community.select(community_id=t.community.id, key=t.community.key)
    return rows.join(names, "community_id").select("key", "day", "value")


def _by_community(table: ir.Table, t: Tables, value: ir.Scalar) -> ir.Table:
    """Aggregate rows that carry `community_id` and `day` into (key, day, value)."""
    return _keyed(table.group_by("community_id", "day").aggregate(value=value), t)


def _events(t: Tables, cal: Calendar, *kinds: str) -> ir.Table:
    event = t.event.filter(t.event.kind.isin(kinds), t.event.community_id.notnull())
    return event.mutate(day=cal.day(event.ts))


def _said(t: Tables, cal: Calendar) -> ir.Table:
    # Messages from a person; carrier system notices (no person) are not anyone talking.
    said = _events(t, cal, "message")
    return said.filter(said.person_id.notnull())


def active_people(t: Tables, cal: Calendar) -> ir.Table:
    """Distinct people who sent a message in the community that day."""
    said = _said(t, cal)
    return _by_community(said, t, said.person_id.nunique())


def messages(t: Tables, cal: Calendar) -> ir.Table:
    """Messages sent by people in the community that day."""
    said = _said(t, cal)
    return _by_community(said, t, said.count())


def joins(t: Tables, cal: Calendar) -> ir.Table:
    """Join events in the community that day."""
    joined = _events(t, cal, "join")
    return _by_community(joined, t, joined.count())


def leaves(t: Tables, cal: Calendar) -> ir.Table:
    """Leave events (left or kicked) in the community that day."""
    left = _events(t, cal, "leave")
    return _by_community(left, t, left.count())


def members(t: Tables, cal: Calendar) -> ir.Table:
    """Members at the end of the day: the running total of joins minus leaves."""
    moves = _events(t, cal, "join", "leave")
    moves = moves.mutate(step=ibis.ifelse(moves.kind == "join", 1, -1))
    net = moves.group_by("community_id", "day").aggregate(net=moves.step.sum())
    running = ibis.cumulative_window(group_by=net.community_id, order_by=net.day)
    return _keyed(net.mutate(value=net.net.sum().over(running)), t)


def _paid(t: Tables, cal: Calendar) -> ir.Table:
    # Refunded orders are left out: GMV counts money kept, on the day the order was placed.
    paid = t.orders.filter(t.orders.status == "paid")
    return paid.mutate(day=cal.day(paid.ts))


def orders(t: Tables, cal: Calendar) -> ir.Table:
    """Paid (not refunded) orders placed in the community that day."""
    paid = _paid(t, cal)
    return _by_community(paid, t, paid.count())


def gmv(t: Tables, cal: Calendar) -> ir.Table:
    """Yuan of paid (not refunded) orders placed in the community that day."""
    paid = _paid(t, cal)
    return _by_community(paid, t, paid.amount.sum())


def payers(t: Tables, cal: Calendar) -> ir.Table:
    """Distinct people with a paid (not refunded) order in the community that day."""
    paid = _paid(t, cal)
    paid = paid.filter(paid.person_id.notnull())
    return _by_community(paid, t, paid.person_id.nunique())


def _invites(t: Tables, cal: Calendar) -> ir.Table:
    # Invites outside any campaign are grouped under the empty key.
    return t.invite.mutate(day=cal.day(t.invite.ts), key=t.invite.campaign.fill_null(""))


def invites(t: Tables, cal: Calendar) -> ir.Table:
    """Invites (shares and referrals) sent in the campaign that day."""
    sent = _invites(t, cal)
    return sent.group_by("key", "day").aggregate(value=sent.count())


def inviters(t: Tables, cal: Calendar) -> ir.Table:
    """Distinct people who sent an invite in the campaign that day."""
    sent = _invites(t, cal)
    return sent.group_by("key", "day").aggregate(value=sent.inviter_id.nunique())


def events(t: Tables, cal: Calendar) -> ir.Table:
    """Events of each kind that day, in every community or none (the overview's event mix)."""
    logged = t.event.mutate(day=cal.day(t.event.ts), key=t.event.kind)
    return logged.group_by("key", "day").aggregate(value=logged.count())


def _metric(
    build: Build,
    label: str,
    meaning: str,
    kinds: str,
    *,
    key: str = "community",
    cumulative: bool = False,
    digits: int = 0,
    by_order_day: bool = False,
) -> Metric:
    doc = (build.__doc__ or "").strip()
    return Metric(
        build.__name__,
        label,
        doc,
        build,
        key,
        frozenset(kinds.split()),
        cumulative,
        digits,
        meaning,
        by_order_day,
    )


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        _metric(active_people, "发言人数", "当天在群里发过消息的不同的人", "message"),
        _metric(messages, "消息数", "当天由人发出的消息条数", "message"),
        _metric(joins, "入群", "当天的入群事件数", "join"),
        _metric(leaves, "退群", "当天的退群事件数（含被移出）", "leave"),
        _metric(members, "日终成员", "截至当天结束的累计入群减退群", "join leave", cumulative=True),
        _metric(orders, "订单数", "当天下单且未退款的订单数", "purchase refund", by_order_day=True),
        _metric(
            gmv,
            "GMV（元）",
            "当天下单且未退款的订单金额",
            "purchase refund",
            digits=2,
            by_order_day=True,
        ),
        _metric(
            payers, "付费人数", "当天有未退款订单的不同的人", "purchase refund", by_order_day=True
        ),
        _metric(invites, "邀请数", "当天按活动发出的邀请数", "invite", key="campaign"),
        _metric(inviters, "邀请人数", "当天按活动发出邀请的不同的人", "invite", key="campaign"),
        _metric(events, "事件数", "当天各类事件的条数（按事件类型）", " ".join(KINDS), key="kind"),
    )
}


def _calendar(tables: Tables, calendar: Calendar | str) -> Calendar:
    # A bare zone name costs one span query; callers running many slices pass a Calendar.
    return tables.calendar(calendar) if isinstance(calendar, str) else calendar


def expression(
    metric: Metric,
    tables: Tables,
    calendar: Calendar | str,
    days: Collection[int] | None = None,
) -> ir.Table:
    """Return the metric's rows (metric, key, day, value), optionally only on `days`."""
    rows = metric.build(tables, _calendar(tables, calendar))
    if days is not None:
        rows = rows.filter(rows.day.isin(sorted(days)))
    return rows.select(
        metric=ibis.literal(metric.name),
        key=rows.key.cast("string"),
        day=rows.day.cast("int64"),
        value=rows.value.cast("float64"),
    )


def combined(
    metrics: Collection[Metric],
    tables: Tables,
    calendar: Calendar | str,
    days: Collection[int] | None = None,
) -> ir.Table:
    """Return the metrics' rows as one expression, so an engine runs them as one job."""
    cal = _calendar(tables, calendar)
    parts = [expression(metric, tables, cal, days) for metric in metrics]
    return ibis.union(*parts) if len(parts) > 1 else parts[0]
