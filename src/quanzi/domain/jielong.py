"""The 接龙 parser: WeChat's `#接龙` group notes and the variants people type."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

HEADERS = ("#接龙", "#group note", "接龙")
# WeChat shows a quoted message above this rule; the text is a reply, not a new version.
QUOTE_RULE = re.compile(r"(?:-\s){6,}-|—{4,}")
UNITS = (
    "公斤", "千克", "箱", "斤", "份", "个", "盒", "袋", "件", "包", "瓶", "罐", "只", "条", "块",
    "提", "串", "板", "桶", "张", "杯", "根", "把", "支", "对", "套", "双",
    "kg", "g", "boxes", "box", "pcs", "pc",
)  # fmt: skip
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}  # fmt: skip
CN_NUMBER = r"[零一二两三四五六七八九十百]+半?|半"
NUMBER = r"\d+(?:\.\d+)?"
UNIT = "|".join(re.escape(u) for u in UNITS)
# Quantity forms, most specific first: x2 / *3 / ×2箱, +1, 2箱 / 两箱 / 2.5斤 / 一个半.
QUANTITY = re.compile(
    rf"(?:(?<![A-Za-z])[xX×*](?P<times>{NUMBER})\s*(?P<times_unit>{UNIT})?(?![A-Za-z]))"
    rf"|(?:\+(?P<plus>\d+)(?!\d))"
    rf"|(?:(?P<amount>{NUMBER}|{CN_NUMBER})\s*(?P<unit>{UNIT})(?P<half>半)?(?![A-Za-z]))",
    re.IGNORECASE,
)
SEQ = re.compile(r"^\s*(?P<seq>\d{1,4})\s*(?:[.、,:)]\s*|\s+)(?P<body>.*)$")
EXAMPLE = re.compile(r"^\s*(?:例如?|示例|格式|eg|e\.g\.)\s*[:：.、]?\s*(?P<text>.*)$", re.I)
BARE_COUNT = re.compile(r"^\d{1,2}$")
LATIN_WORD = re.compile(r"^[A-Za-z][A-Za-z'.-]*$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One numbered line of a 接龙: who, how many of what, and the note."""

    seq: int
    name: str
    qty: float
    unit: str | None
    note: str
    raw: str

    def to_dict(self) -> dict[str, object]:
        """Return the entry in the CLI's JSON shape."""
        qty: float | int = int(self.qty) if self.qty.is_integer() else self.qty
        return {"seq": self.seq, "name": self.name, "qty": qty, "unit": self.unit,
                "note": self.note, "raw": self.raw}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Jielong:
    """A parsed 接龙: its title, description, example line and entries."""

    title: str
    description: str = ""
    example: str | None = None
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, object]:
        """Return the parse in the CLI's JSON shape."""
        return {
            "title": self.title,
            "description": self.description,
            "example": self.example,
            "entries": [e.to_dict() for e in self.entries],
        }


def normalise(text: str) -> str:
    """Fold full-width digits, letters and punctuation to their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def chinese_number(text: str) -> float:
    """Read a Chinese numeral up to the hundreds (两, 十, 十二, 二十五, 一百, 两个半 → 半)."""
    half = 0.5 if text.endswith("半") else 0.0
    text = text.removesuffix("半")
    if not text:
        return half
    total, current = 0, 0
    for char in text:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current + half


def is_jielong(text: str) -> bool:
    """Tell whether a message is a 接龙 (and not a quote of one)."""
    first = normalise(text).lstrip().split("\n", 1)[0].strip().lower()
    return first.startswith(HEADERS) and not QUOTE_RULE.search(text)


def _quantity(match: re.Match[str]) -> tuple[float, str | None]:
    if match.group("times"):
        return float(match.group("times")), match.group("times_unit")
    if match.group("plus"):
        return float(match.group("plus")), None
    amount = match.group("amount")
    qty = float(amount) if amount[0].isdigit() else chinese_number(amount)
    if match.group("half"):
        qty += 0.5
    return qty, match.group("unit")


def parse_entry(seq: int, body: str, raw: str) -> Entry:
    """Split an entry's text after its number into name, quantity, unit and note."""
    tokens = body.split()
    if not tokens:
        return Entry(seq, "", 1.0, None, "", raw)
    name = tokens.pop(0)
    # A quantity glued to the name: 张三2箱, 李四+1, 王五x2.
    glued = QUANTITY.search(name)
    rest = ""
    if glued and glued.start() > 0:
        name, rest = name[: glued.start()], name[glued.start() :]
    # An English name of two words: "Amy Chen 2箱".
    if (
        LATIN_WORD.match(name)
        and tokens
        and LATIN_WORD.match(tokens[0])
        and not QUANTITY.fullmatch(tokens[0])
    ):
        name = f"{name} {tokens.pop(0)}"
    remainder = " ".join(([rest] if rest else []) + tokens)
    qty, unit = 1.0, None
    match = QUANTITY.search(remainder)
    if match:
        qty, unit = _quantity(match)
        before = remainder[: match.start()].rstrip()
        # "要两箱": the verb belongs to the quantity, not to the note.
        before = before.removesuffix("要")
        remainder = before + " " + remainder[match.end() :]
    elif tokens and BARE_COUNT.match(tokens[0]) and not rest:
        qty = float(tokens[0])
        remainder = " ".join(tokens[1:])
    note = " ".join(remainder.split())
    return Entry(seq, name, qty, unit.lower() if unit and unit.isascii() else unit, note, raw)


def parse(text: str) -> Jielong:
    """Parse one message's 接龙 text; lines before the first entry are title and description."""
    text = QUOTE_RULE.split(text, maxsplit=1)[0]
    lines = text.splitlines()
    while lines and not lines[0].strip():
        lines.pop(0)
    header_rest = ""
    if lines:
        first = normalise(lines[0]).strip()
        for header in HEADERS:
            if first.lower().startswith(header):
                # NFKC keeps these headers' length, so the raw rest of the line is kept as typed.
                header_rest = lines.pop(0).strip()[len(header) :].strip()
                break
    head: list[str] = [header_rest] if header_rest else []
    example: str | None = None
    entries: list[Entry] = []
    for raw in lines:
        line = normalise(raw).strip()
        if not line:
            continue
        seq_match = SEQ.match(line)
        starts = seq_match is not None and (entries or int(seq_match.group("seq")) == 1)
        if seq_match and starts and seq_match.group("body").strip():
            body = seq_match.group("body").strip()
            entries.append(parse_entry(int(seq_match.group("seq")), body, raw.strip()))
        elif not entries and (found := EXAMPLE.match(line)) and example is None:
            example = found.group("text").strip()
        elif not entries:
            head.append(raw.strip())
    title = head[0] if head else ""
    return Jielong(title, "\n".join(head[1:]), example, tuple(entries))


def render(jielong: Jielong) -> str:
    """Write a 接龙 back as WeChat shows it (the inverse of `parse`)."""
    parts = ["#接龙", jielong.title]
    if jielong.description:
        parts.append(jielong.description)
    if jielong.example is not None:
        parts += ["", f"例 {jielong.example}"]
    if jielong.entries:
        parts.append("")
    for number, entry in enumerate(jielong.entries, start=1):
        qty = int(entry.qty) if entry.qty.is_integer() else entry.qty
        amount = f"{qty}{entry.unit}" if entry.unit else (f"x{qty}" if entry.qty != 1 else "")
        parts.append(" ".join(p for p in (f"{number}.", entry.name, amount, entry.note) if p))
    return "\n".join(parts)
