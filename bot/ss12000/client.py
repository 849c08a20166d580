"""Read attendance and grades from a school's SS 12000 source over HTTP (SS 12000 2.1.0).

The standard's OpenAPI document declares HTTP Bearer (JWT) authentication; the token comes from
the school's authorisation server with the OAuth 2.0 client-credentials grant (RFC 6749 4.4,
client id and secret in HTTP Basic). It is reused until shortly before `expires_in` runs out and
fetched again at once when the source answers 401.

Lists come in pages: the first request carries the filters and `limit`; every next one carries
only `pageToken` (and `limit`), since the standard forbids combining the token with other
filters; a `pageToken` of null ends the list. Incremental sync uses the standard's
`meta.modified.after` (exclusive); the new watermark is the latest `meta.modified` the source
returned, so the source's clock decides and nothing is read twice. SS 12000 2.1.0 defines no
`If-Modified-Since`, so none is sent. 429 (honouring Retry-After), 5xx and broken connections
are retried with exponential backoff, each wait capped, a bounded number of times.

Every answer goes through `records.scrub` before it is read: no `civicNo` gets further than the
JSON decoder. Errors name the request and status only, never a body.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.ss12000 import records
from bot.ss12000.records import Grade, Lesson, PeriodAttendance, Student
from models.addresses import trusted_url
from models.attendance_source import env_name

log = logging.getLogger("mentorbot.ss12000")

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
LOOKUP_BATCH = 100  # ids per POST .../lookup


class Ss12000Error(Exception):
    """The source could not be read (refused, or still failing after the retries).

    `status`: the HTTP status the source answered in the end, when it answered one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    """Where and how to get a token. The secret never appears in a repr or a log line."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str | None = None

    @classmethod
    def from_environment(cls, school: str, environ: Mapping[str, str] = os.environ) -> Credentials:
        """MENTORBOT_SS12000_<SCHOOL>_TOKEN_URL, _CLIENT_ID, _CLIENT_SECRET or _CLIENT_SECRET_FILE, _SCOPE."""
        prefix = "MENTORBOT_SS12000_" + env_name(school) + "_"
        secret = environ.get(prefix + "CLIENT_SECRET")
        if secret is None and environ.get(prefix + "CLIENT_SECRET_FILE"):
            try:
                secret = Path(environ[prefix + "CLIENT_SECRET_FILE"]).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise Ss12000Error(f"{prefix}CLIENT_SECRET_FILE cannot be read: {error.strerror}") from None
        missing = [name for name in ("TOKEN_URL", "CLIENT_ID") if not environ.get(prefix + name)]
        if secret is None:
            missing.append("CLIENT_SECRET")
        if missing:
            raise Ss12000Error("missing " + ", ".join(prefix + name for name in missing))
        return cls(
            trusted_url(environ[prefix + "TOKEN_URL"]),
            environ[prefix + "CLIENT_ID"],
            secret,
            environ.get(prefix + "SCOPE") or None,
        )


@dataclass(frozen=True)
class LessonSync:
    lessons: list[Lesson]
    watermark: datetime  # pass as modified_after next time
    # Attendance ids read that count as no lesson (not reported, cancelled, undated): a lesson kept
    # from an earlier read under such an id no longer counts.
    withdrawn: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GradeSync:
    grades: list[Grade]
    watermark: datetime  # pass as modified_after next time
    rows_read: int = 0


@dataclass
class _Token:
    value: str
    renew_at: float


class Ss12000Client:
    """One school's SS 12000 source. `sleep` and `clock` are injectable: tests see waits without waiting."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        http: httpx.Client,
        *,
        zone: ZoneInfo,
        page_size: int = 500,
        max_attempts: int = 6,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = trusted_url(base_url).rstrip("/")
        self.credentials = credentials
        self.http = http
        self.zone = zone
        self.page_size = page_size
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self._token: _Token | None = None
        self._lock = threading.Lock()

    # --- what the sync reads -------------------------------------------------------------------

    def school_unit(self, school_unit_code: str) -> str:
        """The SS 12000 organisation id of the school unit with this skolenhetskod."""
        found = list(self._pages("/organisations", {"schoolUnitCode": school_unit_code, "type": "Skolenhet"}))
        if len(found) != 1:
            raise Ss12000Error(f"{len(found)} school units have the code {school_unit_code}")
        return str(found[0]["id"])

    def students(self, school_unit: str, on: date) -> list[Student]:
        """Students enrolled at the school unit on that day."""
        params = {
            "relationship.entity.type": "enrolment",
            "relationship.organisation": school_unit,
            "relationship.startDate.onOrBefore": on.isoformat(),
            "relationship.endDate.onOrAfter": on.isoformat(),
        }
        return [records.student_from(person) for person in self._pages("/persons", params)]

    def lessons(self, school_unit: str, modified_after: datetime) -> LessonSync:
        """Reported lessons changed since the watermark (the first time: e.g. the start of term)."""
        params = {"organisation": school_unit, "meta.modified.after": _rfc3339(modified_after)}
        rows = list(self._pages("/attendances", params))
        events = self._lookup("/calendarEvents/lookup", {row["calendarEvent"]["id"] for row in rows})
        lessons, withdrawn = [], []
        for row in rows:
            event = events.get(row["calendarEvent"]["id"])
            lesson = records.lesson_from(row, event, self.zone) if event else None
            if lesson is not None:
                lessons.append(lesson)
            else:
                withdrawn.append(str(row["id"]))
        log.info("ss12000: %d attendance rows, %d reported lessons", len(rows), len(lessons))
        return LessonSync(lessons, _latest(rows, modified_after), withdrawn)

    def period_attendance(self, school_unit: str, start: date, end: date) -> list[PeriodAttendance]:
        """Offered and absent minutes per student over a period (inclusive), from /aggregatedAttendance."""
        params = {"organisation": school_unit, "startDate": start.isoformat(), "endDate": end.isoformat()}
        return records.period_attendance(self._pages("/aggregatedAttendance", params))

    def grades(self, school_unit: str, modified_after: datetime) -> GradeSync:
        """Grades in the core subjects registered or changed since the watermark, as signals.

        A row without a syllabus, or whose syllabus the source cannot look up, is not kept."""
        params = {"organisation": school_unit, "meta.modified.after": _rfc3339(modified_after)}
        rows = list(self._pages("/grades", params))
        syllabuses = self._lookup("/syllabuses/lookup", {_syllabus_id(row) for row in rows} - {""})
        grades = [g for row in rows if (g := records.grade_from(row, syllabuses.get(_syllabus_id(row))))]
        log.info("ss12000: %d grades, %d in core subjects", len(rows), len(grades))
        return GradeSync(grades, _latest(rows, modified_after), len(rows))

    # --- paging and lookups --------------------------------------------------------------------

    def _pages(self, path: str, filters: dict[str, str]) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {**filters, "limit": self.page_size}
        seen: set[str] = set()
        while True:
            body = self._send("GET", path, params=params)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise Ss12000Error(f"GET {path}: the answer has no data list")
            yield from body["data"]
            token = body.get("pageToken")
            if not token:
                return
            if token in seen:
                raise Ss12000Error(f"GET {path}: the source repeated a pageToken")
            seen.add(token)
            params = {"pageToken": token, "limit": self.page_size}

    def _lookup(self, path: str, ids: set[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), LOOKUP_BATCH):
            body = self._send("POST", path, json={"ids": ordered[start : start + LOOKUP_BATCH]})
            for item in body["data"] if isinstance(body, dict) else body:
                found[str(item["id"])] = item
        return found

    # --- HTTP: token, retries ------------------------------------------------------------------

    def _send(self, method: str, path: str, **request: Any) -> Any:
        for refreshed in (False, True):
            token = self._access_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            send = partial(self.http.request, method, self.base_url + path, headers=headers, **request)
            response = self._with_retries(f"{method} {path}", send)
            if response.status_code == 401 and not refreshed:
                self._forget(token)
                continue
            if response.status_code >= 400:
                raise Ss12000Error(f"{method} {path}: HTTP {response.status_code}", response.status_code)
            try:
                return records.scrub(response.json())
            except ValueError:
                raise Ss12000Error(f"{method} {path}: the answer is not JSON") from None
        raise AssertionError("unreachable")

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._token.renew_at:
                data = {"grant_type": "client_credentials"}
                if self.credentials.scope:
                    data["scope"] = self.credentials.scope
                response = self._with_retries(
                    "token",
                    lambda: self.http.post(
                        self.credentials.token_url,
                        data=data,
                        auth=(self.credentials.client_id, self.credentials.client_secret),
                    ),
                )
                if response.status_code != 200:
                    raise Ss12000Error(
                        f"token endpoint refused the client credentials: HTTP {response.status_code}"
                    )
                try:
                    body = response.json()
                    value, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
                except (ValueError, KeyError, TypeError, AttributeError):
                    raise Ss12000Error("token endpoint: the answer holds no access_token") from None
                self._token = _Token(value, self.clock() + lifetime - min(60.0, lifetime / 2))
            return self._token.value

    def _forget(self, token: str) -> None:
        with self._lock:
            if self._token is not None and self._token.value == token:
                self._token = None

    def _with_retries(self, what: str, send: Callable[[], httpx.Response]) -> httpx.Response:
        for attempt in range(1, self.max_attempts + 1):
            status: int | None = None
            try:
                response = send()
            except httpx.TransportError as error:
                failure, wait = type(error).__name__, None
            else:
                if response.status_code not in RETRIED_STATUSES:
                    return response
                status = response.status_code
                failure, wait = f"HTTP {status}", _retry_after(response)
            if attempt == self.max_attempts:
                raise Ss12000Error(f"{what}: {failure} after {attempt} attempts", status)
            wait = min(self.max_wait, wait if wait is not None else 2.0 ** (attempt - 1))
            log.warning("ss12000: %s: %s, retrying in %.0f s", what, failure, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a watermark needs a time zone")
    return moment.isoformat()


def _latest(rows: list[dict[str, Any]], since: datetime) -> datetime:
    """The latest `meta.modified` among the rows (a row without one, as `Grade` allows, counts not)."""
    return max(
        (
            records.timestamp(modified)
            for row in rows
            if (modified := (row.get("meta") or {}).get("modified"))
        ),
        default=since,
    )


def _syllabus_id(row: dict[str, Any]) -> str:
    syllabus = row.get("syllabus")
    return str(syllabus.get("id") or "") if isinstance(syllabus, dict) else ""
