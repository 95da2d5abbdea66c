"""The console page of carriers: operator alerts, the QQ bot's set-up, and chat-export imports."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from quanzi.analytics import carriers as view
from quanzi.carriers.importers import FORMATS
from quanzi.carriers.importers.run import ImportReport, import_stream
from quanzi.carriers.onebot_setup import onebot_state
from quanzi.errors import QuanziError
from quanzi.services.carrier_alerts import acknowledge
from quanzi.web.auth import (
    WRITERS,
    CsrfField,
    CurrentOperator,
    Viewer,
    Writer,
    check_csrf,
    csrf_token,
    engine_of,
)
from quanzi.web.console.filter import local_time
from quanzi.web.console.render import page, templates

router = APIRouter(prefix="/carriers", include_in_schema=False)
Text = Annotated[str, Form()]
FORMAT_LABELS = {
    "auto": "自动识别",
    "qq-txt": "QQ 消息管理器 TXT",
    "qce-json": "QQ Chat Exporter JSON",
    "wechatmsg-csv": "WeChatMsg / 留痕 CSV",
    "chatlog-json": "chatlog JSON",
    "telegram-json": "Telegram result.json",
    "discord-json": "DiscordChatExporter JSON",
}
SHOWN_REJECTIONS = 200
ACTION_LABELS = {
    "warn": "警告",
    "recall": "撤回",
    "mute": "禁言",
    "kick": "移出",
    "review": "人工复核",
}
KIND_LABELS = {"moderation": "风控", "screening": "入群筛选"}
templates.env.filters["carriers_time"] = local_time


def _context(request: Request, operator: CurrentOperator, **extra: Any) -> dict[str, Any]:
    engine = engine_of(request)
    base = str(request.base_url).rstrip("/")
    return {
        "operator": operator, "csrf_token": csrf_token(request), "active": "carriers",
        "can_write": operator.role in WRITERS, "alerts": view.alerts(engine),
        "open_alerts": view.open_alerts(engine), "bot": view.bot_activity(engine),
        "onebot": onebot_state(), "ws_url": "ws" + base.removeprefix("http") + "/onebot/v11/ws",
        "webhook_url": base + "/api/v1/carriers/chatlog?community=社群标识",
        "communities": view.community_keys(engine), "formats": FORMAT_LABELS,
        "report": None, "error": "", "shown": SHOWN_REJECTIONS, "fmt": "auto",
        "community": "", "actions": ACTION_LABELS, "kinds": KIND_LABELS, **extra,
    }  # fmt: skip


@router.get("")
def carriers_page(request: Request, operator: Viewer) -> Response:
    """Alerts newest first, the bot's set-up facts, and the import form."""
    return page(request, "carriers.html", _context(request, operator))


@router.post("/alerts/{alert_id}/ack")
def ack_alert(request: Request, operator: Writer, alert_id: int, token: CsrfField = "") -> Response:
    """Mark an alert handled."""
    check_csrf(request, token)
    acknowledge(engine_of(request), alert_id, actor=operator.username)
    return RedirectResponse(f"/carriers#alert-{alert_id}", status_code=303)


def _import(request: Request, upload: UploadFile, fmt: str, community: str) -> ImportReport:
    """Copy the upload to a temporary file, then stream it through the importer."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        with path.open("wb") as target:
            shutil.copyfileobj(upload.file, target)
        with path.open("rb") as handle:
            return import_stream(engine_of(request), fmt, handle, community)


@router.post("/import")
def import_upload(
    request: Request,
    operator: Writer,
    file: Annotated[UploadFile, File()],
    token: CsrfField = "",
    fmt: Annotated[str, Form(alias="format")] = "auto",
    community: Text = "",
) -> Response:
    """Import an uploaded chat export into a community and show what it held and what was new."""
    check_csrf(request, token)
    if fmt not in FORMATS:
        error = "不支持的格式：" + fmt
    elif not community.strip():
        error = "请填写要导入到哪个社群（社群标识）"
    else:
        try:
            report = _import(request, file, fmt, community.strip())
        except QuanziError as exc:
            error = exc.message
        else:
            context = _context(
                request,
                operator,
                report=report.to_dict(),
                fmt=fmt,
                community=community.strip(),
                filename=file.filename or "",
            )
            return page(request, "carriers.html", context)
    context = _context(request, operator, error=error, fmt=fmt, community=community.strip())
    return page(request, "carriers.html", context, status_code=422)
