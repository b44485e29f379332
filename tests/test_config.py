import tomllib

import pytest

from huunghi.config import ConfigError, load_config, parse_config
from huunghi.monitor.starter import STARTER


def test_starter_config_lists_the_real_portals_unverified(tmp_path):
    path = tmp_path / "huunghi.toml"
    path.write_text(STARTER, encoding="utf-8")
    cfg = load_config(path)
    assert cfg.problems == []
    names = [s.name for s in cfg.sources]
    assert {"thoidai", "vufo", "baoquocte", "baothanhhoa", "vietnamplus"} <= set(names)
    assert not any(s.verified for s in cfg.sources)
    assert cfg.database_url == f"sqlite:///{tmp_path / 'huunghi.sqlite'}"  # relative to the file
    thoidai = cfg.source("thoidai")
    assert thoidai.matches("https://thoidai.com.vn/lien-hiep-thanh-hoa-dong-nai-218974.html")
    assert thoidai.matches("https://tacnghiep.thoidai.com.vn/lien-hiep-thanh-hoa-dong-nai-218974.html")
    assert not thoidai.matches("https://thoidai.com.vn/huu-nghi")


def test_a_bad_source_is_skipped_and_reported_not_fatal():
    data = {
        "sources": [
            {"name": "ok", "feeds": ["http://x/rss"]},
            {"name": "nofeeds"},
            {"name": "badre", "listings": ["http://x/"], "article_pattern": "(["},
            {"name": "typo", "feeds": ["http://x/rss"], "feedz": []},
            {"name": "ok", "feeds": ["http://y/rss"]},
        ]
    }
    cfg = parse_config(data, environ={})
    assert [s.name for s in cfg.sources] == ["ok"]
    assert len(cfg.problems) == 4
    joined = "\n".join(cfg.problems)
    assert "at least one of feeds" in joined and "regular expression" in joined
    assert "feedz" in joined and "defined twice" in joined


def test_environment_overrides_the_database_url():
    cfg = parse_config(
        {"archive": {"url": "sqlite:////tmp/x.sqlite"}},
        environ={"HUUNGHI_DATABASE_URL": "postgresql://u@db/huunghi"},
    )
    assert cfg.database_url == "postgresql://u@db/huunghi"


def test_unreadable_files_and_wrong_types_give_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[archive\nurl=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match=r"download_delay: expected float"):
        parse_config({"crawler": {"download_delay": "fast"}}, environ={})
    with pytest.raises(ConfigError, match="unknown key"):
        parse_config({"crawlr": {}}, environ={})
    assert tomllib.loads(STARTER)  # the starter itself is valid TOML
