"""`mentorbot serve` as an operator runs it: configuration from the environment, /healthz answering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fake_slack import BOT_TOKEN

MENTORBOT = str(Path(sys.executable).with_name("mentorbot"))


def environment(**env: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MENTORBOT_", "DATABASE_URL", "SLACK_", "PORT"))
    }
    return {**clean, **env}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_serving(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], int]:
    """`mentorbot serve` on a free port, once /healthz answers."""
    port = free_port()
    env = environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET="s3cret",
        SLACK_API_URL="http://127.0.0.1:9/api/",
        PORT=str(port),
    )
    process = subprocess.Popen(
        [MENTORBOT, "serve", "--host", "127.0.0.1", *options],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60  # a cold start on a busy 2-core machine takes 15 s
    while True:
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except httpx.TransportError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "mentorbot serve did not start"
            time.sleep(0.2)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    return process, port


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux: /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_serve_answers_healthz(tmp_path: Path) -> None:
    process, port = start_serving(tmp_path)
    try:
        unsigned = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=b"command=/mentor", timeout=5)
        assert unsigned.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_with_two_web_processes_answers_from_both_and_stops_them(tmp_path: Path) -> None:
    process, port = start_serving(tmp_path, "--workers", "2")
    try:
        workers = [pid for pid in children(process.pid) if "spawn_main" in _command_line(pid)]
        assert len(workers) == 2
        answers = [httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(20)]
        assert answers == [200] * 20
        unsigned = httpx.post(f"http://127.0.0.1:{port}/slack/events", content=b"command=/mentor", timeout=5)
        assert unsigned.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
    # The web processes end with it (gone, or only waiting to be reaped).
    deadline = time.monotonic() + 10
    while any(_state(pid) not in ("gone", "Z") for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [_state(pid) in ("gone", "Z") for pid in workers] == [True, True]


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def test_a_wrong_slack_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    cases = {
        "SLACK_BOT_TOKEN": environment(SLACK_BOT_TOKEN="xoxp-user-token", SLACK_SIGNING_SECRET="s"),
        "SLACK_SIGNING_SECRET": environment(SLACK_BOT_TOKEN=BOT_TOKEN),
        "SLACK_API_URL": environment(
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s", SLACK_API_URL="slack"
        ),
        "PORT": environment(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET="s", PORT="http"),
        "SLACK_APP_TOKEN": environment(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN="xoxb-not-an-app-token"),
    }
    for variable, env in cases.items():
        result = subprocess.run(
            [MENTORBOT, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, (variable, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and variable in lines[0], (variable, result.stderr)
    result = subprocess.run(
        [MENTORBOT, "socket"],
        cwd=tmp_path,
        env=environment(SLACK_BOT_TOKEN=BOT_TOKEN),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr


def test_socket_mode_app_needs_no_signing_secret(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.runtime import build_notifier
    from bot.slack.app import build_app
    from bot.slack.deps import Deps
    from handlers.actors import SchoolDefaults
    from handlers.dispatch import Core
    from models.db import Database

    settings = Settings(_env_file=None, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN="xapp-1-test")
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        core = Core(db, SchoolDefaults(), build_notifier(settings, db, sys.stdout))
        app = build_app(settings, Deps(core), socket_mode=True)
        assert app.client.token == BOT_TOKEN
    finally:
        db.dispose()
