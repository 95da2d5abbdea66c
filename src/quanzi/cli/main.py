"""The `quanzi` command line: one Typer app, one module per area."""

from __future__ import annotations

import typer

from quanzi.cli import admin, carriers, demo, ingest
from quanzi.cli.analytics import analytics_app
from quanzi.cli.attract import register as register_attract
from quanzi.cli.attract_campaigns import campaign_app
from quanzi.cli.bot import bot
from quanzi.cli.filter import moderate, screen_app
from quanzi.cli.groupbuy import groupbuy_app
from quanzi.cli.jielong import jielong_app
from quanzi.cli.ladder import ladder_app
from quanzi.cli.retain import register as register_retain

app = typer.Typer(
    name="quanzi",
    help="圈子 quanzi：社群营销系统（吸引、过滤、留存、转化、度量）",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("ingest")(ingest.ingest)
app.command("import")(carriers.import_export)
app.add_typer(carriers.chatlog_app, name="chatlog")
app.command("bot")(bot)
app.command("demo")(demo.demo)
app.command("serve")(demo.serve)
app.command("stats")(admin.stats)
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.users_app, name="users")
app.add_typer(admin.people_app, name="people")
app.add_typer(screen_app, name="screen")
app.command("moderate")(moderate)
app.add_typer(jielong_app, name="jielong")
app.add_typer(groupbuy_app, name="groupbuy")
app.add_typer(ladder_app, name="ladder")
app.add_typer(analytics_app, name="analytics")
app.add_typer(campaign_app, name="campaign")
register_retain(app)
register_attract(app)


def run() -> None:
    """Entry point of the console script."""
    app()
