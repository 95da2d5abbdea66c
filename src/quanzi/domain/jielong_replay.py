"""Replay a 接龙 thread: successive re-posts diffed into added, edited and removed entries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from quanzi.domain.jielong import Entry, is_jielong, parse


@dataclass(frozen=True, slots=True)
class Post:
    """One message of a thread: who re-posted the list, when, and its text."""

    id: str
    ts: datetime
    person: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Change:
    """An entry that appeared, changed or disappeared between two versions."""

    name: str
    change: str  # added / edited / removed
    by: str | None
    at: datetime
    post: str
    entry: Entry

    def to_dict(self) -> dict[str, object]:
        """Return the change in the CLI's JSON shape."""
        return {"name": self.name, "change": self.change, "by": self.by,
                "at": self.at.isoformat(), "post": self.post,
                "entry": self.entry.to_dict()}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Replay:
    """The thread's final list, every change on the way, and each person's total."""

    title: str
    entries: tuple[Entry, ...]
    changes: tuple[Change, ...]
    versions: int

    def totals(self) -> list[dict[str, object]]:
        """Aggregate each person's lines of the final list (same name and unit)."""
        sums: dict[tuple[str, str | None], float] = {}
        for entry in self.entries:
            key = (entry.name, entry.unit)
            sums[key] = sums.get(key, 0.0) + entry.qty
        return [
            {"name": name, "unit": unit, "qty": int(q) if q.is_integer() else q}
            for (name, unit), q in sums.items()
        ]

    def to_dict(self) -> dict[str, object]:
        """Return the replay in the CLI's JSON shape."""
        return {
            "title": self.title,
            "versions": self.versions,
            "entries": [e.to_dict() for e in self.entries],
            "changes": [c.to_dict() for c in self.changes],
            "totals": self.totals(),
        }


def _keyed(entries: tuple[Entry, ...]) -> dict[tuple[str, int], Entry]:
    # People renumber when someone drops out, so an entry is followed by its name
    # (and which of that name's lines it is), never by its number.
    seen: Counter[str] = Counter()
    keyed: dict[tuple[str, int], Entry] = {}
    for entry in entries:
        keyed[(entry.name, seen[entry.name])] = entry
        seen[entry.name] += 1
    return keyed


def _same(a: Entry, b: Entry) -> bool:
    return (a.qty, a.unit, a.note) == (b.qty, b.unit, b.note)


def replay(posts: list[Post]) -> Replay:
    """Diff a thread's versions in time order (duplicates and non-接龙 messages skipped)."""
    versions: list[Post] = []
    texts: set[str] = set()
    for post in sorted(posts, key=lambda p: (p.ts, p.id)):
        if is_jielong(post.text) and post.text not in texts:
            texts.add(post.text)
            versions.append(post)
    previous: dict[tuple[str, int], Entry] = {}
    changes: list[Change] = []
    title = ""
    entries: tuple[Entry, ...] = ()
    for post in versions:
        parsed = parse(post.text)
        title = title or parsed.title
        entries = parsed.entries
        current = _keyed(entries)
        for key, entry in current.items():
            before = previous.get(key)
            if before is None:
                changes.append(Change(key[0], "added", post.person, post.ts, post.id, entry))
            elif not _same(before, entry):
                changes.append(Change(key[0], "edited", post.person, post.ts, post.id, entry))
        for key, entry in previous.items():
            if key not in current:
                changes.append(Change(key[0], "removed", post.person, post.ts, post.id, entry))
        previous = current
    return Replay(title, entries, tuple(changes), len(versions))
