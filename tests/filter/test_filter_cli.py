"""The CLI contract: `quanzi screen --json`, `quanzi moderate --json`, backtest, avatars."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.services.ingest import ingest_objects
from tests.filter.test_filter_services import world

runner = CliRunner()
Q = "问题：你是怎么知道我们的？\n答案："


def write_lines(path: Path, rows: list[Any]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_screen_prints_one_line_per_request(tmp_path: Path) -> None:
    source = write_lines(
        tmp_path / "req.jsonl",
        [
            {"id": "r1", "name": "A小美护肤", "comment": Q + "加我vx：meimei8899"},
            {"id": "r2", "name": "Alice", "comment": Q + "朋友推荐", "source": "friend"},
            "",
            {"id": "r3", "name": "美妆王姐", "comment": Q + "副业"},
        ],
    )
    result = runner.invoke(app, ["screen", "--input", str(source), "--json"])
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout) == [
        {
            "id": "r1",
            "verdict": "reject",
            "reasons": [
                {"rule": "name.a_prefix", "detail": "昵称以 A 开头排序：A小美护肤"},
                {"rule": "comment.contact", "detail": "申请理由留了微信/QQ 号 vx:meimei8899"},
            ],
        },
        {"id": "r2", "verdict": "admit", "reasons": []},
        {
            "id": "r3",
            "verdict": "reject",
            "reasons": [
                {"rule": "name.jie", "detail": "“XX姐”式昵称：美妆王姐"},
                {"rule": "comment.ad_words", "detail": "申请理由含广告词 副业"},
            ],
        },
    ]


def test_screen_reports_bad_lines_and_goes_on(tmp_path: Path) -> None:
    source = write_lines(
        tmp_path / "req.jsonl", ["{oops", {"name": "x"}, {"id": "ok", "name": "x"}]
    )
    result = runner.invoke(app, ["screen", "--input", str(source), "--json"])
    assert result.exit_code == 0
    assert json_lines(result.stdout) == [{"id": "ok", "verdict": "admit", "reasons": []}]
    assert '"line": 1, "error": "不是有效的 JSON' in result.stderr
    assert '"line": 2' in result.stderr and "缺少必填字段 id" in result.stderr


def test_screen_with_rules_file_and_bad_rules(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "req.jsonl", [{"id": "r", "name": "乐乐"}])
    strict = tmp_path / "strict.toml"
    strict.write_text('[rules."name.reduplicated"]\naction = "reject"\n', encoding="utf-8")
    result = runner.invoke(app, ["screen", "-i", str(source), "--rules", str(strict), "--json"])
    assert json_lines(result.stdout)[0]["verdict"] == "reject"
    bad = tmp_path / "bad.toml"
    bad.write_text('# 规则\n[rules."name.jie"\n', encoding="utf-8")
    result = runner.invoke(app, ["screen", "-i", str(source), "--rules", str(bad), "--json"])
    assert result.exit_code == 2
    # Rich wraps long messages to the terminal width; compare without the whitespace.
    assert "bad.toml第2行第18列有TOML语法错误" in "".join(result.stderr.split())
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["screen", "-i", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2 and "找不到文件" in "".join(missing.stderr.split())


def test_moderate_prints_one_line_per_message(tmp_path: Path) -> None:
    base = {"community": "g", "person": "qq:1", "ts": "2026-06-01T10:00:00+08:00"}
    source = write_lines(
        tmp_path / "msg.jsonl",
        [
            {**base, "id": "m1", "text": "我微信上发你"},
            {**base, "id": "m2", "text": "招代理，加V：ll520666"},
            {**base, "id": "m3", "text": "兼 职 日 结"},
            {**base, "id": "m4", "text": "vx: daigou_777", "person": "qq:2", "role": "admin"},
        ],
    )
    result = runner.invoke(app, ["moderate", "--input", str(source), "--json"])
    assert result.exit_code == 0, result.output
    lines = json_lines(result.stdout)
    assert [(line["id"], line["action"]) for line in lines] == [
        ("m1", "allow"),
        ("m2", "warn"),
        ("m3", "recall"),
        ("m4", "allow"),
    ]
    assert lines[0] == {"id": "m1", "action": "allow", "reasons": []}
    assert lines[2]["reasons"][-1] == {"rule": "ladder", "detail": "7 天内第 2 次违规 → 撤回"}


def test_backtest_and_avatars_on_a_database(engine: Engine, db_url: str, tmp_path: Path) -> None:
    ingest_objects(engine, world())
    args = ["screen", "backtest", "--community", "qq-a", "--since", "2026-05-01", "--db", db_url]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["verdicts"] == {"admit": 7, "review": 4, "reject": 1}
    assert (summary["rejected_buyers"], summary["rejected_revenue"]) == (1, 79.0)
    text = runner.invoke(app, args)
    assert "误拒代价：会被拒绝的人里有1人后来付了款" in "".join(text.stdout.split())
    bad_date = runner.invoke(app, [*args[:5], "5月1日", "--db", db_url])
    assert bad_date.exit_code == 2 and "--since应为日期" in "".join(bad_date.stderr.split())
    unknown = runner.invoke(app, ["screen", "backtest", "--community", "nope", "--since",
                                  "2026-05-01", "--db", db_url])  # fmt: skip
    assert unknown.exit_code == 2 and "没有社群nope" in "".join(unknown.stderr.split())
    added = runner.invoke(
        app, ["screen", "avatars", "add", "phash:c3c3e1f0f8783c1e", "--db", db_url]
    )
    assert added.exit_code == 0 and "已加入 1 个头像" in added.stdout


def test_avatar_images_are_hashed_and_near_copies_rejected(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("imagehash")
    from PIL import Image, ImageDraw

    from quanzi.domain.screening import JoinRequest, Screener
    from quanzi.services.screening import screener_for
    from quanzi.services.screening_review import phash_of_image
    from quanzi.store.db import reading

    def influencer(path: Path, brightness: int) -> Path:
        image = Image.new("RGB", (128, 128), (brightness, brightness, brightness))
        draw = ImageDraw.Draw(image)
        draw.ellipse((24, 16, 104, 96), fill=(240, 200, 180))
        draw.rectangle((0, 100, 128, 128), fill=(200, 40, 90))
        image.save(path)
        return path

    original = influencer(tmp_path / "wanghong.png", 30)
    retouched = influencer(tmp_path / "copy.jpg", 45)  # re-encoded, a little brighter
    result = runner.invoke(app, ["screen", "avatars", "add", str(original), "--db", db_url])
    assert result.exit_code == 0, result.output
    with reading(engine) as session:
        screener: Screener = screener_for(session, None)
    near = phash_of_image(retouched)
    verdict = screener.screen(JoinRequest(id="x", name="小美", avatar=near))
    assert (verdict.verdict, verdict.reasons[0].rule) == ("reject", "avatar.blocklist")
    bad = runner.invoke(app, ["screen", "avatars", "add", "no-such.png", "--db", db_url])
    assert bad.exit_code == 2 and "既不是" in "".join(bad.stderr.split())
