"""The JSON of the CLI and of the web API, guarded: its shape (keys and types) and its bytes, with
the moment of the run taken out, against golden files recorded from the code before a refactor.

HUUNGHI_RECORD_GOLDEN=1 re-records them: do that only for a change of shape that is meant, and
say so in the commit."""

from __future__ import annotations

import json
import os

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from huunghi.cli import app
from huunghi.config import load_config
from huunghi.web.app import create_app
from tests.fixtures.jsonshapes import GOLDEN, build_archive, normalise, shape

RECORD = os.environ.get("HUUNGHI_RECORD_GOLDEN") == "1"

# name -> CLI arguments (after --config); each prints JSON on stdout
CLI = {
    "articles": ["articles", "--json", "-n", "50"],
    "articles_source": ["articles", "--json", "--source", "crafted"],
    "runs": ["runs", "--json"],
    "status": ["status", "--json"],
    "sources": ["sources", "--json"],
    "search": ["search", "Thanh Hoá", "--json", "-n", "50"],
    "search_by_date": ["search", "hữu nghị", "--json", "--by-date", "-n", "5"],
    "show": ["show", "{seed}", "--json"],
    "events": ["events", "--json", "-n", "100"],
    "stats": ["stats", "--days", "3", "--json"],
    "templates": ["templates", "--json"],
    "reextract": ["reextract", "--json"],
    "subscriptions": ["subscriptions", "--json"],
    "alerts_send": ["alerts", "send", "--json"],
    "alerts_list": ["alerts", "list", "--json"],
    "digest_send": ["digest", "send", "--json"],
    "digest_list": ["digest", "list", "--json"],
}
WEB = {
    "api_search": "/api/search?q=Thanh%20Ho%C3%A1&limit=50",
    "api_search_bad": "/api/search?q=(thanh",
    "api_article": "/api/articles/{seed}",
    "api_article_missing": "/api/articles/99999",
    "api_stats": "/api/stats?days=3",
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Every endpoint's and command's output on one fixed archive, in this order (alerts and digests
    are sent before they are listed)."""
    work = tmp_path_factory.mktemp("shapes")
    config, seed_id = build_archive(work)
    seed = str(seed_id)
    out: dict[str, str] = {}
    with TestClient(create_app(load_config(config))) as client:
        for name, path in WEB.items():
            response = client.get(path.replace("{seed}", seed))
            out[name] = f"{response.status_code}\n{response.text}"
    runner = CliRunner()
    for name, args in CLI.items():  # reextract changes articles: it comes after the searches
        args = [a.replace("{seed}", seed) for a in args]
        result = runner.invoke(app, ["--config", str(config), *args], env={"COLUMNS": "160"})
        assert result.exit_code == 0, (name, result.output, result.exception)
        out[name] = result.stdout
    return out


def _check(name: str, text: str) -> None:
    body = text.split("\n", 1)[1] if name in WEB else text
    shaped = json.dumps(shape(json.loads(body)), indent=1, ensure_ascii=False) + "\n"
    normal = normalise(text)
    shape_file, bytes_file = GOLDEN / f"{name}.shape.json", GOLDEN / f"{name}.txt"
    if RECORD:
        shape_file.write_text(shaped, encoding="utf-8")
        bytes_file.write_text(normal, encoding="utf-8")
    assert shape_file.exists(), f"no golden file for {name}: record with HUUNGHI_RECORD_GOLDEN=1"
    assert shaped == shape_file.read_text(encoding="utf-8"), f"{name}: the JSON's shape changed"
    assert normal == bytes_file.read_text(encoding="utf-8"), f"{name}: the JSON's bytes changed"


@pytest.mark.parametrize("name", [*CLI, *WEB])
def test_json_keeps_its_shape_and_bytes(outputs: dict[str, str], name: str) -> None:
    _check(name, outputs[name])


def test_the_guard_sees_a_renamed_key_and_a_changed_type(outputs: dict[str, str]) -> None:
    rows = json.loads(outputs["articles"])
    renamed = [{("headline" if k == "title" else k): v for k, v in r.items()} for r in rows]
    retyped = [{**r, "id": str(r["id"])} for r in rows]
    golden = (GOLDEN / "articles.shape.json").read_text(encoding="utf-8")
    for changed in (renamed, retyped):
        assert json.dumps(shape(changed), indent=1, ensure_ascii=False) + "\n" != golden
    assert json.dumps(shape(rows), indent=1, ensure_ascii=False) + "\n" == golden


def test_the_web_api_and_the_cli_give_the_same_search(outputs: dict[str, str]) -> None:
    cli = json.loads(outputs["search"])
    web = json.loads(outputs["api_search"].split("\n", 1)[1])
    for result in (cli, web):
        result.pop("took_ms", None)
    assert cli == web


EXPORT_COLUMNS = (  # `huunghi export --format csv`: spreadsheets rely on this order; append only
    "id source url title lead body_text published_at updated_at author credit section language "
    "versions first_seen last_seen story_id removed_at tags"
).split()


def test_export_columns_are_the_records_fields_in_a_stable_order():
    import dataclasses

    from huunghi.monitor.exporting import CSV_FIELDS
    from huunghi.storage.records import READING_FIELDS, ArticleSummary

    assert CSV_FIELDS[: len(EXPORT_COLUMNS)] == EXPORT_COLUMNS  # what was there stays, in place
    summary = {f.name for f in dataclasses.fields(ArticleSummary)}
    assert set(CSV_FIELDS) - {"tags"} <= summary  # every column is a field the records define
    left_out = summary - set(CSV_FIELDS)
    assert left_out == {"images", *READING_FIELDS}  # a list, and how the article was read
