"""Admission screening (003): a join request and its history in, a verdict with reasons out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quanzi.domain import filter_rules
from quanzi.domain.filter_text import ad_words, describe, normalise, scan

VERDICTS = {"admit": "通过", "review": "人工审核", "reject": "拒绝"}
_CJK = "\u3400-\u9fff\uf900-\ufaff"
# "A" then anything but a Latin letter (CJK, digit, space, punctuation) after any more A's.
A_PREFIX = re.compile(r"^A+(?=[^A-Za-z])")
JIE = re.compile(rf"[{_CJK}]姐$")
_EDGES = re.compile(rf"^[^0-9A-Za-z{_CJK}]+|[^0-9A-Za-z{_CJK}]+$")
REDUPLICATED = re.compile(rf"([{_CJK}])\1")
ANSWER = re.compile(r"答案[:：]\s*(.*)\s*$", re.DOTALL)
PHASH = re.compile(r"^phash:([0-9a-fA-F]{16})$")


@dataclass(frozen=True, slots=True)
class JoinRequest:
    """What a carrier tells about one request to join (EVENTS.md `join_request`, plus facts)."""

    id: str
    name: str = ""
    comment: str = ""
    avatar: str | None = None
    source: str | None = None
    person: str | None = None
    inviter: str | None = None
    via: str | None = None
    ts: datetime | None = None
    level: int | None = None  # QQ level, when the carrier gives it
    registered: datetime | None = None  # when the account was made, when known


@dataclass(frozen=True, slots=True)
class History:
    """What was known about the person and their arrival before this request."""

    kicked_before: bool = False
    left_before: bool = False
    rejected_before: bool = False
    inviter_status: str | None = None  # "kicked" or "rejected" when the inviter was
    avatar_accounts: int = 0  # other accounts using the same avatar within the ring window
    inviter_requests: int = 0  # requests through the same inviter in the burst window, this one too
    code_requests: int = 0  # requests with the same invite code in the burst window, this one too


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule fired: its id, what it matched, and the action it asks for."""

    rule: str
    detail: str
    action: str

    def to_dict(self) -> dict[str, str]:
        """Return the `{"rule","detail"}` shape of the CLI and API."""
        return {"rule": self.rule, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision on one request: admit, review or reject, with every reason."""

    verdict: str
    reasons: tuple[Reason, ...]

    def to_dict(self, request_id: str) -> dict[str, Any]:
        """Return the `quanzi screen --json` line for this request."""
        return {
            "id": request_id,
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def phash_value(avatar: str | None) -> int | None:
    """Return a `phash:<16 hex>` avatar as a 64-bit integer, else None."""
    found = PHASH.match(avatar or "")
    return int(found.group(1), 16) if found else None


def answer_of(comment: str) -> str:
    """Return the answer part of QQ's `问题：…\\n答案：…` comment (or the whole comment)."""
    found = ANSWER.search(comment)
    return found.group(1).strip() if found else comment.strip()


class Screener:
    """A compiled rule set (defaults with overrides) that screens requests."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config or filter_rules.DEFAULTS
        self.rules: dict[str, dict[str, Any]] = self.config["rules"]
        self.review_at_flags: int = self.config["review_at_flags"]
        self.whitelist = frozenset(self.config["whitelist"])
        self.blacklist = frozenset(self.config["blacklist"])
        self.blocklist = [int(h[6:], 16) for h in self.config["avatar_blocklist"]]
        self.name_words = tuple(self.rules["name.ad_words"]["words"])
        self.comment_words = tuple(self.rules["comment.ad_words"]["words"])
        answer = self.rules["answer.check"]
        self.answer_pattern = re.compile(answer["pattern"]) if answer["pattern"] else None

    def action(self, rule: str) -> str:
        """Return the configured action of a rule ("off" when turned off)."""
        return str(self.rules[rule]["action"])

    def param(self, rule: str, name: str) -> Any:
        """Return one parameter of a rule."""
        return self.rules[rule][name]

    def add_blocked(self, hashes: list[str]) -> None:
        """Add stored blocklist hashes (from `quanzi screen avatars add`) to this rule set."""
        self.blocklist.extend(v for v in map(phash_value, hashes) if v is not None)

    def screen(self, request: JoinRequest, history: History | None = None) -> Verdict:
        """Decide one request: whitelist → blacklist → rules; a human may still overturn it."""
        for key in (request.person, request.name):
            if key and key in self.whitelist:
                return Verdict("admit", (Reason("whitelist", f"白名单：{key}", "admit"),))
        for key in (request.person, request.name):
            if key and key in self.blacklist:
                return Verdict("reject", (Reason("blacklist", f"黑名单：{key}", "reject"),))
        reasons = [r for r in self._hits(request, history or History()) if r.action != "off"]
        actions = {r.action for r in reasons}
        flags = sum(r.action == "flag" for r in reasons)
        if "reject" in actions:
            verdict = "reject"
        elif "review" in actions or flags >= self.review_at_flags:
            verdict = "review"
        else:
            verdict = "admit"
        return Verdict(verdict, tuple(reasons))

    def _hit(self, rule: str, detail: str) -> Reason:
        return Reason(rule, detail, self.action(rule))

    def _hits(self, request: JoinRequest, history: History) -> list[Reason]:
        found = self._name_hits(normalise(request.name or "").strip())
        found.extend(self._avatar_hits(request, history))
        found.extend(self._comment_hits(request.comment or ""))
        found.extend(self._history_hits(history))
        found.extend(self._account_hits(request))
        return found

    def _name_hits(self, name: str) -> list[Reason]:
        found = []
        if A_PREFIX.match(name):
            found.append(self._hit("name.a_prefix", f"昵称以 A 开头排序：{name}"))
        core = _EDGES.sub("", name)
        if JIE.search(core) and not any(
            core.endswith(e) for e in self.param("name.jie", "exceptions")
        ):
            found.append(self._hit("name.jie", f"“XX姐”式昵称：{name}"))
        if REDUPLICATED.fullmatch(core):
            found.append(self._hit("name.reduplicated", f"叠字昵称：{name}"))
        words = ad_words(name, self.name_words, folded=True)
        if words:
            found.append(self._hit("name.ad_words", f"昵称含{describe(words)}"))
        return found

    def _avatar_hits(self, request: JoinRequest, history: History) -> list[Reason]:
        found = []
        value = phash_value(request.avatar)
        if value is not None and self.blocklist:
            limit = self.param("avatar.blocklist", "max_distance")
            distance = min((value ^ b).bit_count() for b in self.blocklist)
            if distance <= limit:
                detail = f"头像与黑名单头像相近（汉明距离 {distance}）：{request.avatar}"
                found.append(self._hit("avatar.blocklist", detail))
        accounts = self.param("avatar.ring", "accounts")
        if request.avatar and history.avatar_accounts >= accounts:
            days = self.param("avatar.ring", "days")
            detail = f"同一头像近 {days} 天已被 {history.avatar_accounts} 个其他账号使用"
            found.append(self._hit("avatar.ring", detail))
        return found

    def _comment_hits(self, comment: str) -> list[Reason]:
        found = []
        handoffs, urls, words = scan(comment, (), self.comment_words)
        handoffs += urls
        if handoffs:
            found.append(self._hit("comment.contact", f"申请理由留了{describe(handoffs)}"))
        if words:
            found.append(self._hit("comment.ad_words", f"申请理由含{describe(words)}"))
        keywords = self.param("answer.check", "keywords")
        if keywords or self.answer_pattern is not None:
            answer = answer_of(comment)
            ok = any(k in answer for k in keywords) or bool(
                self.answer_pattern and self.answer_pattern.search(answer)
            )
            if not ok:
                found.append(
                    self._hit("answer.check", f"入群问题答案不符合要求：{answer or '（空）'}")
                )
        return found

    def _history_hits(self, history: History) -> list[Reason]:
        found = []
        if history.kicked_before:
            found.append(self._hit("history.kicked", "此前被移出过社群"))
        if history.left_before:
            found.append(self._hit("history.left", "此前退出过本群"))
        if history.rejected_before:
            found.append(self._hit("history.rejected", "此前的入群申请被拒绝过"))
        if history.inviter_status:
            status = "被移出过社群" if history.inviter_status == "kicked" else "的申请被拒绝过"
            found.append(self._hit("history.inviter", f"邀请人{status}"))
        for rule, count in (
            ("burst.inviter", history.inviter_requests),
            ("burst.code", history.code_requests),
        ):
            if count >= self.param(rule, "requests"):
                who = "同一邀请人" if rule == "burst.inviter" else "同一邀请码"
                minutes = self.param(rule, "minutes")
                found.append(self._hit(rule, f"{who} {minutes} 分钟内带来 {count} 个申请"))
        return found

    def _account_hits(self, request: JoinRequest) -> list[Reason]:
        found = []
        min_level = self.param("account.level", "min_level")
        if request.level is not None and request.level < min_level:
            found.append(self._hit("account.level", f"QQ 等级 {request.level}，低于 {min_level}"))
        if request.registered is not None and request.ts is not None:
            days = (request.ts - request.registered).days
            if days < self.param("account.age", "min_days"):
                found.append(self._hit("account.age", f"账号注册仅 {max(days, 0)} 天"))
        return found
