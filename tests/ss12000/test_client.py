"""The SS 12000 client against a fake source on 127.0.0.1: pages, retries, tokens, watermarks, privacy.

Expected figures are worked out by hand from tests/ss12000/norra.py:
- Anna, Monday: svenska 60 present; matematik 45 present + 15 unexcused (late); engelska 80 excused.
  Offered 60 + 60 + 80 = 200, absent 15 + 80 = 95, unexcused 15, one late, not a full day.
- Anna, Tuesday: svenska reported without a split: the student's 90 minutes (teachingLengthStudent,
  not the 100 the calendar slot spans), all present.
- Birk, Monday: svenska 60 excused, matematik 60 unexcused, engelska not yet reported (left out).
  Offered 120, absent 120, unexcused 60: a full-day absence.
- Cleo has no attendance at all, and no day.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.ss12000 import records
from bot.ss12000.client import Credentials, Ss12000Client, Ss12000Error
from bot.ss12000.records import Grade, PeriodAttendance, Student, StudentDay, student_days
from models.attendance_source import env_name
from models.course import SignalKind
from tests.ss12000 import norra as school
from tests.ss12000.fake_source import CLIENT_ID, CLIENT_SECRET, FakeSource, serving
from tests.ss12000.spec_subset import LISTS, LOOKUPS, PARAMETERS, list_problems, problems

ZONE = ZoneInfo("Europe/Stockholm")
START_OF_TERM = datetime.fromisoformat(school.START_OF_TERM)
MONDAY, TUESDAY, WEDNESDAY = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)

EXPECTED_DAYS = [
    StudentDay(school.ANNA, MONDAY, 200, 95, 15, late_count=1, full_day=False),
    StudentDay(school.ANNA, TUESDAY, 90, 0, 0, late_count=0, full_day=False),
    StudentDay(school.BIRK, MONDAY, 120, 120, 60, late_count=0, full_day=True),
]


class Waits(list[float]):
    """Stands in for time.sleep: remembers each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def source() -> FakeSource:
    return school.norra()


@pytest.fixture
def base_url(source: FakeSource) -> Iterator[str]:
    with serving(source) as url:
        yield url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def client_for(base_url: str, http: httpx.Client, waits: Waits | None = None, **options) -> Ss12000Client:
    credentials = Credentials(base_url + "/token", CLIENT_ID, CLIENT_SECRET, scope="ss12000.read")
    return Ss12000Client(
        base_url, credentials, http, zone=ZONE, sleep=waits if waits is not None else Waits(), **options
    )


def test_reads_every_page_and_sums_minutes_per_student_and_day(
    source: FakeSource, base_url: str, http
) -> None:
    client = client_for(base_url, http)

    synced = client.lessons(school.UNIT, modified_after=START_OF_TERM)

    assert student_days(synced.lessons) == EXPECTED_DAYS
    assert synced.watermark == datetime.fromisoformat(school.LAST_MODIFIED)
    pages = source.requests_to("/attendances")
    assert len(pages) == 4  # 7 rows, 2 a page
    assert pages[0].params["organisation"] == [school.UNIT]
    assert pages[0].params["meta.modified.after"] == [START_OF_TERM.isoformat()]
    # The standard forbids combining pageToken with filters: later pages carry the token and limit only.
    assert all(set(page.params) == {"pageToken", "limit"} for page in pages[1:])


def test_every_request_and_answer_keeps_to_the_standard(source: FakeSource, base_url: str, http) -> None:
    client = client_for(base_url, http)
    client.school_unit(school.UNIT_CODE)
    client.students(school.UNIT, on=MONDAY)
    client.lessons(school.UNIT, modified_after=START_OF_TERM)
    client.grades(school.UNIT, modified_after=START_OF_TERM)
    client.period_attendance(school.UNIT, MONDAY, TUESDAY)

    grant = {"grant_type": ["client_credentials"], "scope": ["ss12000.read"]}
    assert [request.body for request in source.requests_to("/token")] == [grant]
    for request in source.requests:
        if request.path in PARAMETERS:
            assert set(request.params) <= PARAMETERS[request.path]
    checked = set()
    for path, status, body in source.answers:
        assert status == 200, (path, body)
        if path in LISTS:
            assert list_problems(body, path) == []
        elif path in LOOKUPS:
            assert [p for item in body for p in problems(item, LOOKUPS[path])] == []
        checked.add(path)
    assert checked == {"/token", *LISTS, *LOOKUPS}


