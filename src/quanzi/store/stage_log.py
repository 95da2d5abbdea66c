"""The payload values the stage rules read, as SQL: on SQLite as text, elsewhere as SQLAlchemy.

The stage recompute reads them from the store, and the parquet export carries them so the
replay can run on a columnar copy (`metrics.stage_log`). One definition serves
both, so the two reads cannot drift apart. A message's type is a code: system (worth
nothing), reply, or other (`domain.retain_replay`); the rarer kinds carry their fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import case, func, select

from quanzi.domain.retain_replay import KINDS, MESSAGE, REPLY, SYSTEM
from quanzi.store import models as m

# What a message's id, person, community and type may fill of an int64 when a reader packs
# them into one value (Python's sqlite3 and DuckDB's results both cost per value handed over).
PACKED_BITS = 63


@dataclass(frozen=True)
class MessagePacking:
    """How a message's id, person, community (+1, so that none is 0) and type (two bits)
    share one int64; both readers of the log pack this way."""

    person_bits: int
    community_bits: int

    @classmethod
    def for_largest(cls, person: int | None, community: int | None) -> MessagePacking:
        """Return the packing for the largest person and community ids (None: none yet)."""
        return cls(int(person or 0).bit_length(), (int(community or 0) + 1).bit_length())

    @property
    def person_shift(self) -> int:
        return 2 + self.community_bits

    @property
    def id_shift(self) -> int:
        return self.person_shift + self.person_bits

    def fits(self, largest_id: int) -> bool:
        """Tell whether messages up to id `largest_id` fit."""
        return self.id_shift + int(largest_id).bit_length() <= PACKED_BITS

    def sql(self, message_type: str) -> str:
        """Return the packed value as SQL on an event row (SQLite and DuckDB alike)."""
        return (
            f"(id << {self.id_shift}) | (person_id << {self.person_shift}) "
            f"| ((coalesce(community_id, -1) + 1) << 2) | {message_type}"
        )

    def unpack(self, packed: np.ndarray) -> tuple[np.ndarray, ...]:
        """Return (ids, people, communities with -1 for none, types) of packed values."""
        return self.unpack_pieces([packed], len(packed))

    def unpack_pieces(self, pieces: Iterable[np.ndarray], size: int) -> tuple[np.ndarray, ...]:
        """Return what `unpack` does of `size` packed values given a piece at a time (as an
        arrow column's chunks come, so they need not be joined into one array first)."""
        ids, people, communities = (np.empty(size, np.int64) for _ in range(3))
        types = np.empty(size, np.int8)
        at = 0
        for packed in pieces:
            rows = slice(at, at + len(packed))
            _bits(packed, 2, self.community_bits, communities[rows])
            _bits(packed, self.person_shift, self.person_bits, people[rows])
            _bits(packed, 0, 2, types[rows])
            np.right_shift(packed, self.id_shift, out=ids[rows])
            at = rows.stop
        if at != size:
            raise ValueError(f"{at} packed values given, {size} expected")
        communities -= 1
        return ids, people, communities, types


def _bits(packed: np.ndarray, shift: int, bits: int, out: np.ndarray) -> None:
    """Put `bits` bits of each packed value from `shift` up into `out`, worked out in place
    (each fresh array of 44M values costs a tenth of a second or more in page faults)."""
    np.right_shift(packed, shift, out=out, casting="unsafe")
    np.bitwise_and(out, (1 << bits) - 1, out=out)


# The kinds whose payload the rules read, and which of them carry which field.
PAYLOAD_KINDS = ("join", "person", "purchase", "refund", "invite")
KIND_LIST = ", ".join(f"'{kind}'" for kind in KINDS)

# A message's type. A substring test first (GLOB: literal and case-sensitive, so a superset
# of the JSON test and far cheaper than parsing): only the rows it lets through are parsed.
SQLITE_MESSAGE_TYPE = (
    "CASE WHEN payload GLOB '*\"system\"*' AND json_extract(payload, '$.msg_type') = 'system' "
    f"THEN {SYSTEM} WHEN payload GLOB '*\"reply_to\"*' "
    f"AND json_extract(payload, '$.reply_to') <> '' THEN {REPLY} ELSE {MESSAGE} END"
)


def message_type() -> Any:
    """Return a message's type code as a SQLAlchemy expression (NULL for other kinds)."""
    payload = m.Event.payload
    return case(
        (m.Event.kind != "message", None),
        (payload["msg_type"].as_string() == "system", SYSTEM),
        (func.coalesce(payload["reply_to"].as_string(), "") != "", REPLY),
        else_=MESSAGE,
    )


@dataclass(frozen=True)
class Field:
    """A payload field the rules read, for the kinds that carry it."""

    name: str  # the exported column
    path: str  # the payload key
    kinds: tuple[str, ...]
    value: str = "text"  # text, number, or person (a person's key, read as their id)

    def sqlite(self) -> str:
        """Return the field as SQLite SQL on an `event` row (NULL for other kinds)."""
        kinds = ", ".join(f"'{k}'" for k in self.kinds)
        value = f"json_extract(event.payload, '$.{self.path}')"
        if self.value == "person":
            value = f"(SELECT p.id FROM person p WHERE p.key = {value})"
        else:
            value = f"CAST({value} AS {'REAL' if self.value == 'number' else 'TEXT'})"
        return f"CASE WHEN kind IN ({kinds}) THEN {value} END"

    def expression(self) -> Any:
        """Return the field as a SQLAlchemy expression on `event` (NULL for other kinds)."""
        value = m.Event.payload[self.path]
        if self.value == "person":
            found: Any = select(m.Person.id).where(m.Person.key == value.as_string())
            found = found.scalar_subquery()
        else:
            found = value.as_float() if self.value == "number" else value.as_string()
        return case((m.Event.kind.in_(self.kinds), found))


# In the order `EventLog` takes them: role, inviter, order, item, amount, source.
FIELDS = (
    Field("role", "role", ("join", "person")),
    Field("inviter_id", "inviter", ("join", "invite"), value="person"),
    Field("order_key", "order", ("purchase", "refund")),
    Field("item", "item", ("purchase",)),
    Field("amount", "amount", ("purchase",), value="number"),
    Field("source", "id", ("purchase",)),
)
