"""The dependency direction of DESIGN.md: domain ← services ← (web, cli, carriers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "quanzi"

# For each layer, the imports it must never make.
FORBIDDEN = {
    "domain": (
        "sqlalchemy",
        "fastapi",
        "quanzi.store",
        "quanzi.services",
        "quanzi.web",
        "quanzi.cli",
        "quanzi.carriers",
        "quanzi.analytics",
        "quanzi.sim",
    ),
    "sim": ("sqlalchemy", "quanzi.store", "quanzi.services", "quanzi.web", "quanzi.cli"),
    "store": ("quanzi.services", "quanzi.web", "quanzi.cli", "quanzi.analytics"),
    "services": ("quanzi.web", "quanzi.cli"),
    "analytics": ("quanzi.services", "quanzi.web", "quanzi.cli"),
    "metrics": ("quanzi.services", "quanzi.web", "quanzi.cli"),
    "carriers": ("quanzi.web", "quanzi.cli"),
    "web": ("quanzi.cli",),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_respect_the_dependency_direction(layer: str) -> None:
    files = sorted((SRC / layer).rglob("*.py"))
    if layer in ("domain", "store", "services", "cli"):
        assert files, f"layer {layer} has no modules"
    offences = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in files
        for name in imports_of(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer])
    ]
    assert offences == []
