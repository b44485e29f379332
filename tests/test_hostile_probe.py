"""`sources add` (the probe) against hostile servers: the fetch policy, a size bound, a deadline."""

from __future__ import annotations

import threading

import pytest

from huunghi.crawler.discovery import probe as probing
from huunghi.fetchpolicy import Refused, TooLarge
from tests.fixtures.hostile import HostilePortal


@pytest.fixture(scope="module")
def portal():
    with HostilePortal(links=10, feed_items=1) as p:
        yield p


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://169.254.169.254/", "ftp://127.0.0.1/"])
def test_the_probe_refuses_what_the_policy_refuses(url):
    with pytest.raises(Refused):
        probing.probe(url)


def test_a_private_address_needs_allow_private(portal):
    with pytest.raises(Refused):
        probing.probe(portal.base + "/many.html")
    assert probing.probe(portal.base + "/many.html", allow_private=True).homepage.startswith(portal.base)


def test_a_huge_page_is_not_read_whole(portal):
    with pytest.raises(TooLarge):
        probing.probe(portal.base + "/huge.html", allow_private=True)


def test_a_dripping_page_is_cut_off(portal, monkeypatch):
    monkeypatch.setattr(probing, "PROBE_DEADLINE_S", 2.0)
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            probing.probe(portal.base + "/drip-123458.html", allow_private=True)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the probe is still reading a dripping page"
    assert outcome and outcome[0] is not None and "not read within" in str(outcome[0])
