"""Rule sets of the filter as TOML: the built-in default, overrides, and their validation."""

from __future__ import annotations

import re
import tomllib
from copy import deepcopy
from typing import Any

from quanzi.domain.filter_text import AD_WORDS

SCREEN_ACTIONS = ("reject", "review", "flag", "off")
MODERATION_ACTIONS = ("ladder", "warn", "recall", "kick", "off")
ACTION_LABELS = {
    "reject": "拒绝",
    "review": "人工审核",
    "flag": "记一笔（多笔转人工）",
    "off": "关闭",
    "ladder": "按阶梯处罚",
    "warn": "警告",
    "recall": "撤回",
    "mute": "禁言",
    "kick": "移出",
    "allow": "放行",
    "admit": "通过",
}

_WORDS = ", ".join(f'"{w}"' for w in AD_WORDS)
# The built-in rule set, as a user would write it: also the reference of docs/filter.md.
DEFAULT_TOML = f"""\
# 圈子 quanzi 过滤规则（默认）。社群规则只写要改的部分，其余沿用默认。
# 优先级：白名单 → 黑名单 → 规则 → 人工审核。
review_at_flags = 2          # 记满几笔（action = "flag"）转人工审核
whitelist = []               # 人员标识（qq:10001）或昵称：直接通过
blacklist = []               # 人员标识或昵称：直接拒绝
avatar_blocklist = []        # 网红/盗图头像的感知哈希 phash:<16 位十六进制>

[rules."name.a_prefix"]      # A 开头排序名：A小美护肤、AAA建材批发（Alice、Amy Chen 不算）
action = "flag"

[rules."name.jie"]           # XX姐：王姐、美妆张姐
action = "flag"
exceptions = ["小姐", "空姐", "姐姐"]

[rules."name.reduplicated"]  # 叠字名：乐乐、丽丽（可带表情、标点）
action = "flag"

[rules."name.ad_words"]      # 昵称里的广告词：微商李姐、Amy代购
action = "flag"
words = [{_WORDS}]

[rules."avatar.blocklist"]   # 头像与黑名单头像的汉明距离不超过 max_distance
action = "reject"
max_distance = 6

[rules."avatar.ring"]        # 同一头像近 days 天内已被 accounts 个其他账号使用
action = "review"
accounts = 2
days = 30

[rules."comment.contact"]    # 申请理由里留微信号、QQ 号、手机号或链接
action = "reject"

[rules."comment.ad_words"]   # 申请理由里的广告词（去掉分隔符后匹配：代.理、招 商）
action = "reject"
words = [{_WORDS}]

[rules."answer.check"]       # 入群问题的答案须含关键词之一或匹配正则（配置后才生效）
action = "review"
keywords = []
pattern = ""

[rules."history.kicked"]     # 曾被移出任何社群
action = "reject"

[rules."history.left"]       # 曾退出本群
action = "flag"

[rules."history.rejected"]   # 以前的申请被拒绝过
action = "review"

[rules."history.inviter"]    # 邀请人曾被拒绝或移出
action = "review"

[rules."burst.inviter"]      # 同一邀请人 minutes 分钟内带来 requests 个以上申请
action = "review"
requests = 5
minutes = 60

[rules."burst.code"]         # 同一邀请码 minutes 分钟内 requests 个以上申请
action = "review"
requests = 5
minutes = 60

[rules."account.level"]      # QQ 等级低于 min_level（载体提供 level 时）
action = "review"
min_level = 1

[rules."account.age"]        # 账号注册不足 min_days 天（载体提供 registered 时）
action = "review"
min_days = 7

[moderation]
exempt_roles = ["owner", "admin", "staff"]
# 同一人 window_days 天内第 N 次违规的处罚；mute:秒数 表示禁言。
ladder = ["warn", "recall", "mute:600", "mute:3600", "mute:86400", "kick"]
window_days = 7
link_allow = ["guoyuan.example"]   # 本品牌的链接不算广告

[moderation.rules."ad.contact"]    # 消息里留微信号、QQ 号、手机号
action = "ladder"

[moderation.rules."ad.link"]       # 外部链接
action = "ladder"

[moderation.rules."ad.words"]      # 广告词（同样去分隔符匹配）
action = "ladder"
words = [{_WORDS}]

[moderation.rules."ad.qr"]         # 图片里有二维码（载体给出 qr = true 时）
action = "ladder"

[moderation.rules."flood"]         # seconds 秒内发 messages 条以上
action = "ladder"
messages = 6
seconds = 10

[moderation.rules."repeat"]        # seconds 秒内重复同一句话 times 次（至少 min_length 字）
action = "ladder"
times = 3
seconds = 600
min_length = 4

[moderation.rules."mentions"]      # 一条消息 @ 了 max_mentions 人以上
action = "ladder"
max_mentions = 5
"""


class RulesError(ValueError):
    """A rules file that cannot be used; the message says what and on which line."""


_TOML_WHERE = re.compile(r"\(at line (\d+), column (\d+)\)")


