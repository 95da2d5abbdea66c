"""Allow `python -m quanzi`."""

from quanzi.cli.main import run

run()
