"""`huunghi daemon`: keeps the archive current by itself, for weeks, without attention.

APScheduler 3 with its job store in the archive's own database, so a restart (or a second
machine on PostgreSQL) finds the same jobs instead of adding new ones. Each source is one job
on its own interval with jitter; a job never runs twice at once (max_instances=1); runs missed
while the daemon was down are coalesced into one. Each crawl runs in its own process (the
Twisted reactor cannot be restarted) with a time limit, so a source that hangs or answers 500
all day costs its own job only. Alerts and digests are jobs too.

One scheduler at a time (``storage.locks``): a daemon schedules only while it holds the archive's
scheduler lock. On PostgreSQL a second daemon stands by, tries the lock once a tick and takes over
within a tick of the leader's death; a leader that loses its lock stops scheduling and stands by
again. On SQLite a second daemon refuses to start and names the first.

SIGTERM or SIGINT: no new job starts, running crawls get SIGTERM (Scrapy closes the spider, the
pipelines finish the run) and are killed after stop_grace_seconds; then the daemon exits.
Every article is stored in its own transaction, so a stop never leaves one half-written.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING, STATE_STOPPED

from huunghi.clock import HANOI
from huunghi.config import Config, ConfigWatcher, load_config
from huunghi.crawler import runner
from huunghi.crawler.runner import crawl_in_subprocess, stop_all
from huunghi.storage.archive import Archive
from huunghi.storage.db import make_engine
from huunghi.storage.locks import Leadership, describe

log = logging.getLogger("huunghi.daemon")
JOB_TABLE = "scheduler_jobs"
QUEUE = "huunghi.monitor.queue"  # executor "queue": the jobs that defer work to `huunghi worker`s
TICK_S = 1.0  # the daemon's tick: configuration re-read, the lead checked (or tried, standing by)


def jobstore(config: Config) -> SQLAlchemyJobStore:
    return SQLAlchemyJobStore(engine=make_engine(config.database_url), tablename=JOB_TABLE)


class Scheduler(BackgroundScheduler):
    """APScheduler 3's background scheduler, submitting jobs only while it is running.

    Its thread checks for "paused" only: the shutdown that ends a stop wakes it, and it then
    submitted every job that fell due during the stop to the executor just shut down, one
    ERROR with a traceback each ("cannot schedule new futures after shutdown"). Jobs due
    during a stop stay due; the next start runs them (coalesced).
    """

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        wait: float | None = super()._process_jobs()
        return wait


def time_limit(config: Config) -> int:
    """The time limit of a scheduled crawl: the crawl's own deadline, within the daemon's bound."""
    return min(config.crawler.crawl_deadline_seconds, config.daemon.crawl_timeout_seconds)


# -- jobs (module-level functions: the job store keeps them by reference) --------------------
def crawl_job(config_path: str, source: str) -> int:
    config = load_config(config_path)
    limit = time_limit(config)
    # the crawl stops itself at its limit (its run: "timed_out"); a crawl that has not closed
    # itself well after that (a hung process) is stopped from here
    hard = limit + config.daemon.stop_grace_seconds + runner.START_ALLOWANCE_S
    code = crawl_in_subprocess(config_path, [source], timeout=hard, time_limit=limit)
    if runner.STOPPING.is_set():
        if code:
            log.info(
                "lượt thu thập %s dừng cùng daemon (crawl stopped with the daemon, exit %s)", source, code
            )
    elif code == -9:
        log.warning(
            "lượt thu thập %s vẫn chạy %d giây sau giới hạn thời gian nên đã bị dừng hẳn (killed)",
            source,
            hard - limit,
        )
    elif code:
        log.warning("lượt thu thập %s kết thúc với mã %s (crawl exited with %s)", source, code, code)
    # One crawl of a source at a time (max_instances=1): once its process is gone, a run of this
    # source still "running" is one that process could not finish (stopped, killed, crashed).
    with Archive(config.database_url) as archive:
        if archive.crawls.interrupt_stale_runs(source):
            log.warning(
                "lượt thu thập %s kết thúc mà chưa xong (exit %s): ghi là bị ngắt (marked interrupted)",
                source,
                code,
            )
    return code


def alerts_job(config_path: str) -> None:
    from huunghi.monitor.alerts import plan, send_due

    config = load_config(config_path)
    if not config.subscriptions:
        return
    with Archive(config.database_url) as archive:
        plan(archive, config)
        report = send_due(archive, config)
    for line in report.errors:
        log.warning("cảnh báo (alert): %s", line)


def digests_job(config_path: str) -> None:
    from huunghi.monitor.digests import send_due

    config = load_config(config_path)
    if not config.digests:
        return
    with Archive(config.database_url) as archive:
        report = send_due(archive, config)
    for line in report.errors:
        log.warning("bản tin (digest): %s", line)


def log_in_hanoi_time(level: int) -> None:
    """The daemon's log in the desk's time (Asia/Ho_Chi_Minh, GMT+7), not the server's UTC."""
    handler = logging.StreamHandler()
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    formatter.formatTime = lambda record, datefmt=None: (  # type: ignore[method-assign]
        datetime.fromtimestamp(record.created, HANOI).strftime("%d/%m/%Y %H:%M:%S")
    )
    handler.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("huunghi.daemon").setLevel(logging.INFO)


