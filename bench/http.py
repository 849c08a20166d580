"""HTTP round trips of signed Slack requests: `mentorbot serve` next to a bare Bolt app that only acks.

Both run the same stack (FastAPI under uvicorn, Bolt's AsyncApp, one process) against a fake Slack
Web API on 127.0.0.1 that answers every call at once. The load generator keeps 1, 16 or 64
connections busy with `/mentor mentees` commands and check-in modal submissions, each signed like
Slack signs them (v0 HMAC-SHA256 of `v0:{timestamp}:{body}`), and times each request until its
response is read. Our app acks first and does the work after, as Slack requires, so the response
time is the ack; the work then competes for the same two cores.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

from bench.cold_start import ROOT
from bench.databases import BENCH_KEY, sqlite_database, use_bench_key
from bench.table import Row, ms
from models.seed import SeedSize, seed

SECRET = "bench-signing-secret"
TEAM = "TBENCH"
CONNECTIONS = (1, 16, 64)

FAKE_SLACK = """
import asyncio, sys
BODY = (b'{"ok":true,"ts":"1700000000.000100","channel":"C1","user_id":"UBOT","bot_id":"BBOT",'
        b'"team_id":"TBENCH","view":{"id":"V1"}}')
RESPONSE = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: %d\\r\\n\\r\\n%s"
            % (len(BODY), BODY))
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.split(b"\\r\\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(RESPONSE)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await server.serve_forever()
asyncio.run(main())
"""

BARE = """
import os, uvicorn
from fastapi import FastAPI, Request
from slack_bolt.async_app import AsyncApp
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_sdk.web.async_client import AsyncWebClient
app = AsyncApp(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
)
@app.command("/mentor")
async def command(ack):
    await ack()
@app.view("checkin")
async def view(ack):
    await ack()
handler = AsyncSlackRequestHandler(app)
api = FastAPI()
@api.post("/slack/events")
async def events(request: Request):
    return await handler.handle(request)
uvicorn.run(api, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
"""


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("fastapi", "uvicorn")) and (
        importlib.util.find_spec("bot.web") is not None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited: {process.stderr.read().decode()[-500:] if process.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port}")


@contextmanager
def _process(args: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _signed(body: bytes) -> bytes:
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    head = (
        "POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\n"
        "content-type: application/x-www-form-urlencoded\r\n"
        f"x-slack-request-timestamp: {ts}\r\nx-slack-signature: {signature}\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _requests(pairs: list[tuple[str, str]], fake_port: int, n: int) -> list[bytes]:
    """Alternating `/mentor mentees` and check-in submissions by the seeded mentors."""
    from bot.slack.blocks import CHECKIN_CALLBACK, checkin_metadata
    from tests.driver import GOOD_CHECK_IN
    from tests.slack.conftest import modal_values

    out = []
    for k in range(n):
        user, code = pairs[k % len(pairs)]
        if k % 2 == 0:
            form = {
                "team_id": TEAM,
                "team_domain": "bench",
                "channel_id": "C0",
                "user_id": user,
                "user_name": user,
                "command": "/mentor",
                "text": "mentees",
                "api_app_id": "A0",
                "response_url": f"http://127.0.0.1:{fake_port}/response/{k}",
                "trigger_id": f"t{k}",
            }
            out.append(_signed(urlencode(form).encode()))
        else:
            payload = {
                "type": "view_submission",
                "team": {"id": TEAM, "domain": "bench"},
                "user": {"id": user, "username": user, "team_id": TEAM},
                "api_app_id": "A0",
                "trigger_id": f"t{k}",
                "view": {
                    "id": f"V{k}",
                    "type": "modal",
                    "callback_id": CHECKIN_CALLBACK,
                    "private_metadata": checkin_metadata(code, "adhoc", f"bench:{k}:{time.time()}", "en"),
                    "state": {"values": modal_values(GOOD_CHECK_IN)},
                },
            }
            out.append(_signed(urlencode({"payload": json.dumps(payload)}).encode()))
    return out


async def _connection(port: int, requests: list[bytes], latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for request in requests:
        started = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        if length:
            await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected response: {head[:60]!r}")
        latencies.append(time.perf_counter() - started)
    writer.close()


def _load(port: int, requests: list[bytes], connections: int) -> tuple[float, float, float]:
    """(p50, p99, requests per second) with `connections` keep-alive connections."""
    latencies: list[float] = []
    share = [requests[i::connections] for i in range(connections)]

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(_connection(port, part, latencies) for part in share))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    quantiles = statistics.quantiles(latencies, n=100)
    return statistics.median(latencies), quantiles[98], len(latencies) / elapsed


def rows(quick: bool = False, per_connection: int | None = None) -> list[Row]:
    if not available():
        return [Row("HTTP /slack/events round trip", "not available: Slack web app not merged yet")]
    per_connection = per_connection or (15 if quick else 150)
    use_bench_key()  # the notes are seeded with the key the server is given
    with sqlite_database("http") as db:
        seed(
            db,
            SeedSize(students=120, check_ins_per_student=4),
            progress_out=None,
            console_workspace=("slack", TEAM),
        )
        from sqlalchemy import select

        from models import Member, Mentorship, Student

        with db.transaction() as session:
            pairs = [
                (user, code)
                for user, code in session.execute(
                    select(Member.user_id, Student.code)
                    .join(Mentorship, Mentorship.mentor_id == Member.id)
                    .join(Student, Student.id == Mentorship.student_id)
                )
            ]
        fake_port, ours_port, bare_port, two_port = _free_port(), _free_port(), _free_port(), _free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "DATABASE_URL": db.url,
            "MENTORBOT_SECRET_KEY": BENCH_KEY,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
            "MENTORBOT_LANGUAGE": "en",
        }
        out = []
        with _process([sys.executable, "-c", FAKE_SLACK, str(fake_port)], env, fake_port):
            results = {}
            serve = [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"]
            for name, args, port, levels in (
                ("ours", serve, ours_port, CONNECTIONS),
                ("bare", [sys.executable, "-c", BARE], bare_port, CONNECTIONS),
                # Scale-out: the same server with a web process per core, at the highest level only.
                ("two", [*serve, "--workers", "2"], two_port, CONNECTIONS[-1:]),
            ):
                with _process(args, {**env, "PORT": str(port)}, port):
                    _load(port, _requests(pairs, fake_port, 4), 1)  # warm up: imports, auth.test, pools
                    for connections in levels:
                        reqs = _requests(
                            pairs,
                            fake_port,
                            per_connection * connections if connections < 64 else per_connection * 16,
                        )
                        results[name, connections] = _load(port, reqs, connections)
                        time.sleep(
                            0.1 if per_connection < 10 else 1.0
                        )  # let work queued after the acks finish before the next level
        for connections in CONNECTIONS:
            p50, p99, rate = results["ours", connections]
            bare_p50, bare_p99, bare_rate = results["bare", connections]
            target, met = "", None
            if connections == 1:
                target, met = "p50 <= 3 ms", p50 <= 0.003
            elif connections == 64:
                target, met = "p99 <= 50 ms; >= 2x bare", p99 <= 0.050 and rate >= 2 * bare_rate
            out.append(
                Row(
                    f"HTTP signed /mentor + check-in, {connections} conn",
                    f"p50 {ms(p50)}, p99 {ms(p99)}, {rate:,.0f}/s",
                    f"bare Bolt: p50 {ms(bare_p50)}, p99 {ms(bare_p99)}, {bare_rate:,.0f}/s",
                    f"{rate / bare_rate:.2f}x throughput",
                    target,
                    met,
                )
            )
        top = CONNECTIONS[-1]
        p50, p99, rate = results["two", top]
        one_rate = results["ours", top][2]
        out.append(
            Row(
                f"HTTP {top} conn, serve --workers 2",
                f"p50 {ms(p50)}, p99 {ms(p99)}, {rate:,.0f}/s",
                f"--workers 1: {one_rate:,.0f}/s",
                f"{rate / one_rate:.2f}x throughput",
            )
        )
        return out