def test_the_schema_check_finds_what_the_standard_does_not_allow() -> None:
    row = school.attendance(1, school.ANNA, school.MON_SV, "2026-11-02T16:00:00+01:00", attendanceMinutes=60)
    assert problems(row, "Attendance") == []
    del row["isReported"]
    row["lateMinutes"] = 5
    row["attendanceMinutes"] = "60"
    assert problems(row, "Attendance") == [
        "$.isReported: required by Attendance",
        "$.attendanceMinutes: must be integer",
        "$.lateMinutes: not a property of Attendance",
    ]


def test_resumes_from_the_watermark_and_reads_only_what_changed(
    source: FakeSource, base_url: str, http
) -> None:
    client = client_for(base_url, http)
    first = client.lessons(school.UNIT, modified_after=START_OF_TERM)
    source.attendances.append(
        school.attendance(
            8,
            school.ANNA,
            school.WED_MA,
            "2026-11-04T15:00:00+01:00",
            attendanceMinutes=50,
            invalidAbsenceMinutes=10,
        )
    )
    source.requests.clear()

    second = client.lessons(school.UNIT, modified_after=first.watermark)

    assert source.requests_to("/attendances")[0].params["meta.modified.after"] == [
        first.watermark.isoformat()
    ]
    assert student_days(second.lessons) == [
        StudentDay(school.ANNA, WEDNESDAY, 60, 10, 10, late_count=1, full_day=False)
    ]
    assert second.watermark == datetime.fromisoformat("2026-11-04T15:00:00+01:00")
    third = client.lessons(school.UNIT, modified_after=second.watermark)
    assert third.lessons == [] and third.watermark == second.watermark


def test_undatable_or_cancelled_lessons_are_left_out(source: FakeSource, base_url: str, http) -> None:
    source.calendar_events = [event for event in source.calendar_events if event["id"] != school.MON_EN]
    next(event for event in source.calendar_events if event["id"] == school.TUE_SV)["cancelled"] = True

    synced = client_for(base_url, http).lessons(school.UNIT, modified_after=START_OF_TERM)

    assert student_days(synced.lessons) == [
        StudentDay(school.ANNA, MONDAY, 120, 15, 15, late_count=1, full_day=False),
        StudentDay(school.BIRK, MONDAY, 120, 120, 60, late_count=0, full_day=True),
    ]
    assert synced.watermark == datetime.fromisoformat(school.LAST_MODIFIED)


def test_students_of_the_school_unit_with_their_own_ids_and_no_personnummer(
    source: FakeSource, base_url: str, http, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = client_for(base_url, http)

    unit = client.school_unit(school.UNIT_CODE)
    students = client.students(unit, on=MONDAY)
    everything = [students, client.lessons(unit, START_OF_TERM), client.grades(unit, START_OF_TERM)]

    assert unit == school.UNIT
    assert students == [
        Student(school.ANNA, ((school.ELEVNUMMER, "E-1001"),), 2),
        Student(school.BIRK, ((school.ELEVNUMMER, "E-1002"),), 2),
        Student(school.CLEO, ((school.ELEVNUMMER, "E-1003"),), 2),
    ]
    served = json.dumps([body for _, _, body in source.answers])
    kept = repr(everything) + repr(vars(client)) + caplog.text
    for number in school.CIVIC_NOS.values():
        if number != school.CIVIC_NOS[school.DANTE]:  # Dante is at another school unit: never served
            assert number in served  # the source did send it...
        assert number not in kept  # ...and it went no further than the JSON decoder
    assert "civicNo" not in kept


def test_a_school_unit_code_must_name_exactly_one_unit(base_url: str, http) -> None:
    with pytest.raises(Ss12000Error, match="0 school units have the code 99999999"):
        client_for(base_url, http).school_unit("99999999")


def test_waits_as_the_source_asks_and_backs_off_on_server_errors(
    source: FakeSource, base_url: str, http
) -> None:
    source.faults = [(429, "7"), (503, None), (502, None), (429, "3600")]
    waits = Waits()

    synced = client_for(base_url, http, waits).lessons(school.UNIT, modified_after=START_OF_TERM)

    assert waits == [
        7.0,
        2.0,
        4.0,
        60.0,
    ]  # Retry-After, then 2 s and 4 s, then Retry-After capped at a minute
    assert student_days(synced.lessons) == EXPECTED_DAYS


def test_retry_after_as_an_http_date(source: FakeSource, base_url: str, http) -> None:
    source.faults = [(429, format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True))]
    waits = Waits()

    client_for(base_url, http, waits).school_unit(school.UNIT_CODE)

    assert len(waits) == 1 and 1.5 <= waits[0] <= 3


