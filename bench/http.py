"""HTTP round trips of signed Slack requests: `mentorbot serve` next to a bare Bolt app that only acks.

Both run the same stack (FastAPI under uvicorn, Bolt's AsyncApp with `process_before_response`,
one process) against a fake Slack Web API on 127.0.0.1 that answers every call at once. The load
generator keeps 1, 16 or 64 connections busy, each request signed like Slack signs them (v0
HMAC-SHA256 of `v0:{timestamp}:{body}`), and times each request until its response is read:
`/mentor mentees` alone (answered in the ack itself), then the mixed load, `/mentor mentees` and
check-in modal submissions alternating (a submission is stored as a job and acked; the worker saves
it after, competing for the same two cores). Submissions refused because the queue was full are
counted. Last, the server's resident memory after the first thousand and after all of a long mixed
run (10k requests), read from /proc while it serves.
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
    process_before_response=True,
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
def _process(args: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for_port(port, process)
        yield process
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


def _requests(
    pairs: list[tuple[str, str]], fake_port: int, n: int, mixed: bool = True, start: int = 0
) -> list[bytes]:
    """Alternating `/mentor mentees` and check-in submissions by the seeded mentors (`mixed`), or
    only `/mentor mentees`; `start` numbers them on from an earlier batch (each form is new)."""
    from bot.slack.blocks import CHECKIN_CALLBACK, checkin_metadata
    from tests.driver import GOOD_CHECK_IN
    from tests.slack.conftest import modal_values

    out = []
    for k in range(start, start + n):
        user, code = pairs[k % len(pairs)]
        if k % 2 == 0 or not mixed:
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


async def _connection(port: int, requests: list[bytes], latencies: list[float], busy: list[int]) -> None:
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
        body = await reader.readexactly(length) if length else b""
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"unexpected response: {head[:60]!r}")
        if b"busy" in body:
            busy.append(1)
        latencies.append(time.perf_counter() - started)
    writer.close()


Load = tuple[float, float, float, int]


def _load(port: int, requests: list[bytes], connections: int) -> Load:
    """(p50, p99, requests per second, how many were refused as busy) over `connections` keep-alive
    connections."""
    latencies: list[float] = []
    busy: list[int] = []
    share = [requests[i::connections] for i in range(connections)]

    async def run() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(_connection(port, part, latencies, busy) for part in share))
        return time.perf_counter() - started

    elapsed = asyncio.run(run())
    quantiles = statistics.quantiles(latencies, n=100)
    return statistics.median(latencies), quantiles[98], len(latencies) / elapsed, len(busy)


def _rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


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
        out: list[Row] = []
        long_run = 400 if quick else 10_000
        with _process([sys.executable, "-c", FAKE_SLACK, str(fake_port)], env, fake_port):
            results: dict[tuple[str, int | str], Load] = {}
            memory: tuple[float, float, float] = (0.0, 0.0, 0.0)
            serve = [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"]
            for name, args, port, levels in (
                ("ours", serve, ours_port, CONNECTIONS),
                ("bare", [sys.executable, "-c", BARE], bare_port, CONNECTIONS),
                # Scale-out: the same server with a web process per core, at the highest level only.
                ("two", [*serve, "--workers", "2"], two_port, CONNECTIONS[-1:]),
            ):
                with _process(args, {**env, "PORT": str(port)}, port) as server:
                    _load(port, _requests(pairs, fake_port, 4), 1)  # warm up: imports, auth.test, pools
                    if name != "two":
                        reads = _requests(pairs, fake_port, per_connection * 2, mixed=False)
                        results[name, "mentees"] = _load(port, reads, 1)
                    numbered = 10
                    for connections in levels:
                        count = per_connection * connections if connections < 64 else per_connection * 16
                        reqs = _requests(pairs, fake_port, count, start=numbered)
                        numbered += count
                        results[name, connections] = _load(port, reqs, connections)
                        _settle(per_connection)
                    if name == "ours":
                        memory = _memory(
                            server.pid, port, pairs, fake_port, long_run, numbered, per_connection
                        )
        out.extend(_rows(results, memory, long_run))
        return out


def _settle(per_connection: int) -> None:
    """Let the work queued after the acks finish before the next level."""
    time.sleep(0.1 if per_connection < 10 else 5.0)


def _memory(
    pid: int, port: int, pairs: list[tuple[str, str]], fake_port: int, total: int, start: int, per: int
) -> tuple[float, float, float]:
    """(RSS before, after the first tenth, after all) of a long mixed run on 16 connections."""
    before = _rss_mib(pid)
    first = total // 10
    _load(port, _requests(pairs, fake_port, first, start=start), 16)
    after_first = _rss_mib(pid)
    _load(port, _requests(pairs, fake_port, total - first, start=start + first), 16)
    _settle(per)
    return before, after_first, _rss_mib(pid)


def _rows(
    results: dict[tuple[str, int | str], Load], memory: tuple[float, float, float], total: int
) -> list[Row]:
    out = []
    p50, p99, rate, _busy = results["ours", "mentees"]
    bare_p50, bare_p99, bare_rate, _ = results["bare", "mentees"]
    out.append(
        Row(
            "HTTP signed /mentor mentees, 1 conn",
            f"p50 {ms(p50)}, p99 {ms(p99)}, {rate:,.0f}/s",
            f"bare Bolt ack: p50 {ms(bare_p50)}, {bare_rate:,.0f}/s",
            f"{p50 / bare_p50:.1f}x p50",
            "p50 <= 3 ms",
            p50 <= 0.003,
        )
    )
    for connections in CONNECTIONS:
        p50, p99, rate, busy = results["ours", connections]
        bare_p50, bare_p99, bare_rate, _ = results["bare", connections]
        target, met = "", None
        if connections == 64:
            target, met = "p99 <= 50 ms; >= 0.5x bare", p99 <= 0.050 and rate >= 0.5 * bare_rate
        refused = f", {busy} busy" if busy else ""
        out.append(
            Row(
                f"HTTP mixed mentees + check-in, {connections} conn",
                f"p50 {ms(p50)}, p99 {ms(p99)}, {rate:,.0f}/s{refused}",
                f"bare Bolt ack: p50 {ms(bare_p50)}, p99 {ms(bare_p99)}, {bare_rate:,.0f}/s",
                f"{rate / bare_rate:.2f}x throughput",
                target,
                met,
            )
        )
    top = CONNECTIONS[-1]
    p50, p99, rate, busy = results["two", top]
    one_rate = results["ours", top][2]
    out.append(
        Row(
            f"HTTP mixed {top} conn, serve --workers 2",
            f"p50 {ms(p50)}, p99 {ms(p99)}, {rate:,.0f}/s" + (f", {busy} busy" if busy else ""),
            f"--workers 1: {one_rate:,.0f}/s",
            f"{rate / one_rate:.2f}x throughput",
        )
    )
    before, after_first, after_all = memory
    full = total >= 10_000
    out.append(
        Row(
            f"serve RSS, {total:,} mixed requests",
            f"{after_all:.0f} MiB (after first {total // 10:,}: {after_first:.0f} MiB)",
            f"before: {before:.0f} MiB",
            f"+{after_all - after_first:.0f} MiB after the first tenth",
            "<= 200 MiB; <= +20 MiB",
            (after_all <= 200 and after_all - after_first <= 20) if full else None,
        )
    )
    return out
