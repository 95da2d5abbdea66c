"""WeChat 接龙 (group note) threads as people really post them."""

from __future__ import annotations

from random import Random

CN_NUMBERS = ("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十")


def quantity(rng: Random) -> int:
    """Draw how many units one household orders: mostly one or two."""
    x = rng.random()
    if x < 0.6:
        return 1
    if x < 0.88:
        return 2
    if x < 0.96:
        return 3
    return rng.choice((4, 5, 6))


def phrase(rng: Random, qty: int, unit: str) -> str:
    """Write a quantity the way people type it in a 接龙: 2箱, 两箱, x2, +1, or nothing."""
    style = rng.random()
    if qty == 1 and style < 0.25:
        return rng.choice(("", "+1", "1"))  # no quantity means one
    if style < 0.45:
        return f"{qty}{unit}"
    if style < 0.65:
        return f"{CN_NUMBERS[qty]}{unit}"
    if style < 0.8:
        return rng.choice(("x", "X", "*", "×")) + str(qty)
    if style < 0.9:
        return f"{qty}份"
    return f"要{CN_NUMBERS[qty]}{unit}"


class Thread:
    """One 接龙: a header and numbered lines; each post repeats the whole list."""

    def __init__(self, title: str, example: str | None) -> None:
        self.title = title
        self.example = example
        self.lines: list[str] = []

    def append(self, name: str, qty_text: str, note: str) -> str:
        """Add the next numbered line and return the full text that person posts."""
        entry = " ".join(part for part in (name, qty_text, note) if part)
        self.lines.append(f"{len(self.lines) + 1}. {entry}")
        return self.render()

    def render(self) -> str:
        """Return the thread as WeChat shows it: #接龙, title, example, numbered lines."""
        parts = ["#接龙", self.title]
        if self.example:
            parts += ["", self.example]
        if self.lines:
            parts.append("")
            parts += self.lines
        return "\n".join(parts)
