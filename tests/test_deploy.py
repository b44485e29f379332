"""What ships for running Huunghi (compose.yaml, Dockerfile, deploy/*.service|timer) says only
what works: every ``huunghi …`` command it runs exists with those options, the compose file is a
valid one with the services the README names, the units pass ``systemd-analyze verify``, and
the timer's options apply to its kind of timer."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
import yaml

from huunghi.cli import app
from huunghi.config import load_config
from huunghi.storage import db
from tests.fixtures.crawling import huunghi

ROOT = Path(__file__).resolve().parents[1]
UNITS = sorted((ROOT / "deploy").glob("huunghi-*.service")) + sorted((ROOT / "deploy").glob("*.timer"))
COMPOSE = ROOT / "compose.yaml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _huunghi_services() -> dict[str, dict]:
    """The compose services that run the image built here (its entry point is ``huunghi``)."""
    return {name: s for name, s in _compose()["services"].items() if "build" in s}


def _exec_start(unit: Path) -> list[str]:
    return [line.split("=", 1)[1] for line in unit.read_text().splitlines() if line.startswith("ExecStart=")]


def _commands() -> list[tuple[str, list[str]]]:
    """(where, arguments after ``huunghi``) for every command the deploy files run."""
    found = [(f"compose.yaml: {n}", list(s["command"])) for n, s in _huunghi_services().items()]
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    found.append(("Dockerfile CMD", yaml.safe_load(cmd.group(1))))
    for unit in UNITS:
        for line in _exec_start(unit):
            words = shlex.split(line)
            assert Path(words[0]).name == "huunghi", (unit.name, line)
            found.append((unit.name, words[1:]))
    return found


@pytest.mark.parametrize("where,args", _commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_every_command_the_deploy_files_run_exists(where, args):
    # Typer carries its own copy of click (typer._click): a group is what has sub-commands
    command = typer.main.get_command(app)
    rest = list(args)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"{where}: no command `huunghi {' '.join(args)}` ({name})"
        command = command.commands[name]
    if rest and rest[0] == "--help":
        return
    assert not hasattr(command, "commands"), f"{where}: `huunghi {' '.join(args)}` names a group"
    command.make_context("huunghi", rest)  # its options and values parse (a usage error raises)


def test_the_compose_file_has_the_database_a_scheduler_two_workers_and_the_web_page():
    services = _compose()["services"]
    ours = _huunghi_services()
    runs = {n: s["command"][0] for n, s in ours.items()}
    assert sorted(runs.values()) == ["archive", "daemon", "serve", "worker", "worker"]
    assert [s.get("deploy", {}).get("replicas", 1) for s in ours.values() if s["command"][0] == "daemon"] == [
        1
    ]
    assert services["db"]["image"].startswith("postgres:")
    for name, service in ours.items():
        env = service["environment"]
        assert (
            env["HUUNGHI_DATABASE_URL"].startswith("postgresql://")
            and "@db:5432/" in env["HUUNGHI_DATABASE_URL"]
        )
        mounts = [v.split(":") for v in service["volumes"]]
        assert any(target == "/etc/huunghi" and mode == "ro" for _src, target, mode in mounts), name
        assert env["HUUNGHI_CONFIG"] == "/etc/huunghi/huunghi.toml"
        if name != "schema":  # nothing opens the archive before its schema is there
            assert service["depends_on"]["schema"]["condition"] == "service_completed_successfully"


@pytest.mark.skipif(
    not (shutil.which("docker-compose") or shutil.which("docker")), reason="no docker compose"
)
def test_docker_compose_accepts_the_file():
    env = {**os.environ, "HUUNGHI_DB_PASSWORD": "example"}
    for cmd in (["docker", "compose"], ["docker-compose"]):
        if not shutil.which(cmd[0]):
            continue
        done = subprocess.run(
            [*cmd, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env=env
        )
        if cmd == ["docker", "compose"] and "unknown" in done.stderr + done.stdout:
            continue  # the docker CLI without its compose plugin
        assert done.returncode == 0, done.stderr
        # the archive's password is never defaulted: without it, compose refuses
        bare = {k: v for k, v in env.items() if k != "HUUNGHI_DB_PASSWORD"}
        refused = subprocess.run(
            [*cmd, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, env=bare
        )
        assert refused.returncode != 0 and "HUUNGHI_DB_PASSWORD" in refused.stderr
        return
    pytest.skip("neither `docker compose` nor `docker-compose` works here")


def test_the_mounted_configuration_loads(monkeypatch):
    daemon = _huunghi_services()["daemon"]
    mounted = next(v.split(":")[0] for v in daemon["volumes"] if ":/etc/huunghi:" in v)
    path = (ROOT / mounted / "huunghi.toml").resolve()
    monkeypatch.setenv("HUUNGHI_DATABASE_URL", daemon["environment"]["HUUNGHI_DATABASE_URL"])
    cfg = load_config(path)  # with the archive compose gives it: the daemon queues, the workers crawl
    assert cfg.mail.outbox == "/var/lib/huunghi/outbox"
    assert cfg.daemon.executor == "queue"


def test_the_image_runs_the_cli_as_an_unprivileged_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["huunghi"\]$', dockerfile, re.M)
    assert "HUUNGHI_CONFIG=/etc/huunghi/huunghi.toml" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in ignored and "!huunghi/" in ignored  # the build context is the package, not .venv


def test_persistent_is_only_set_on_calendar_timers():
    """systemd.timer(5): Persistent= applies to OnCalendar= only; with OnUnitActiveSec= it does nothing."""
    for timer in (ROOT / "deploy").glob("*.timer"):
        keys = dict(
            line.split("=", 1) for line in timer.read_text().splitlines() if "=" in line and line[0] != "#"
        )
        if keys.get("Persistent", "false").lower() in ("true", "yes", "1", "on"):
            assert "OnCalendar" in keys, timer.name


# the keys these units use, for machines without systemd-analyze (systemd.unit(5), .service(5), .timer(5))
KNOWN_KEYS = {
    "Unit": {"Description", "After", "Wants", "Requires", "Documentation"},
    "Service": {
        "Type", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "ExecStart",
        "KillMode", "KillSignal", "TimeoutStartSec", "TimeoutStopSec", "Restart", "RestartSec", "Nice",
        "NoNewPrivileges",
    },
    "Timer": {"OnCalendar", "OnBootSec", "OnUnitActiveSec", "RandomizedDelaySec", "Persistent", "Unit"},
    "Install": {"WantedBy"},
}  # fmt: skip


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        for unit in UNITS:
            section = ""
            for line in unit.read_text().splitlines():
                if line.startswith("["):
                    section = line.strip("[]")
                    assert section in KNOWN_KEYS, (unit.name, line)
                elif line and line[0] != "#":
                    assert line.split("=", 1)[0] in KNOWN_KEYS[section], (unit.name, line)
        return
    # the units name /srv/huunghi (the README's layout); here it is this checkout's venv
    exe = str(Path(sys.executable).parent / "huunghi")
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/huunghi/.venv/bin/huunghi", exe))
    done = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())], capture_output=True, text=True
    )
    # an unknown key or section is only a warning (exit 0): any output at all is a finding
    assert done.returncode == 0 and not (done.stdout + done.stderr).strip(), done.stdout + done.stderr
    names = {u.name for u in UNITS}
    assert {"huunghi-daemon.service", "huunghi-web.service", "huunghi-worker.service"} <= names


def test_archive_upgrade_makes_the_schema_compose_waits_for(tmp_path):
    (tmp_path / "huunghi.toml").write_text('[archive]\nurl = "sqlite:///a.sqlite"\n', encoding="utf-8")
    done = huunghi("archive", "upgrade", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["revision"] == db.head_revision()
    assert db.current_revision(db.make_engine(f"sqlite:///{tmp_path / 'a.sqlite'}")) == db.head_revision()
