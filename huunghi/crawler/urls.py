"""Canonical URLs and URL identity: one spelling per page, one identity per article.

``canonical_url`` is the address we store and link to. ``url_key`` is what decides "same
article": it also ignores the scheme, ``www.``/``m.``/``amp.`` prefixes, AMP variants and the
source's mirror hosts (``tacnghiep.thoidai.com.vn`` serves ``thoidai.com.vn``'s articles).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from huunghi.fetchpolicy import refusal

TRACKING = {"fbclid", "gclid", "zarsrc", "zaloid", "_ga", "mc_cid", "mc_eid", "cmpid", "ref"}
AMP_PARAMS = {"amp", "outputtype", "_amp", "m"}
_HOST_PREFIX = re.compile(r"^(www\d?|m|amp|mobile)\.")
_AMP_PATH = re.compile(r"(/amp)(?=/|$)|\.amp(?=\.html?$|$)|/amp\.html?$", re.I)


def canonical_url(
    url: str, rel_canonical: str | None = None, aliases: Mapping[str, str] | None = None
) -> str:
    """Lower-case scheme and host, no default port, fragment or tracking parameters; a mirror
    host (``aliases``) is replaced by the source's own.

    ``rel_canonical`` wins when it points to the same site (a canonical on another host is
    often a syndication partner's, and trusting it would merge two portals' articles).
    """
    if rel_canonical:
        candidate = urljoin(url, rel_canonical.strip())
        # a canonical is the page's own claim: only an http(s) address on the same site is believed
        if _site(candidate) == _site(url) and refusal(candidate, allow_private=True) is None:
            url = candidate
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if aliases and _bare_host(host) in aliases:
        host = aliases[_bare_host(host)]
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def host_aliases(homepage: str, mirrors: Iterable[str]) -> dict[str, str]:
    """Mirror host → the source's own host (both without www./m. prefixes)."""
    own = _bare_host(urlsplit(homepage).hostname or "")
    return {_bare_host(m.strip().lower()): own for m in mirrors if m.strip() and own}


def _bare_host(host: str) -> str:
    return _HOST_PREFIX.sub("", host.lower())


def url_key(url: str, aliases: Mapping[str, str] | None = None) -> str:
    """The identity of the article at ``url``: same key, same article.

    No scheme; host without www./m./amp. and mapped through mirror aliases; the port kept
    (local replicas); AMP path and query variants, tracking parameters and fragments dropped.
    """
    parts = urlsplit(url.strip())
    host = _bare_host(parts.hostname or "")
    if aliases:
        host = aliases.get(host, host)
    port = parts.port
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path or "/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING | AMP_PARAMS
    )
    return host + path + ("?" + urlencode(query) if query else "")
