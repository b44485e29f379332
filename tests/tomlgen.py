"""huunghi.toml files for tests: the replicas' sources (optionally amended) plus extra tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FAST_CRAWLER = ("[crawler]\ndownload_delay = 0.0\nautothrottle = false\nconcurrent_per_host = 8\nretries = {retries}\n"
                'timeout = {timeout}\ncontact = "mailto:tests@localhost"\nrevisit_after = {revisits}\n')
# Tests crawl the same replicas again and again to see corrections and removals: every crawl
# revisits every known article (a real schedule spreads them over days; tests/test_daemon.py
# checks that one).
ALWAYS = [0] * 100


def replica_config(path: Path, replicas: Any, database_url: str, names: list[str] | None = None,
                   amend: dict[str, dict[str, object]] | None = None, extra: str = "", retries: int = 1,
                   revisits: list[int] | None = None, timeout: float = 5.0) -> Path:
    """Write a configuration crawling the named replica portals (all by default) into ``database_url``."""
    lines = [f"[archive]\nurl = {json.dumps(database_url)}\n", FAST_CRAWLER.format(retries=retries, timeout=timeout,
                                         revisits=json.dumps(ALWAYS if revisits is None else revisits)), extra]
    for src in replicas.source_definitions():
        if names is not None and src["name"] not in names:
            continue
        src = {**src, **(amend or {}).get(str(src["name"]), {})}
        lines.append("[[sources]]")
        lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in src.items()]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
