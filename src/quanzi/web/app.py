"""The web application: REST API under /api/v1 and the operators' console."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import HTMLResponse

from quanzi import __version__
from quanzi.config import Settings, get_settings
from quanzi.store import migrate
from quanzi.store.db import get_engine
from quanzi.web import errors
from quanzi.web.api.carriers import router as carriers_api_router
from quanzi.web.api.filter import router as filter_api_router
from quanzi.web.api.groupbuy import router as groupbuy_api_router
from quanzi.web.api.routes import install_openapi
from quanzi.web.api.routes import router as api_router
from quanzi.web.console.attract import router as attract_console_router
from quanzi.web.console.attract_campaigns import router as campaigns_console_router
from quanzi.web.console.attract_join import router as join_router
from quanzi.web.console.carriers import router as carriers_console_router
from quanzi.web.console.filter import router as filter_console_router
from quanzi.web.console.groupbuy import router as groupbuy_console_router
from quanzi.web.console.ladder import router as ladder_console_router
from quanzi.web.console.render import STATIC_DIR
from quanzi.web.console.retain import router as retain_console_router
from quanzi.web.console.routes import router as console_router

log = logging.getLogger("quanzi.web")

SESSION_COOKIE = "quanzi_session"
SESSION_MAX_AGE = 12 * 3600  # one working day, then log in again
OPENAPI_URL = "/api/openapi.json"
DEFAULT_SECRET = Settings.model_fields["secret_key"].default
DESCRIPTION = """圈子 quanzi 的 REST API。认证：HTTP Basic（运营账号的用户名和密码），
或控制台登录后的会话 cookie（此时写操作需带 `X-CSRF-Token` 头）。
写入需要角色 admin 或 operator；读取任何角色都可以。错误统一为 `{"code", "message"}`。"""


def _docs() -> HTMLResponse:
    # Swagger UI is served from our own static files: installations are often offline.
    return get_swagger_ui_html(
        openapi_url=OPENAPI_URL,
        title="圈子 quanzi API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:
        if not migrate.is_current(app.state.engine):
            log.warning("database schema is not current; run `quanzi db upgrade`")
    except Exception as exc:  # the pages will say so; starting must not fail here
        log.warning("database not reachable at start-up: %s", exc)
    yield


def create_app(database_url: str | None = None) -> FastAPI:
    """Build the app for `database_url` (default: QUANZI_DATABASE_URL)."""
    settings = get_settings()
    if settings.secret_key == DEFAULT_SECRET:
        log.warning("QUANZI_SECRET_KEY is the development default; set it before going live")
    app = FastAPI(
        title="圈子 quanzi API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=OPENAPI_URL,
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.engine = get_engine(database_url or settings.database_url)
    app.state.settings = settings
    errors.install(app)
    app.include_router(api_router)
    app.include_router(filter_api_router)
    app.include_router(groupbuy_api_router)
    app.include_router(carriers_api_router)
    install_openapi(app)
    app.include_router(console_router)
    app.include_router(campaigns_console_router)
    app.include_router(attract_console_router)
    app.include_router(carriers_console_router)
    app.include_router(join_router)
    app.include_router(filter_console_router)
    app.include_router(groupbuy_console_router)
    app.include_router(ladder_console_router)
    app.include_router(retain_console_router)
    app.add_api_route("/api/docs", _docs, include_in_schema=False, response_class=HTMLResponse)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    # Added last, so outermost: it also catches failures in the session middleware.
    app.add_middleware(errors.CatchAllMiddleware)
    return app
