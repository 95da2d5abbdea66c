"""Rules of a stored fission campaign: reward stages, window, invite codes and poster links."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

DEFAULT_STAGES = (3, 5, 10)  # friends per stage when a campaign is not stored
MAX_STAGES = 10
CODE_LENGTH = 16  # base32 characters: 80 bits, beyond guessing


class CampaignRuleError(ValueError):
    """A campaign setting that breaks a rule; the message is for the operator, in Chinese."""


@dataclass(frozen=True)
class Stage:
    """A reward stage: bring `friends` valid friends, earn `reward`."""

    friends: int
    reward: str


@dataclass(frozen=True)
class CampaignRules:
    """What the ledger needs of a stored campaign to judge its invites."""

    targets: frozenset[str]
    starts: datetime
    ends: datetime
    stay: timedelta
    stages: tuple[Stage, ...] = ()

    def in_window(self, ts: datetime) -> bool:
        """Tell whether an invite at `ts` falls inside the campaign's window."""
        return self.starts <= ts <= self.ends


PHASES = {"upcoming": "未开始", "running": "进行中", "ended": "已结束"}


def phase(status: str, starts: datetime, ends: datetime, now: datetime) -> str:
    """Where a campaign stands now: upcoming, running, or ended (closed or past its window)."""
    if status != "active" or now > ends:
        return "ended"
    return "upcoming" if now < starts else "running"


def parse_stages(text: str) -> list[Stage]:
    """Read "3:优惠券,5:水果箱,10:年卡" into ascending stages."""
    stages = []
    for part in (p.strip() for p in text.replace("，", ",").split(",")):
        if not part:
            continue
        need, sep, reward = part.replace("：", ":").partition(":")
        try:
            friends = int(need)
        except ValueError:
            raise CampaignRuleError(f"奖励阶段 {part!r} 应写成 人数:奖励，如 3:优惠券") from None
        stages.append(Stage(friends, reward.strip() if sep else ""))
    return check_stages(stages)


def check_stages(stages: Iterable[Stage]) -> list[Stage]:
    """Return the stages sorted, or raise when a count repeats, is not positive, or too many."""
    ordered = sorted(stages, key=lambda s: s.friends)
    if not ordered:
        raise CampaignRuleError("至少需要一个奖励阶段，如 3:优惠券")
    if len(ordered) > MAX_STAGES:
        raise CampaignRuleError(f"奖励阶段最多 {MAX_STAGES} 个")
    for stage in ordered:
        if stage.friends <= 0:
            raise CampaignRuleError("奖励阶段的好友人数须为正整数")
        if not stage.reward or len(stage.reward) > 100:
            raise CampaignRuleError(f"第 {stage.friends} 人阶段的奖励须为 1–100 个字符")
    if len({s.friends for s in ordered}) != len(ordered):
        raise CampaignRuleError("奖励阶段的好友人数不能重复")
    return ordered


def check_window(starts: datetime, ends: datetime, stay_hours: float) -> None:
    """Raise unless the campaign ends after it starts and the stay is 0–720 hours."""
    if ends <= starts:
        raise CampaignRuleError("活动结束时间须晚于开始时间")
    if not 0 <= stay_hours <= 720:
        raise CampaignRuleError("留存观察期须在 0–720 小时之间")


def invite_code(secret: str, campaign: str, inviter: str) -> str:
    """The inviter's code: HMAC-SHA256 of campaign and inviter, so the same pair gives it again."""
    digest = hmac.new(secret.encode(), f"{campaign}\n{inviter}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:CODE_LENGTH]


def poster_link(campaign: str, code: str | None = None) -> str:
    """The campaign's public join page; the code rides along as the `state` token."""
    link = f"/j/{quote(campaign, safe='')}"
    return f"{link}?state={quote(code, safe='')}" if code else link