def test_gives_up_after_a_bounded_number_of_attempts(source: FakeSource, base_url: str, http) -> None:
    source.faults = [(503, None)] * 10
    waits = Waits()

    with pytest.raises(Ss12000Error, match=r"GET /attendances: HTTP 503 after 6 attempts"):
        client_for(base_url, http, waits).lessons(school.UNIT, modified_after=START_OF_TERM)

    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_a_refused_request_is_not_retried_and_names_no_body(source: FakeSource, base_url: str, http) -> None:
    with pytest.raises(ValueError, match="time zone"):
        client_for(base_url, http).lessons(school.UNIT, modified_after=datetime(2026, 8, 17))
    source.faults = [(403, None)]
    with pytest.raises(Ss12000Error) as forbidden:
        client_for(base_url, http).students(school.UNIT, on=MONDAY)
    assert str(forbidden.value) == "GET /persons: HTTP 403"
    assert len(source.requests_to("/persons")) == 1
    source.faults = [(200, None)]  # an Error object where the list should be
    with pytest.raises(Ss12000Error, match="GET /persons: the answer has no data list"):
        client_for(base_url, http).students(school.UNIT, on=MONDAY)
    source.login_page = True
    with pytest.raises(Ss12000Error, match="GET /persons: the answer is not JSON"):
        client_for(base_url, http).students(school.UNIT, on=MONDAY)


def test_a_token_that_expires_mid_sync_is_fetched_again(source: FakeSource, base_url: str, http) -> None:
    source.revoke_after = 3  # the fourth data request finds its token revoked

    synced = client_for(base_url, http).lessons(school.UNIT, modified_after=START_OF_TERM)

    assert student_days(synced.lessons) == EXPECTED_DAYS
    assert len(source.tokens_issued) == 2
    refused, retried = [r for r in source.requests if r.path != "/token"][3:5]
    assert (refused.token, retried.token) == tuple(source.tokens_issued)
    assert refused.params == retried.params


def test_a_token_is_renewed_before_it_expires(source: FakeSource, base_url: str, http) -> None:
    source.expires_in = 600
    now = [1000.0]
    client = client_for(base_url, http, clock=lambda: now[0])
    client.school_unit(school.UNIT_CODE)
    now[0] += 500
    client.school_unit(school.UNIT_CODE)
    assert len(source.tokens_issued) == 1
    now[0] += 50  # within the last minute of its life
    client.school_unit(school.UNIT_CODE)
    assert len(source.tokens_issued) == 2
    assert not any(status == 401 for _, status, _ in source.answers)


def test_wrong_client_credentials_are_refused_without_echoing_the_secret(base_url: str, http) -> None:
    credentials = Credentials(base_url + "/token", CLIENT_ID, "not-the-secret")
    client = Ss12000Client(base_url, credentials, http, zone=ZONE, sleep=Waits())
    with pytest.raises(Ss12000Error) as refused:
        client.school_unit(school.UNIT_CODE)
    assert "HTTP 401" in str(refused.value)
    assert "not-the-secret" not in str(refused.value) + repr(credentials)


