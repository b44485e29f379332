"""One resolution of the archive's URL: a crawl's visit plan and its store pipeline use the
same database, and the crawl opens one Archive for all its parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from huunghi.config import ENV_DATABASE, parse_config, resolve_database_url
from huunghi.crawler import database
from huunghi.crawler import settings as default_settings
from huunghi.crawler.middlewares import ConditionalGetMiddleware
from huunghi.crawler.pipelines import ArchivePipeline
from huunghi.crawler.spiders.portal import PortalSpider
from huunghi.storage.archive import Archive, ArticleRecord

TOML = """
[archive]
url = "{url}"

[[sources]]
name = "tinh"
homepage = "http://tinh.test/"
listings = ["http://tinh.test/tin-tuc"]
"""


@pytest.fixture(autouse=True)
def _fresh_shared() -> None:
    database.close_shared()
    yield
    database.close_shared()


def _crawler(config_path: Path, cmdline: dict[str, str] | None = None) -> Crawler:
    """A crawler as ``scrapy crawl portal -a source=tinh -a config=...`` builds it (no reactor)."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.setdict(cmdline or {}, priority="cmdline")
    crawler = Crawler(PortalSpider, settings)
    crawler.spider = crawler._create_spider(source="tinh", config=str(config_path))
    return crawler


def _seed(url: str) -> str:
    """An archive at ``url`` that knows one article of "tinh"; returns its identity."""
    with Archive(url) as archive:
        sid = archive.crawls.ensure_source("tinh", "Tỉnh", "http://tinh.test/")
        rec = ArticleRecord(
            url="http://tinh.test/tin-tuc/giao-luu-1.html",
            title="Giao lưu hữu nghị",
            body_text="Nội dung bài viết về giao lưu hữu nghị.",
        )
        archive.articles.store(sid, rec)
        return rec.identity()


def _runs(url: str) -> int:
    with Archive(url) as archive:
        return len(archive.crawls.runs())


def test_the_visit_plan_and_the_store_pipeline_use_the_environments_database(
    tmp_path, archive_url, monkeypatch
):
    in_file = f"sqlite:///{tmp_path / 'from-toml.sqlite'}"
    config_path = tmp_path / "huunghi.toml"
    config_path.write_text(TOML.format(url=in_file), encoding="utf-8")
    monkeypatch.setenv(ENV_DATABASE, archive_url)
    known = _seed(archive_url)
    _seed(in_file)  # the file's archive exists too, so a wrong choice would not fail loudly

    crawler = _crawler(config_path)
    spider = crawler.spider
    spider._plan_visits()
    pipeline = ArchivePipeline(crawler)
    pipeline.open_spider()
    middleware = ConditionalGetMiddleware(crawler)

    assert known in spider.known
    assert pipeline.archive is database.archive_of(crawler) is middleware.archive()
    assert pipeline.archive.url == archive_url
    assert (_runs(archive_url), _runs(in_file)) == (1, 0)  # the run was opened where the plan was read


def test_a_command_line_setting_wins_for_every_part_of_the_crawl(tmp_path, monkeypatch):
    chosen, from_env = (f"sqlite:///{tmp_path / name}.sqlite" for name in ("chosen", "env"))
    config_path = tmp_path / "huunghi.toml"
    config_path.write_text(TOML.format(url=f"sqlite:///{tmp_path / 'toml.sqlite'}"), encoding="utf-8")
    monkeypatch.setenv(ENV_DATABASE, from_env)
    known = _seed(chosen)
    crawler = _crawler(config_path, {"HUUNGHI_DATABASE_URL": chosen})
    crawler.spider._plan_visits()
    pipeline = ArchivePipeline(crawler)
    pipeline.open_spider()
    assert known in crawler.spider.known
    assert pipeline.archive is not None and pipeline.archive.url == chosen
    assert (_runs(chosen), _runs(from_env)) == (1, 0)


def test_one_order_everywhere():
    env = {ENV_DATABASE: "sqlite:////srv/env.sqlite"}
    assert resolve_database_url("sqlite:////x.sqlite", "sqlite:////toml.sqlite", env) == "sqlite:////x.sqlite"
    assert resolve_database_url(None, "sqlite:////toml.sqlite", env) == "sqlite:////srv/env.sqlite"
    assert resolve_database_url(None, "sqlite:////toml.sqlite", {}) == "sqlite:////toml.sqlite"
    toml = {"archive": {"url": "sqlite:////toml.sqlite"}}
    assert parse_config(toml, environ=env).database_url == "sqlite:////srv/env.sqlite"
    assert parse_config(toml, environ={}).database_url == "sqlite:////toml.sqlite"
