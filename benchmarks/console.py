"""Console benchmark: first-visit time and p50/p95 of repeat visits, per page, on a given store.

Run:  .venv/bin/python benchmarks/console.py --db sqlite:///PATH/quanzi.db [--repeat 20]
      .venv/bin/quanzi analytics update      # then run it again: the overview reads metrics

Every console page is visited (`--pages main` for the first seven): the sub-pages too, and
one person's, campaign's and drop's page with keys read from the store.

Requests go through the whole app (session cookie, role check, template) in-process, so the
figures are server time without the network. A benchmark operator is added to the store.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from machine import describe
from sqlalchemy import func, select

from quanzi.services.operators import add_operator
from quanzi.store import models as m
from quanzi.store.db import get_engine, reading
from quanzi.web.app import create_app

MAIN = ("/", "/filter", "/ladder", "/retain", "/fission", "/groupbuy", "/carriers")
SUB = (
    "/overview/live", "/ladder/plays", "/retain/health", "/retain/calendar", "/retain/report",
    "/retain/questions", "/retain/churn", "/fission/campaigns", "/fission/reach",
    "/filter/rules", "/filter/strata", "/filter/moderation",
)  # fmt: skip
PAGES = MAIN + SUB


def keyed_pages(url: str) -> list[str]:
    """The pages of one thing, with real keys from the store: a person, campaign and drop."""
    from quanzi.store.models_attract import Campaign
    from quanzi.store.models_router import Drop

    with reading(get_engine(url)) as session:
        person = session.scalar(
            select(m.Person.key).join(m.Invite, m.Invite.invitee_id == m.Person.id).limit(1)
        ) or session.scalar(select(m.Person.key).order_by(m.Person.id).limit(1))
        campaign = session.scalar(select(Campaign.key).order_by(Campaign.key).limit(1))
        drop = session.scalar(select(Drop.key).order_by(Drop.id).limit(1))
    pages = [f"/retain/people/{person}"] if person else []
    pages += [f"/fission/campaigns/{campaign}"] if campaign else []
    pages += [f"/groupbuy/{drop}"] if drop else []
    return pages


def login(client: TestClient, url: str) -> None:
    """Add a throwaway operator and log the client in."""
    name, password = f"bench-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    add_operator(get_engine(url), name, password, "viewer")
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login", data={"username": name, "password": password, "csrf_token": token}
    )
    assert answer.status_code in (200, 303), answer.status_code


def visit(client: TestClient, path: str, repeat: int) -> dict[str, Any]:
    """Time the first visit and `repeat` more; return seconds."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        status = client.get(path).status_code
        times.append(time.perf_counter() - started)
        assert status == 200, f"{path} → {status}"
    warm = sorted(times[1:])
    p95 = warm[max(0, round(0.95 * len(warm)) - 1)]
    return {"first_s": round(times[0], 3), "p50_s": round(statistics.median(warm), 3),
            "p95_s": round(p95, 3)}  # fmt: skip


def main() -> None:
    """Visit every page and write the figures to benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--pages", default="all", help="comma-separated paths; all (default) or main (the seven)"
    )
    parser.add_argument("--label", default="", help="a note for the results file")
    args = parser.parse_args()
    with reading(get_engine(args.db)) as session:
        events = session.scalar(select(func.count()).select_from(m.Event)) or 0
    client = TestClient(create_app(args.db))
    login(client, args.db)
    if args.pages == "all":
        paths = [*PAGES, *keyed_pages(args.db)]
    elif args.pages == "main":
        paths = list(MAIN)
    else:
        paths = args.pages.split(",")
    pages = {}
    for path in paths:
        pages[path] = visit(client, path, args.repeat)
        print(path, pages[path], flush=True)
    result = {
        "date": datetime.now(UTC).date().isoformat(), "machine": describe(),
        "python": platform.python_version(), "database": args.db.split(":", 1)[0],
        "events": events, "repeat": args.repeat, "label": args.label, "pages": pages,
    }  # fmt: skip
    name = f"console-{result['date']}-{events}{'-' + args.label if args.label else ''}.json"
    (Path(__file__).parent / "results" / name).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
