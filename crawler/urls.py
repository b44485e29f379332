"""Canonical URLs: one spelling per page, so a re-crawl or a tracking link is not a new article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING = {"fbclid", "gclid", "zarsrc", "zaloid", "_ga", "mc_cid", "mc_eid", "cmpid", "ref"}


def canonical_url(url: str, rel_canonical: str | None = None) -> str:
    """Lower-case scheme and host, no default port, fragment or tracking parameters.

    ``rel_canonical`` wins when it points to the same site (a canonical on another host is
    often a syndication partner's, and trusting it would merge two portals' articles).
    """
    if rel_canonical:
        candidate = urljoin(url, rel_canonical.strip())
        if _site(candidate) == _site(url):
            url = candidate
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
