"""Text checks shared by screening and moderation: contact hand-offs, links, ad words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Words that sell rather than talk; matched after separators are stripped ("代.理", "招 商").
AD_WORDS = (
    "代理", "加盟", "招商", "兼职", "刷单", "一件代发", "日结", "副业", "贷款", "代购", "微商",
    "躺赚", "日入", "引流", "返利", "套现", "网赚", "刷信誉", "放款", "瘦身", "减肥",
)  # fmt: skip

# A WeChat/QQ hand-off: a contact word, then an id. The word alone ("加我微信", "打电话")
# is ordinary talk; only an id after it makes a hand-off.
_CONTACT_WORD = (
    r"(?:微信号?|威信|薇信|徽信|维信|卫星号|[vV]信|[vV][xX]|[wW][xX]|加[vV薇]|[+＋][vV]|薇|"
    r"(?<![A-Za-z])[vV](?=\s*[:：])|[qQ]{2}号?|扣扣|企鹅号?"
    # A bare V glued to an id after Chinese text or punctuation: "日结，Vjz_rijie168".
    r"|(?<=[\u3400-\u9fff，,。！!、])[vV](?=[A-Za-z0-9_\-]*\d{3}))"
)
_CONTACT_ID = r"([A-Za-z][A-Za-z0-9_\-]{5,19}|\d{5,12})"
CONTACT = re.compile(_CONTACT_WORD + r"[\s:：=＝~\-]{0,3}" + _CONTACT_ID)
# A mobile number, digits optionally split by single spaces or dashes (138 0013 8000).
PHONE = re.compile(r"(?<![\d\-])1[3-9](?:[ \-]?\d){9}(?![\d\-])")
LINK = re.compile(
    r"(?:https?://|www\.)[^\s，。！？、）)】]+"
    r"|\b[a-z0-9][a-z0-9\-]{0,62}\.(?:com|cn|net|top|xyz|vip|shop|cc|me|link|club)\b(?:/\S*)?",
    re.IGNORECASE,
)
# Everything that is not a letter, digit or CJK character: what spammers slip between
# the characters of a word.
_SEPARATORS = re.compile(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing a check found: its kind and the text it matched."""

    kind: str  # wechat / phone / link / word
    text: str


def normalise(text: str) -> str:
    """Fold full-width forms (ｖｘ, １３８) into plain ones, so one pattern covers both."""
    return unicodedata.normalize("NFKC", text)


def strip_separators(text: str) -> str:
    """Drop punctuation, spaces and emoji between characters ("代.理" → "代理"), lower-cased."""
    return _SEPARATORS.sub("", text).lower()


# Cheap scans that rule most messages out before the slower patterns run.
_CONTACT_HINT = re.compile(r"[微威薇徽维卫vVwWqQ扣企+＋]|1[3-9]")
_LINK_HINT = re.compile(r"[.。]|://")


def _contacts(folded: str) -> list[Hit]:
    if not _CONTACT_HINT.search(folded):
        return []
    found = [Hit("wechat", m.group(0)) for m in CONTACT.finditer(folded)]
    found.extend(Hit("phone", re.sub(r"\D", "", m.group(0))) for m in PHONE.finditer(folded))
    return found


def _links(folded: str, allow: tuple[str, ...]) -> list[Hit]:
    if not _LINK_HINT.search(folded):
        return []
    hits = []
    for match in LINK.finditer(folded):
        url = match.group(0)
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).split("/")[0]
        if not any(host == d or host.endswith("." + d) for d in allow):
            hits.append(Hit("link", url))
    return hits


def _ad_words(folded: str, words: tuple[str, ...]) -> list[Hit]:
    pattern = word_pattern(words)
    if pattern is None or not folded:
        return []
    seen: dict[str, None] = {}
    for match in pattern.finditer(strip_separators(folded)):
        seen.setdefault(match.group(0), None)
    return [Hit("word", w) for w in seen]


def contacts(text: str) -> list[Hit]:
    """Find WeChat/QQ ids after a contact word, and mobile numbers (spaces or dashes allowed)."""
    return _contacts(normalise(text))


def links(text: str, allowed: Iterable[str] = ()) -> list[Hit]:
    """Find links, except those on an allowed domain (the brand's own shop, say)."""
    return _links(normalise(text), tuple(d.lower() for d in allowed))


@lru_cache(maxsize=64)
def word_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile one alternation of the (separator-stripped) words, longest first."""
    cleaned = sorted({strip_separators(normalise(w)) for w in words} - {""}, key=len, reverse=True)
    if not cleaned:
        return None
    return re.compile("|".join(re.escape(w) for w in cleaned))


def ad_words(text: str, words: tuple[str, ...] = AD_WORDS, *, folded: bool = False) -> list[Hit]:
    """Find listed words in the text once separators between their characters are gone.

    `folded` says the text is already normalised (skips a second NFKC pass).
    """
    return _ad_words(text if folded else normalise(text), words)


def scan(
    text: str, allow: tuple[str, ...], words: tuple[str, ...]
) -> tuple[list[Hit], list[Hit], list[Hit]]:
    """Return (contacts, links, ad words) of one text, normalising it once."""
    folded = normalise(text)
    return _contacts(folded), _links(folded, allow), _ad_words(folded, words)


def describe(hits: list[Hit]) -> str:
    """Say in Chinese what was found, e.g. `微信号 vx:abc123；手机号 13800138000`."""
    labels = {"wechat": "微信/QQ 号", "phone": "手机号", "link": "链接", "word": "广告词"}
    parts: dict[str, list[str]] = {}
    for hit in hits:
        parts.setdefault(labels[hit.kind], []).append(hit.text)
    return "；".join(f"{label} {'、'.join(texts)}" for label, texts in parts.items())
