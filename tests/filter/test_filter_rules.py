"""TOML rule sets: defaults, per-community overrides, and Chinese errors that name the line."""

from __future__ import annotations

import pytest

from quanzi.domain import filter_rules
from quanzi.domain.filter_rules import RulesError


def test_default_rules_turn_every_rule_on() -> None:
    rules = filter_rules.DEFAULTS["rules"]
    assert len(rules) == 17
    assert [r for r, body in rules.items() if body["action"] == "off"] == []
    # The answer check is on but needs keywords or a pattern before it can fire.
    assert rules["answer.check"]["keywords"] == [] and rules["answer.check"]["pattern"] == ""
    moderation = filter_rules.DEFAULTS["moderation"]
    assert moderation["ladder"] == ["warn", "recall", "mute:600", "mute:3600", "mute:86400", "kick"]
    assert moderation["exempt_roles"] == ["owner", "admin", "staff"]


def test_overrides_merge_over_the_default_and_later_wins() -> None:
    installation = 'review_at_flags = 3\n[rules."name.jie"]\naction = "review"\n'
    community = '[rules."name.jie"]\nexceptions = ["王姐"]\n[moderation]\nwindow_days = 3\n'
    config = filter_rules.load(installation, community)
    assert config["review_at_flags"] == 3
    assert config["rules"]["name.jie"] == {"action": "review", "exceptions": ["王姐"]}
    assert config["rules"]["name.a_prefix"] == {"action": "flag"}
    assert config["moderation"]["window_days"] == 3
    assert config["moderation"]["ladder"][0] == "warn"
    assert filter_rules.DEFAULTS["rules"]["name.jie"]["action"] == "flag"  # untouched


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("review_at_flags = \n", "规则文件第 1 行第 19 列有 TOML 语法错误：Invalid value"),
        ('\n\n[rules."name.jie"\naction = "flag"\n', "规则文件第 3 行第 18 列有 TOML 语法错误"),
        ('[rules."name.bogus"]\naction = "flag"\n', "规则文件第 1 行：未知规则 'name.bogus'"),
        (
            '# 注释\n[rules."name.jie"]\naction = "boom"\n',
            "规则文件第 3 行：规则 name.jie 的 action 'boom' 无效，应为：reject、review、flag、off",
        ),
        (
            '[rules."avatar.ring"]\naccounts = "two"\n',
            "规则文件第 2 行：规则 avatar.ring 的 accounts 应为整数",
        ),
        ('[rules."name.jie"]\ncolour = 1\n', "规则文件第 2 行：规则 name.jie 没有参数 'colour'"),
        ('avatar_blocklist = ["phash:xyz"]\n', "规则文件第 1 行：头像哈希 'phash:xyz' 无效"),
        ('[moderation]\nladder = ["warn", "ban"]\n', "规则文件第 2 行：处罚阶梯的一级 'ban' 无效"),
        ('[moderation.rules."flood"]\naction = "flag"\n', "规则文件第 2 行：规则 flood 的 action"),
        ("colour = 1\n", "规则文件第 1 行：未知设置 'colour'"),
        ('[rules."answer.check"]\npattern = "("\n', "规则文件第 2 行：正则表达式无效"),
    ],
)
def test_bad_rules_are_refused_with_their_line(text: str, message: str) -> None:
    with pytest.raises(RulesError) as caught:
        filter_rules.load(text)
    assert str(caught.value).startswith(message)


def test_the_error_names_which_file() -> None:
    with pytest.raises(RulesError, match=r"^社群规则第 1 行末尾有 TOML 语法错误：Invalid value$"):
        filter_rules.load("", "x = ", names=("全局规则", "社群规则"))