def test_grades_in_the_core_subjects(source: FakeSource, base_url: str, http) -> None:
    synced = client_for(base_url, http).grades(school.UNIT, modified_after=START_OF_TERM)

    assert sorted(synced.grades, key=lambda g: g.grade_id) == [
        Grade(source.grades[0]["id"], school.ANNA, "SV", SignalKind.GRADE_F, date(2026, 10, 30)),
        Grade(source.grades[1]["id"], school.ANNA, "MA", SignalKind.PASSED, date(2026, 10, 30)),
        Grade(source.grades[3]["id"], school.BIRK, "EN", SignalKind.GRADE_F, date(2026, 10, 31)),
    ]  # idrott och hälsa is not a core subject; which pass grade (E) is not kept
    assert synced.rows_read == 4
    assert synced.watermark == datetime.fromisoformat("2026-10-31T09:00:00+01:00")


def test_offered_and_absent_minutes_over_a_period(base_url: str, http) -> None:
    # /aggregatedAttendance counts every lesson offered, reported or not: Birk's engelska (80) too.
    assert client_for(base_url, http).period_attendance(school.UNIT, MONDAY, TUESDAY) == [
        PeriodAttendance(school.ANNA, MONDAY, TUESDAY, 60 + 60 + 80 + 90, 15 + 80, 15),
        PeriodAttendance(school.BIRK, MONDAY, TUESDAY, 60 + 60 + 80, 60 + 60, 60),
    ]


def test_credentials_from_the_environment_or_a_secrets_file(tmp_path) -> None:
    secret = tmp_path / "norra.secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    environ = {
        "MENTORBOT_SS12000_NORRA_GYMNASIET_TOKEN_URL": "https://login.norra.example/token",
        "MENTORBOT_SS12000_NORRA_GYMNASIET_CLIENT_ID": "mentorbot",
        "MENTORBOT_SS12000_NORRA_GYMNASIET_CLIENT_SECRET_FILE": str(secret),
    }
    credentials = Credentials.from_environment("Norra gymnasiet", environ)
    assert credentials == Credentials("https://login.norra.example/token", "mentorbot", "from-a-file")
    assert "from-a-file" not in repr(credentials)
    assert env_name("Södra Ålidens skola") == "SODRA_ALIDENS_SKOLA"

    with pytest.raises(Ss12000Error, match="MENTORBOT_SS12000_NORRA_GYMNASIET_CLIENT_SECRET"):
        Credentials.from_environment(
            "Norra gymnasiet", {k: v for k, v in environ.items() if "SECRET" not in k}
        )
    with pytest.raises(ValueError, match="https"):
        plain_http = {
            **environ,
            "MENTORBOT_SS12000_NORRA_GYMNASIET_TOKEN_URL": "http://login.norra.example/token",
        }
        Credentials.from_environment("Norra gymnasiet", plain_http)
    secret.unlink()
    with pytest.raises(Ss12000Error, match="CLIENT_SECRET_FILE cannot be read: No such file"):
        Credentials.from_environment("Norra gymnasiet", environ)


def test_the_personnummer_is_dropped_before_the_mapping_sees_a_person(
    source: FakeSource, base_url: str, http, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = []
    monkeypatch.setattr(
        records, "student_from", lambda person: seen.append(person) or records.Student("x", (), None)
    )

    client_for(base_url, http).students(school.UNIT, on=MONDAY)

    assert [person["id"] for person in seen] == [school.ANNA, school.BIRK, school.CLEO]
    assert all("civicNo" not in person and person["givenName"] for person in seen)
    assert "civicNo" in source.persons[0]  # the source did send it


def test_a_source_that_does_not_answer_is_tried_a_bounded_number_of_times(http) -> None:
    with socket.socket() as probe:  # a port on this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        silent = f"http://127.0.0.1:{probe.getsockname()[1]}"
    waits = Waits()

    with pytest.raises(Ss12000Error, match="token: ConnectError after 6 attempts"):
        client_for(silent, http, waits).school_unit(school.UNIT_CODE)

    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0]
