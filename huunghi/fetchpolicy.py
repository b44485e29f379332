"""What Huunghi may fetch, store or link to: one rule for the crawl, the probe and the webhooks.

Pages written by strangers name the next URLs we read (sitemap children, feed items, links,
canonicals, redirects). Without a rule a remote sitemap could make us read ``file:///etc/…``
or an address on our own network. Only http(s) is fetched; loopback, private, link-local and
other non-public addresses only where a source (or ``[crawler] allow_private``) says so:
the local replicas and the tests do.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import zlib
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit

SCHEMES = ("http", "https")
MAX_URL_CHARS = 2048  # longer "URLs" are not addresses anyone links to; they only feed regexes


class Refused(ValueError):
    """A URL the fetch policy does not allow; the message says why (Vietnamese first)."""


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, including the odd IPv4 spellings (2130706433, 0x7f.1)."""
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        try:
            addr = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _private(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not addr.is_global or addr.is_multicast


@lru_cache(maxsize=4096)
def _resolved_private(host: str) -> bool:
    """Whether a name resolves to a non-public address (a name that does not resolve: no)."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    for info in infos:
        addr = _literal_ip(str(info[4][0]).split("%")[0])
        if addr is not None and _private(addr):
            return True
    return False


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # control characters


def refusal(url: str, allow_private: bool = False, resolve: bool = False) -> str | None:
    """Why ``url`` may not be fetched or stored, or None when it may.

    ``resolve``: also look the host name up (the fetchers do; parsing code only checks the text).
    """
    if not isinstance(url, str) or not url.strip():
        return "địa chỉ trống (empty URL)"
    if len(url) > MAX_URL_CHARS:
        return f"địa chỉ dài quá {MAX_URL_CHARS} ký tự (URL too long)"
    if _CONTROL.search(url):
        return "địa chỉ chứa ký tự điều khiển (control characters in URL)"
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".").lower()
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"địa chỉ không đọc được (unreadable URL: {exc})"
    if parts.scheme.lower() not in SCHEMES:
        return f"chỉ http(s) được phép, không phải {parts.scheme or '?'}: (only http/https)"
    if not host:
        return "địa chỉ không có tên máy (no host)"
    if allow_private:
        return None
    if host == "localhost" or host.endswith(".localhost"):
        return f"{host}: địa chỉ nội bộ (loopback; set allow_private = true to allow)"
    addr = _literal_ip(host)
    if addr is not None:
        if _private(addr):
            return f"{host}: địa chỉ nội bộ/riêng (private or loopback address; set allow_private = true)"
        return None
    if resolve and _resolved_private(host):
        return f"{host}: trỏ tới địa chỉ nội bộ (resolves to a private address; set allow_private = true)"
    return None


def allowed(url: str, allow_private: bool = False, resolve: bool = False) -> bool:
    return refusal(url, allow_private, resolve) is None


def check(url: str, allow_private: bool = False, resolve: bool = True) -> str:
    """``url`` itself, or ``Refused``: for fetchers that take one URL (probe, webhooks)."""
    reason = refusal(url, allow_private, resolve)
    if reason:
        raise Refused(f"{url[:200]!r}: {reason}")
    return url


def safe_link(url: str | None) -> str:
    """A URL fit to render as a link (http/https, no control characters), else ''."""
    if not url or refusal(url, allow_private=True) is not None:
        return ""
    return url


class TooLarge(ValueError):
    """A body that inflates past its bound (a gzip bomb, or just too much)."""


def bounded_gunzip(data: bytes, limit: int) -> bytes:
    """Inflate gzip ``data`` without ever holding more than ``limit`` bytes of output."""
    return b"".join(gunzip_chunks(data, limit))


def gunzip_chunks(data: bytes, limit: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Inflate gzip ``data`` a chunk at a time (a parser reads it as it comes, so the inflated
    whole is never held); ``TooLarge`` as soon as the output passes ``limit`` bytes."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    total = 0
    pending = data
    while not inflater.eof:
        out = inflater.decompress(pending, chunk)
        pending = inflater.unconsumed_tail
        total += len(out)
        if total > limit:
            raise TooLarge(f"nén gzip nở quá {limit // (1024 * 1024)} MB (inflates past the limit)")
        if out:
            yield out
        elif not pending:
            break  # truncated input: what came out is all there is
