"""Live, read-only WeChat through sjzar/chatlog: its webhook body and its history API."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from quanzi.carriers.importers.chatlog_json import events_of
from quanzi.carriers.importers.run import ImportReport, counted
from quanzi.domain.events import Event, EventError
from quanzi.errors import InvalidInput, QuanziError
from quanzi.services.carrier_alerts import raise_alerts
from quanzi.services.ingest import ingest_parsed

DEFAULT_BASE = "http://127.0.0.1:5030"
PULL_TIMEOUT = 30


def messages_of_webhook(body: Any) -> list[Any]:
    """Return the `messages` of a chatlog webhook body (`{talker, …, length, messages}`)."""
    if isinstance(body, list):
        return body
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise InvalidInput("chatlog 推送应为带 messages 列表的 JSON 对象", code="chatlog_bad_body")
    return body["messages"]


def ingest_messages(engine: Engine, messages: list[Any], community: str) -> ImportReport:
    """Store chatlog messages in `community`; ids are chatlog's own, so repeats are no-ops."""
    if not community.strip():
        raise InvalidInput("缺少社群标识 community", code="chatlog_no_community")
    report = ImportReport(format="chatlog-json")
    ids: list[str] = []

    def remembered() -> Iterator[tuple[int, Event | EventError]]:
        for place, item in counted(report, events_of(messages, community)):
            if isinstance(item, Event):
                ids.append(item.id)
            yield place, item

    result = ingest_parsed(engine, remembered())
    report.new_events, report.duplicates = result.stored, result.duplicates
    report.rejected = [{"line": r.line, "reason": r.reason} for r in result.rejected]
    # WeChat cannot be moderated by API: the engines' decisions go to operators as alerts.
    report.alerts = raise_alerts(engine, community, ids, actor="chatlog")
    return report


def pull_url(base: str, talker: str, time_range: str, limit: int = 0, offset: int = 0) -> str:
    """Return chatlog's `GET /api/v1/chatlog` URL for one talker and time range, as JSON."""
    query = {"time": time_range, "talker": talker, "format": "json"}
    if limit:
        query.update(limit=str(limit), offset=str(offset))
    return f"{base.rstrip('/')}/api/v1/chatlog?{urllib.parse.urlencode(query)}"


def fetch(url: str) -> list[Any]:
    """GET one chatlog page and return its message array, or raise a QuanziError."""
    try:
        with urllib.request.urlopen(url, timeout=PULL_TIMEOUT) as response:
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise QuanziError(
            f"chatlog 拒绝了请求（HTTP {exc.code}）：{url}", code="chatlog_refused", http_status=502
        ) from None
    except OSError as exc:
        why = getattr(exc, "reason", exc)
        raise QuanziError(
            f"连不上 chatlog：{url}。请确认 chatlog 已开启 HTTP 服务（默认 {DEFAULT_BASE}）、"
            f"地址和端口正确。原因：{why}",
            code="chatlog_unreachable",
            http_status=502,
        ) from None
    except ValueError:
        raise QuanziError(
            f"chatlog 返回的不是有效的 JSON：{url}（是否漏了 format=json？）",
            code="chatlog_bad_body",
            http_status=502,
        ) from None
    if body is None:
        return []
    if not isinstance(body, list):
        raise QuanziError(
            "chatlog 返回的不是消息数组（是否漏了 format=json？）", code="chatlog_bad_body"
        )
    return body


def pull(
    engine: Engine, community: str, talker: str, time_range: str, base: str = DEFAULT_BASE
) -> ImportReport:
    """Pull one talker's history for `time_range` (`2024-01-01~2024-01-31`) into `community`."""
    return ingest_messages(engine, fetch(pull_url(base, talker, time_range)), community)