def _line_of(text: str, *needles: str) -> int | None:
    """Return the first line (from 1) holding every needle, to point the user at it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if all(n in line for n in needles):
            return number
    return None


def _where(text: str, *needles: str) -> str:
    line = _line_of(text, *needles)
    return f"第 {line} 行：" if line else ""


def parse_toml(text: str, name: str = "规则文件") -> dict[str, Any]:
    """Parse TOML text; a syntax error becomes a Chinese message with its line and column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_WHERE.search(str(exc))
        if where:
            place = f"第 {where.group(1)} 行第 {where.group(2)} 列"
        else:  # "at end of document": the last line is where it broke off
            place = f"第 {max(len(text.splitlines()), 1)} 行末尾"
        detail = _TOML_WHERE.sub("", str(exc)).replace("(at end of document)", "").strip()
        raise RulesError(f"{name}{place}有 TOML 语法错误：{detail}") from None


DEFAULTS: dict[str, Any] = tomllib.loads(DEFAULT_TOML)
_TOP_KEYS = {"review_at_flags", "whitelist", "blacklist", "avatar_blocklist", "rules", "moderation"}
_MOD_KEYS = {"exempt_roles", "ladder", "window_days", "link_allow", "rules"}
_PHASH = re.compile(r"^phash:[0-9a-fA-F]{16}$")
_LADDER_STEP = re.compile(r"^(warn|recall|kick|mute:\d+)$")


def _check_rules(
    text: str, given: Any, defaults: dict[str, Any], actions: tuple[str, ...], section: str
) -> None:
    if not isinstance(given, dict):
        raise RulesError(f'{_where(text, section)}{section} 应为表（[{section}."规则编号"]）')
    for rule_id, body in given.items():
        if rule_id not in defaults:
            known = "、".join(defaults)
            raise RulesError(f"{_where(text, rule_id)}未知规则 {rule_id!r}，可用：{known}")
        if not isinstance(body, dict):
            raise RulesError(f"{_where(text, rule_id)}规则 {rule_id} 应为表")
        for key, value in body.items():
            if key not in defaults[rule_id]:
                options = "、".join(defaults[rule_id])
                raise RulesError(
                    f"{_where(text, key)}规则 {rule_id} 没有参数 {key!r}，可用：{options}"
                )
            expected = defaults[rule_id][key]
            if key == "action" and value not in actions:
                raise RulesError(
                    f"{_where(text, key, str(value))}规则 {rule_id} 的 action "
                    f"{value!r} 无效，应为：{'、'.join(actions)}"
                )
            if type(value) is not type(expected):
                kind = {int: "整数", str: "字符串", list: "列表"}.get(type(expected), "值")
                raise RulesError(f"{_where(text, key)}规则 {rule_id} 的 {key} 应为{kind}")
            if key == "pattern" and value:
                try:
                    re.compile(value)
                except re.error as exc:
                    raise RulesError(f"{_where(text, key)}正则表达式无效：{exc}") from None


def _strings(text: str, value: Any, key: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{_where(text, key)}{key} 应为字符串列表")


def validate(data: dict[str, Any], text: str = "") -> None:
    """Check an override against the defaults' shape; raise RulesError naming the line."""
    for key in data:
        if key not in _TOP_KEYS:
            raise RulesError(f"{_where(text, key)}未知设置 {key!r}，可用：{'、'.join(_TOP_KEYS)}")
    if "review_at_flags" in data and (
        type(data["review_at_flags"]) is not int or data["review_at_flags"] < 1
    ):
        raise RulesError(f"{_where(text, 'review_at_flags')}review_at_flags 应为正整数")
    for key in ("whitelist", "blacklist", "avatar_blocklist"):
        if key in data:
            _strings(text, data[key], key)
    for value in data.get("avatar_blocklist", []):
        if not _PHASH.match(value):
            raise RulesError(
                f"{_where(text, value)}头像哈希 {value!r} 无效，应为 phash:<16 位十六进制>"
            )
    if "rules" in data:
        _check_rules(text, data["rules"], DEFAULTS["rules"], SCREEN_ACTIONS, "rules")
    moderation = data.get("moderation", {})
    if not isinstance(moderation, dict):
        raise RulesError(f"{_where(text, 'moderation')}moderation 应为表")
    for key, value in moderation.items():
        if key not in _MOD_KEYS:
            raise RulesError(f"{_where(text, key)}moderation 下没有设置 {key!r}")
        if key in ("exempt_roles", "ladder", "link_allow"):
            _strings(text, value, key)
    for step in moderation.get("ladder", []):
        if not _LADDER_STEP.match(step):
            raise RulesError(
                f"{_where(text, step)}处罚阶梯的一级 {step!r} 无效，应为 warn、recall、"
                "mute:秒数 或 kick"
            )
    if "ladder" in moderation and not moderation["ladder"]:
        raise RulesError(f"{_where(text, 'ladder')}处罚阶梯不能为空")
    if "window_days" in moderation and (
        type(moderation["window_days"]) is not int or moderation["window_days"] < 1
    ):
        raise RulesError(f"{_where(text, 'window_days')}window_days 应为正整数")
    if "rules" in moderation:
        mod_defaults = DEFAULTS["moderation"]["rules"]
        _check_rules(text, moderation["rules"], mod_defaults, MODERATION_ACTIONS, "rules")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Overlay `override` on `base`: tables merge key by key, other values replace."""
    merged = deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = deepcopy(value)
    return merged


def load(*texts: str, names: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the defaults with each TOML text laid over them in turn (later wins)."""
    config = DEFAULTS
    for index, text in enumerate(texts):
        if not text or not text.strip():
            continue
        name = names[index] if index < len(names) else "规则文件"
        data = parse_toml(text, name)
        try:
            validate(data, text)
        except RulesError as exc:
            raise RulesError(f"{name}{exc}") from None
        config = merge(config, data)
    return config