class Daemon:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path.resolve()
        self.config = load_config(self.config_path)
        self.watcher = ConfigWatcher(self.config_path, self.config)
        self.stopping = threading.Event()
        self.leadership = Leadership(self.config.database_url)
        self._seen_leader: str | None = None  # the leader a standby last reported
        self.scheduling = False  # leading, its jobs planned and the scheduler running
        self.scheduler = Scheduler(
            jobstores={"default": jobstore(self.config)},
            executors={"default": ThreadPoolExecutor(max_workers=max(4, len(self.config.sources) + 2))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=UTC,
        )

    def plan_jobs(self) -> list[str]:
        """Add or update one job per enabled source, plus alerts and digests; drop stale jobs."""
        cfg, path = self.config, str(self.config_path)
        # executor "queue": the same schedule, but each job only hands its work to the workers
        # (huunghi.monitor.queue; named by reference, so the local daemon never imports procrastinate)
        queued = cfg.daemon.executor == "queue"
        crawl: Any = f"{QUEUE}:defer_crawl" if queued else crawl_job
        wanted: dict[str, dict[str, Any]] = {}
        for src in cfg.enabled_sources():
            wanted[f"crawl:{src.name}"] = dict(
                func=crawl,
                args=[path, src.name],
                trigger="interval",
                seconds=src.interval_seconds or cfg.daemon.interval_seconds,
                jitter=cfg.daemon.jitter_seconds or None,
            )
        wanted["alerts"] = dict(
            func=f"{QUEUE}:defer_alerts" if queued else alerts_job,
            args=[path],
            trigger="interval",
            seconds=cfg.daemon.alerts_every_seconds,
        )
        wanted["digests"] = dict(
            func=f"{QUEUE}:defer_digests" if queued else digests_job,
            args=[path],
            trigger="interval",
            seconds=cfg.daemon.digests_every_seconds,
        )
        if queued:  # jobs of a worker that died go back to the queue; finished ones are forgotten
            from huunghi.monitor.queue import STALLED_CHECK_S

            wanted["stalled"] = dict(
                func=f"{QUEUE}:retry_stalled", args=[path], trigger="interval", seconds=STALLED_CHECK_S
            )
            wanted["forget"] = dict(func=f"{QUEUE}:forget_old_jobs", args=[path], trigger="interval", hours=1)
        existing = {job.id: job for job in self.scheduler.get_jobs()}
        for job_id in set(existing) - set(wanted):
            self.scheduler.remove_job(job_id)
        now = datetime.now(UTC)
        for job_id, spec in wanted.items():
            # a new job runs at once; a known one keeps its schedule (replace_existing keeps the id unique)
            first = existing[job_id].next_run_time if job_id in existing else now
            self.scheduler.add_job(id=job_id, name=job_id, replace_existing=True, next_run_time=first, **spec)
        return sorted(wanted)

    def reload(self, plan: bool = True) -> bool:
        """At each tick: a changed huunghi.toml is read again and the jobs follow it (no restart).

        A file that no longer reads is reported and the running configuration kept. ``plan``:
        only the leader writes the jobs; a standby just keeps its configuration current.
        """
        fresh, error = self.watcher.poll()
        if error:
            log.error("không nạp lại cấu hình, giữ cấu hình trước (configuration not reloaded): %s", error)
            return False
        if fresh is None:
            return False
        self.config = fresh
        for problem in fresh.problems:
            log.warning("bỏ qua nguồn (skipped source): %s", problem)
        if not plan:
            return True
        jobs = self.plan_jobs()
        log.info("đã nạp lại cấu hình (configuration reloaded): %d việc: %s", len(jobs), ", ".join(jobs))
        return True

    def stop(self, signum: int | None = None, _frame: Any = None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info(
            "đang dừng (stopping, tín hiệu %s): không bắt đầu việc mới, các lượt đang chạy đang đóng lại",
            signum,
        )

    def _shutdown(self) -> None:
        # the order matters: no job is submitted any more, then the crawls close, then the jobs
        # (now only waiting for their crawls) end, then the executor and the job store
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.pause()
        stop_all(self.config.daemon.stop_grace_seconds)
        if self.scheduler.state != STATE_STOPPED:
            self.scheduler.shutdown(wait=True)
        log.info("đã dừng (stopped)")

    def _lead(self) -> None:
        try:
            self._take_lead()
            self.scheduling = True
        except Exception:  # the archive failed us half-way: let go, so that another may lead
            log.exception("không tiếp quản được lịch (could not take over the schedule)")
            if self.scheduler.state == STATE_RUNNING:
                self.scheduler.pause()
            self.leadership.release()

    def _take_lead(self) -> None:
        """Now the leader: close what a dead leader left running, plan the jobs, schedule."""
        self.reload(plan=False)
        with Archive(self.config.database_url) as archive:
            interrupted = archive.crawls.interrupt_stale_runs()
        if interrupted:
            log.warning(
                "%d lượt thu thập do tiến trình trước bỏ dở ('running') được ghi là bị ngắt "
                "(marked interrupted)",
                interrupted,
            )
        if self.scheduler.state == STATE_STOPPED:  # started at the first lead: a standby touches no job
            self.scheduler.start(paused=True)
        jobs = self.plan_jobs()
        log.info(
            "daemon điều phối lịch với %d việc (this daemon leads, %d jobs): %s",
            len(jobs),
            len(jobs),
            ", ".join(jobs),
        )
        self.scheduler.resume()

    def tick(self) -> None:
        """Once a tick: the leader checks it still leads (and follows the configuration); a
        standby tries to take the lead."""
        if self.leadership.holds():
            if self.scheduling:
                self.reload()
            else:
                self._lead()
            return
        if self.scheduling:
            self.scheduling = False
            if self.scheduler.state == STATE_RUNNING:
                self.scheduler.pause()
            log.error(
                "mất khoá điều phối: ngừng lập lịch, chuyển sang dự phòng "
                "(lost the scheduler lock: scheduling paused, standing by)"
            )
            self._seen_leader = None
        if self.leadership.try_lead():
            self._lead()
            return
        self.reload(plan=False)
        try:
            who = self.leadership.leader()
        except Exception:  # the database is away: try_lead said so already
            who = None
        if who != self._seen_leader:
            self._seen_leader = who
            log.info(
                "đang chờ (dự phòng): %s đang điều phối lịch; sẽ tiếp quản khi nó dừng "
                "(standing by: another daemon leads; taking over when it stops)",
                describe(who),
            )

    def run(self) -> None:
        """Schedule while leading, stand by otherwise, until SIGTERM or SIGINT. On SQLite a second
        daemon raises ``AnotherDaemon`` before doing anything."""
        runner.STOPPING.clear()
        if self.leadership.backend == "sqlite":
            self.leadership.claim()
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        try:
            self.tick()
            while not self.stopping.wait(TICK_S):
                self.tick()
            self._shutdown()
        finally:
            self.leadership.release()


def next_runs(config: Config) -> dict[str, datetime | None]:
    """job id → next run time, read from the job store (for `huunghi status`)."""
    try:
        store = jobstore(config)
        store.start(None, "default")  # type: ignore[arg-type]
        return {job.id: job.next_run_time for job in store.get_all_jobs()}
    except Exception:  # no daemon ever ran: no table yet
        return {}
