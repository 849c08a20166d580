"""Norra gymnasiet in SS 12000 2.1.0 shape: three students, a week of lessons, a few grades.

The minutes are chosen so each figure of a day can be worked out by hand (see test_ss12000.py).
Every person carries a personnummer (`civicNo`, and for two of them also an external identifier),
as a real source's do, so the tests can show none of them gets past the client.
"""

from __future__ import annotations

from typing import Any

from tests.ss12000.fake_source import FakeSource

UNIT = "0a000000-0000-4000-8000-000000000001"
OTHER_UNIT = "0a000000-0000-4000-8000-000000000002"
UNIT_CODE = "12345678"
ELEVNUMMER = "http://norra.example/elevnummer"

ANNA, BIRK, CLEO, DANTE = (f"1a000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))
CIVIC_NOS = {ANNA: "200904151230", BIRK: "200906024567", CLEO: "200812307890", DANTE: "201001012341"}

SVENSKA, MATTE, ENGELSKA = (f"2a000000-0000-4000-8000-00000000000{n}" for n in range(1, 4))
MON_SV, MON_MA, MON_EN, TUE_SV, WED_MA = (f"3a000000-0000-4000-8000-00000000000{n}" for n in range(1, 6))
SYLLABUS_SV, SYLLABUS_MA, SYLLABUS_EN, SYLLABUS_IDH = (
    f"4a000000-0000-4000-8000-00000000000{n}" for n in range(1, 5)
)

META = {"created": "2026-08-18T08:00:00+02:00", "modified": "2026-08-18T08:00:00+02:00"}
START_OF_TERM = "2026-08-17T00:00:00+02:00"
LAST_MODIFIED = "2026-11-03T16:10:00+01:00"  # the latest meta.modified among the attendances


def _person(pid: str, given: str, number: str, unit: str, *, pnr_identifier: bool = False) -> dict[str, Any]:
    identifiers = [{"value": number, "context": ELEVNUMMER, "globallyUnique": False}]
    if pnr_identifier:  # some sources put the personnummer in an identifier too
        identifiers.append(
            {"value": CIVIC_NOS[pid], "context": "http://norra.example/pnr", "globallyUnique": True}
        )
    return {
        "id": pid,
        "meta": META,
        "givenName": given,
        "familyName": "Test",
        "civicNo": {"value": CIVIC_NOS[pid], "nationality": "SE"},
        "externalIdentifiers": identifiers,
        "enrolments": [
            {"enroledAt": {"id": unit}, "schoolType": "GY", "schoolYear": 2, "startDate": "2025-08-18"}
        ],
    }


def _event(eid: str, activity: str, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "meta": META,
        "activity": {"id": activity},
        "startTime": start,
        "endTime": end,
        **extra,
    }


def attendance(
    n: int, student: str, event: str, modified: str, *, reported: bool = True, **minutes: int
) -> dict[str, Any]:
    return {
        "id": f"5a000000-0000-4000-8000-0000000000{n:02d}",
        "meta": {"created": modified, "modified": modified},
        "calendarEvent": {"id": event},
        "student": {"id": student},
        "isReported": reported,
        **minutes,
    }


def _syllabus(sid: str, name: str, **codes: str) -> dict[str, Any]:
    return {"id": sid, "meta": META, "schoolType": "GY", "subjectName": name, "official": True, **codes}


def _grade(n: int, student: str, syllabus: str, value: str, registered: str, modified: str) -> dict[str, Any]:
    return {
        "id": f"6a000000-0000-4000-8000-0000000000{n:02d}",
        "meta": {"created": modified, "modified": modified},
        "student": {"id": student},
        "organisation": {"id": UNIT},
        "registeredBy": {"id": "7a000000-0000-4000-8000-000000000001"},
        "registeredDate": registered,
        "gradeValue": value,
        "finalGrade": True,
        "adaptedStudyPlan": "",
        "syllabus": {"id": syllabus},
    }


def norra() -> FakeSource:
    return FakeSource(
        organisations=[
            {
                "id": UNIT,
                "meta": META,
                "displayName": "Norra gymnasiet",
                "organisationType": "Skolenhet",
                "schoolUnitCode": UNIT_CODE,
                "schoolTypes": ["GY"],
            },
            {
                "id": OTHER_UNIT,
                "meta": META,
                "displayName": "Södra skolan",
                "organisationType": "Skolenhet",
                "schoolUnitCode": "87654321",
                "schoolTypes": ["GR"],
            },
        ],
        persons=[
            _person(ANNA, "Anna", "E-1001", UNIT, pnr_identifier=True),
            _person(BIRK, "Birk", "E-1002", UNIT),
            _person(CLEO, "Cleo", "E-1003", UNIT, pnr_identifier=True),  # no attendance at all
            _person(DANTE, "Dante", "E-2001", OTHER_UNIT),
        ],
        calendar_events=[
            # Monday 2 November 2026 (UTC+1), one given in UTC: 12:00Z is 13:00 at school.
            _event(MON_SV, SVENSKA, "2026-11-02T08:00:00+01:00", "2026-11-02T09:00:00+01:00"),
            _event(MON_MA, MATTE, "2026-11-02T09:15:00+01:00", "2026-11-02T10:15:00+01:00"),
            _event(MON_EN, ENGELSKA, "2026-11-02T12:00:00Z", "2026-11-02T13:20:00Z"),
            _event(
                TUE_SV,
                SVENSKA,
                "2026-11-03T08:00:00+01:00",
                "2026-11-03T09:40:00+01:00",
                teachingLengthStudent=90,
            ),
            _event(WED_MA, MATTE, "2026-11-04T10:00:00+01:00", "2026-11-04T11:00:00+01:00"),
        ],
        attendances=[
            attendance(1, ANNA, MON_SV, "2026-11-02T16:00:00+01:00", attendanceMinutes=60),
            attendance(
                2, ANNA, MON_MA, "2026-11-02T16:01:00+01:00", attendanceMinutes=45, invalidAbsenceMinutes=15
            ),
            attendance(3, ANNA, MON_EN, "2026-11-02T16:02:00+01:00", validAbsenceMinutes=80),
            attendance(
                4, ANNA, TUE_SV, LAST_MODIFIED
            ),  # reported, minutes not split: the whole lesson attended
            attendance(5, BIRK, MON_SV, "2026-11-02T16:03:00+01:00", validAbsenceMinutes=60),
            attendance(6, BIRK, MON_MA, "2026-11-02T16:04:00+01:00", invalidAbsenceMinutes=60),
            attendance(7, BIRK, MON_EN, "2026-11-02T16:05:00+01:00", reported=False),
        ],
        syllabuses=[
            _syllabus(
                SYLLABUS_SV, "Svenska", subjectCode="SVE", courseCode="SVESVE02", courseName="Svenska 2"
            ),
            _syllabus(SYLLABUS_MA, "Matematik", subjectCode="GRGRMAT01", subjectDesignation="MA"),
            _syllabus(
                SYLLABUS_EN, "Engelska", subjectCode="ENG", courseCode="ENGENG06", courseName="Engelska 6"
            ),
            _syllabus(SYLLABUS_IDH, "Idrott och hälsa", subjectCode="IDR", courseCode="IDRIDR01"),
        ],
        grades=[
            _grade(1, ANNA, SYLLABUS_SV, "F", "2026-10-30", "2026-10-30T15:00:00+01:00"),
            _grade(2, ANNA, SYLLABUS_MA, "E", "2026-10-30", "2026-10-30T15:01:00+01:00"),
            _grade(3, BIRK, SYLLABUS_IDH, "A", "2026-10-30", "2026-10-30T15:02:00+01:00"),
            _grade(4, BIRK, SYLLABUS_EN, "F", "2026-10-31", "2026-10-31T09:00:00+01:00"),
        ],
    )
