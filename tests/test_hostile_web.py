"""Hostile requests to the web page and API: every bad parameter is a 4xx with the CSP, never a 5xx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from huunghi.config import parse_config
from huunghi.storage.archive import Archive
from huunghi.storage.reads import Reads
from huunghi.web.app import CSP, create_app
from tests.fixtures.hostile import NASTY, PARAMS
from tests.fixtures.searchdata import fill

FIGURES: dict[str, int] = {"requests": 0, "5xx": 0}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'w.sqlite'}"
    with Archive(url) as archive:
        fill(archive)
    config = parse_config({"archive": {"url": url}})
    with TestClient(create_app(config), raise_server_exceptions=False) as c:
        yield c
    out = Path(__file__).parent / "reliability" / "figures"
    out.mkdir(exist_ok=True)
    (out / "web.json").write_text(json.dumps(FIGURES), encoding="utf-8")


def get(client: TestClient, path: str, **params):
    response = client.get(path, params=params)
    FIGURES["requests"] += 1
    FIGURES["5xx"] += response.status_code >= 500
    assert response.status_code < 500, (path, params, response.status_code, response.text[:300])
    assert response.headers.get("Content-Security-Policy") == CSP
    return response


@pytest.mark.parametrize("q", NASTY)
def test_nasty_queries_are_4xx_or_answers(client, q):
    get(client, "/api/search", q=q)
    get(client, "/", q=q)


@pytest.mark.parametrize(
    "params",
    [
        {"to": "9999-12-31"},
        {"from": "9999-12-31"},
        {"from": "0001-01-01"},
        {"changed": "9999-12-31T23:59:59"},
        {"offset": str(10**30)},
        {"offset": "-1"},
        {"limit": "0"},
        {"limit": "1e9"},
        {"story": str(2**63)},
        {"story": "9" * 5000},
        {"page": "9" * 5000},
        {"page": str(10**30)},
        {"order": "x" * 10000},
        {"tag": ":"},
        {"source": "\x00"},
    ],
)
def test_bad_filters_are_4xx(client, params):
    for path in ("/api/search", "/"):
        r = get(client, path, q="hữu nghị", **params)
        ignored = {"offset", "limit"} if path == "/" else {"page"}  # the page pages by page=, the API not
        if not ignored & set(params):
            assert r.status_code == 400, (path, params, r.status_code)


@pytest.mark.parametrize("article_id", [str(2**63), "9" * 5000, "0", str(2**64 + 1)])
def test_huge_article_ids_are_404(client, article_id):
    assert get(client, f"/articles/{article_id}").status_code == 404
    assert get(client, f"/api/articles/{article_id}").status_code == 404


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(["/", "/api/search", "/api/stats", "/topics/friendship-union.atom"]), params=PARAMS
)
def test_fuzzed_parameters_never_give_a_5xx(client, path, params):
    get(client, path, **params)


def test_a_server_error_page_carries_the_csp_and_no_traceback(client, monkeypatch):
    def broken(self, days):  # a bug anywhere below the web layer
        raise RuntimeError("secret internals")

    monkeypatch.setattr(Reads, "activity", broken)
    r = client.get("/api/stats")
    assert r.status_code == 500
    assert r.headers.get("Content-Security-Policy") == CSP
    assert "secret internals" not in r.text and "Traceback" not in r.text
