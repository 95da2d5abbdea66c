"""Retain settings from a TOML document: engagement weights and stage thresholds.

```toml
[engagement]
decay_per_30_days = 0.8
window_days = 365
[engagement.weights]
message = 1
attend = 4
[stages]
fan_engagement = 12
iron_fan_engagement = 40
partner_roles = ["owner", "admin", "staff", "leader"]
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quanzi.domain.retain_engagement import DEFAULT_WEIGHTS, EngagementModel
from quanzi.domain.retain_stages import StageRules
from quanzi.errors import InvalidInput

SECTIONS = ("engagement", "stages")


@dataclass(frozen=True)
class RetainConfig:
    """The engagement model and stage rules one recompute uses."""

    engagement: EngagementModel = field(default_factory=EngagementModel)
    stages: StageRules = field(default_factory=StageRules)


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where} 应为数字，实际是 {value!r}", code="invalid_rules")
    return float(value)


def config_from_dict(data: Mapping[str, Any], source: str = "规则") -> RetainConfig:
    """Build a RetainConfig, naming the exact key of any bad value in Chinese."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise InvalidInput(f"{source}：未知的小节 [{unknown[0]}]", code="invalid_rules")
    eng = dict(data.get("engagement") or {})
    weights = dict(eng.pop("weights", {}) or {})
    for kind, value in weights.items():
        if kind not in DEFAULT_WEIGHTS:
            known = "、".join(DEFAULT_WEIGHTS)
            raise InvalidInput(
                f"{source}：[engagement.weights] 里没有 {kind!r}（可用：{known}）",
                code="invalid_rules",
            )
        weights[kind] = _number(f"{source}：engagement.weights.{kind}", value)
    for key, value in eng.items():
        if key not in ("decay_per_30_days", "window_days"):
            raise InvalidInput(f"{source}：[engagement] 里没有 {key!r}", code="invalid_rules")
        _number(f"{source}：engagement.{key}", value)
    try:
        model = EngagementModel().with_overrides({**eng, "weights": weights})
    except ValueError as exc:
        raise InvalidInput(f"{source}：[engagement] {exc}", code="invalid_rules") from None
    stages = dict(data.get("stages") or {})
    for key, value in stages.items():
        if key.endswith("_roles"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidInput(f"{source}：stages.{key} 应为字符串列表", code="invalid_rules")
        else:
            _number(f"{source}：stages.{key}", value)
    try:
        rules = StageRules().with_overrides(stages)
    except ValueError as exc:
        raise InvalidInput(f"{source}：[stages] {exc}", code="invalid_rules") from None
    return RetainConfig(model, rules)


def config_from_toml(text: str, source: str = "规则文件") -> RetainConfig:
    """Parse TOML text into a RetainConfig; a syntax error names its line and column."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source} 不是有效的 TOML：{exc}", code="invalid_rules") from None
    return config_from_dict(data, source)
