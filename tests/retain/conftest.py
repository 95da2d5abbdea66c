"""The web fixtures of tests/web (app, client, operators, login) for the retain pages."""

from tests.web.conftest import accounts, app, client, login  # noqa: F401
