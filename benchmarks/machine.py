"""What machine a benchmark ran on, for its results file."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or '' where there is none."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def describe() -> str:
    """Return the architecture and CPU model, e.g. 'x86_64 AMD EPYC'."""
    return f"{platform.machine()} {cpu_model()}".strip()
