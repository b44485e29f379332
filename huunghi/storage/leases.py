"""Who runs a crawl, and whether it still does: the lease of a crawl run.

A run "running" is live while its process beats (``BEAT_S``) and, on this host, while its pid
exists; past ``LEASE_S`` without a beat, or with its process gone, it is stale and any command
that opens the archive closes it as "interrupted". A restarted daemon therefore never closes
a crawl that is still at work (a manual ``huunghi crawl``, a crawl on another machine), and
no source is crawled twice at once.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

BEAT_S = 20.0  # how often a crawl says it is alive
LEASE_S = 120.0  # how long a run stays live without a beat (six beats missed)


def me() -> str:
    """This process as a run's owner: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    try:  # a zombie (exited, not yet reaped by its parent) is gone for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def stale(owner: str, beat: datetime | None, started: datetime, now: datetime) -> bool:
    """Whether a run "running" has no live process behind it any more."""
    last = beat or started
    if now - last > timedelta(seconds=LEASE_S):
        return True
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    return False


def describe(owner: str) -> str:
    host, _, pid = owner.rpartition(":")
    return f"pid {pid} trên máy {host}" if host else "một tiến trình khác"
