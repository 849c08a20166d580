"""A fake SS 12000 2.1.0 source on 127.0.0.1, for tests: a token endpoint and the read operations.

Strict where the standard is: a query parameter the operation does not define, or a `pageToken`
combined with filters, is answered 400 with an `Error`; a request without a token the fake
issued (client credentials in HTTP Basic) is answered 401. Pages hold at most `page_size` items
whatever `limit` asks, so every list comes in several pages. A test can queue `faults` (status,
Retry-After) for the next data requests, or `faults_on` for the next requests to one path;
`revoke_after` revokes every issued token after that many data requests (a token expiring
mid-sync); `login_page` answers data requests with HTML; `grades_offered=False` answers `/grades`
and `/syllabuses/lookup` with 404, as a vendor that implements only attendance does. Every
request is recorded in `requests` and every answer in `answers`, so a test can check them against
the 2.1.0 schemas (spec_subset.py).

Objects are stored in SS 12000 shape: `persons` carry a `civicNo`, as a real source's do.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.ss12000.spec_subset import LISTS, LOOKUPS, PARAMETERS

CLIENT_ID = "mentorbot-norra"
CLIENT_SECRET = "s3cret-norra"


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]
    body: Any = None
    token: str | None = None


@dataclass
class FakeSource:
    organisations: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    calendar_events: list[dict[str, Any]] = field(default_factory=list)
    attendances: list[dict[str, Any]] = field(default_factory=list)
    syllabuses: list[dict[str, Any]] = field(default_factory=list)
    grades: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    expires_in: int = 3600
    faults: list[tuple[int, str | None]] = field(default_factory=list)
    faults_on: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    grades_offered: bool = True
    revoke_after: int | None = None
    login_page: bool = False  # answer data requests with a web page, as a wrong base URL would
    requests: list[Request] = field(default_factory=list)
    answers: list[tuple[str, int, Any]] = field(default_factory=list)
    tokens_issued: list[str] = field(default_factory=list)
    _valid: set[str] = field(default_factory=set)
    _pages: dict[str, tuple[str, list[dict[str, Any]], int]] = field(default_factory=dict)
    _counter: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    # --- the endpoints ---------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            parts = urlsplit(target)
            params = parse_qs(parts.query)
            if parts.path == "/token":
                body: Any = parse_qs(raw.decode())
            else:
                body = json.loads(raw) if raw and method == "POST" else None
            token = headers.get("authorization", "").removeprefix("Bearer ") or None
            self.requests.append(Request(method, parts.path, params, body, token))
            if parts.path == "/token":
                return self._token(headers, raw)
            if (
                self.revoke_after is not None
                and sum(r.path != "/token" for r in self.requests) > self.revoke_after
            ):
                self._valid.clear()
                self.revoke_after = None
            if token not in self._valid:
                return 401, {}, _error("unauthorized", "token missing, unknown or expired")
            if self.login_page:
                return 200, {"Content-Type": "text/html"}, "<html><body>Logga in</body></html>"
            if not self.grades_offered and parts.path in ("/grades", "/syllabuses/lookup"):
                return 404, {}, _error("notfound", parts.path)
            queued = self.faults_on.get(parts.path) or self.faults
            if queued:
                status, retry_after = queued.pop(0)
                return (
                    status,
                    ({"Retry-After": retry_after} if retry_after else {}),
                    _error("busy", "try later"),
                )
            if method == "GET" and parts.path in LISTS:
                return self._list(parts.path, {k: v for k, v in params.items()})
            if method == "POST" and parts.path in LOOKUPS:
                return 200, {}, self._lookup(parts.path, set(body.get("ids", ())))
            return 404, {}, _error("notfound", parts.path)

    def _token(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], Any]:
        form = parse_qs(raw.decode())
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if headers.get("authorization") != f"Basic {basic}" or form.get("grant_type") != [
            "client_credentials"
        ]:
            return 401, {}, {"error": "invalid_client"}
        token = f"token-{next(self._counter)}"
        self._valid.add(token)
        self.tokens_issued.append(token)
        return 200, {}, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}

    def _list(self, path: str, params: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        unknown = params.keys() - PARAMETERS[path]
        if unknown:
            return 400, {}, _error("badparameter", ", ".join(sorted(unknown)))
        limit = min(int(params.pop("limit", [self.page_size])[0]), self.page_size)
        if "pageToken" in params:
            if len(params) > 1:
                return 400, {}, _error("pagetoken", "pageToken cannot be combined with other filters")
            entry = self._pages.pop(params["pageToken"][0], None)
            if entry is None or entry[0] != path:
                return 400, {}, _error("pagetoken", "unknown pageToken")
            _, items, offset = entry
        else:
            if path == "/aggregatedAttendance" and not {"startDate", "endDate"} <= params.keys():
                return 400, {}, _error("badparameter", "startDate and endDate are required")
            items, offset = self._select(path, {k: v[0] for k, v in params.items()}), 0
        page = items[offset : offset + limit]
        next_token = None
        if offset + limit < len(items):
            next_token = f"page-{next(self._counter)}"
            self._pages[next_token] = (path, items, offset + limit)
        return 200, {}, {"data": page, "pageToken": next_token}

    def _select(self, path: str, q: dict[str, str]) -> list[dict[str, Any]]:
        if path == "/organisations":
            return [
                o
                for o in self.organisations
                if q.get("schoolUnitCode") in (None, o.get("schoolUnitCode"))
                and q.get("type") in (None, o["organisationType"])
            ]
        if path == "/persons":
            return [p for p in self.persons if _enrolled(p, q)]
        if path == "/aggregatedAttendance":
            return self._aggregated(q)
        rows = self.attendances if path == "/attendances" else self.grades
        after = datetime.fromisoformat(q["meta.modified.after"]) if "meta.modified.after" in q else None
        # A row without `meta` (Grade does not require one) cannot be told apart: it comes every time.
        return [
            r
            for r in rows
            if after is None or "meta" not in r or datetime.fromisoformat(r["meta"]["modified"]) > after
        ]

    def _aggregated(self, q: dict[str, str]) -> list[dict[str, Any]]:
        start, end = date.fromisoformat(q["startDate"]), date.fromisoformat(q["endDate"])
        events = {e["id"]: e for e in self.calendar_events}
        sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in self.attendances:
            event = events[row["calendarEvent"]["id"]]
            if not start <= datetime.fromisoformat(event["startTime"]).date() <= end:
                continue
            figures = sums[row["student"]["id"], event["activity"]["id"]]
            minutes = {
                key: row.get(key, 0)
                for key in (
                    "attendanceMinutes",
                    "validAbsenceMinutes",
                    "invalidAbsenceMinutes",
                    "otherAttendanceMinutes",
                )
            }
            figures["attendanceSum"] += minutes["attendanceMinutes"]
            figures["validAbsenceSum"] += minutes["validAbsenceMinutes"]
            figures["invalidAbsenceSum"] += minutes["invalidAbsenceMinutes"]
            figures["otherAttendanceSum"] += minutes["otherAttendanceMinutes"]
            length = datetime.fromisoformat(event["endTime"]) - datetime.fromisoformat(event["startTime"])
            offered = event.get("teachingLengthStudent") or int(length.total_seconds()) // 60
            figures["offeredSum"] += offered  # every lesson the student was offered, reported or not
            figures["reportedSum"] += offered if row["isReported"] else 0
        return [
            {
                "activity": {"id": activity},
                "student": {"id": student},
                "startDate": q["startDate"],
                "endDate": q["endDate"],
                **figures,
            }
            for (student, activity), figures in sorted(sums.items())
        ]

    def _lookup(self, path: str, ids: set[str]) -> list[dict[str, Any]]:
        pool = self.calendar_events if path == "/calendarEvents/lookup" else self.syllabuses
        return [item for item in pool if item["id"] in ids]


def _enrolled(person: dict[str, Any], q: dict[str, str]) -> bool:
    if q.get("relationship.entity.type") not in (None, "enrolment"):
        return False
    unit = q.get("relationship.organisation")
    on_before = q.get("relationship.startDate.onOrBefore")
    on_after = q.get("relationship.endDate.onOrAfter")
    return any(
        unit in (None, e["enroledAt"]["id"])
        and (on_before is None or e["startDate"] <= on_before)
        and (on_after is None or e.get("endDate") is None or e["endDate"] >= on_after)
        for e in person.get("enrolments", ())
    )


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


@contextmanager
def serving(source: FakeSource) -> Iterator[str]:
    """The fake's base URL on 127.0.0.1 for the length of the block (the token endpoint is /token)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, body = source.handle(self.command, self.path, headers, raw)
            source.answers.append((urlsplit(self.path).path, status, body))
            html = extra.get("Content-Type") == "text/html"
            payload = body.encode() if html else json.dumps(body).encode()
            self.send_response(status)
            if not html:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in extra.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
