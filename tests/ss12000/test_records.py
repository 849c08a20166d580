"""The mapping from SS 12000 JSON to mentorbot's records, without a server."""

from __future__ import annotations

import pytest

from bot.ss12000.records import grade_from, scrub, syllabus_subject
from models.course import SignalKind


@pytest.mark.parametrize(
    ("syllabus", "subject"),
    [
        ({"subjectDesignation": "SVA", "subjectCode": "GRGRSVA01"}, "SVA"),
        ({"subjectDesignation": "en"}, "EN"),
        ({"subjectCode": "GRGRMAT01"}, "MA"),
        ({"subjectCode": "SVE", "courseCode": "SVESVE01"}, "SV"),
        ({"courseCode": "SVASVA03"}, "SVA"),
        ({"courseCode": "MATMAT01a"}, "MA"),
        ({"courseCode": "ENGENG05"}, "EN"),
        ({"subjectDesignation": "ID", "subjectCode": "GRGRIDH01"}, None),
        ({"courseCode": "IDRIDR01"}, None),
        ({"subjectDesignation": "M2", "subjectCode": "GRGRMSP01", "languageCode": "spa"}, None),
        ({}, None),
    ],
)
def test_core_subjects_by_designation_or_skolverkets_codes(syllabus: dict, subject: str) -> None:
    assert syllabus_subject(syllabus) == subject


MATEMATIK = {"id": "s1", "subjectDesignation": "MA"}
GRADE = {
    "id": "g1",
    "student": {"id": "p1"},
    "registeredDate": "2026-12-18",
    "gradeValue": "F",
    "syllabus": {"id": "s1"},
}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("F", SignalKind.GRADE_F),
        ("-", SignalKind.NO_GRADE),
        ("E", SignalKind.PASSED),
        ("a", SignalKind.PASSED),
        ("IG", SignalKind.GRADE_F),
        ("***", None),  # another scale says nothing of F
        ("1", None),
    ],
)
def test_what_a_grade_value_signals(value: str, kind: SignalKind | None) -> None:
    grade = grade_from({**GRADE, "gradeValue": value}, MATEMATIK)
    assert (grade.kind if grade else None) == kind


@pytest.mark.parametrize(
    "partial",
    [
        {"student": None},
        {"student": {}},
        {"registeredDate": "18/12/2026"},
        {"registeredDate": None},
        {"gradeValue": None},
        {"id": None},
    ],
)
def test_a_partial_grade_row_is_left_out_not_a_crash(partial: dict) -> None:
    assert grade_from({**GRADE, **partial}, MATEMATIK) is None
    assert grade_from(GRADE, None) is None  # the syllabus could not be looked up


def test_scrub_removes_the_personnummer_at_any_depth_and_keeps_the_rest() -> None:
    answer = {
        "data": [
            {
                "id": "p1",
                "civicNo": {"value": "200904151230"},
                "_embedded": {"student": {"id": "p2", "civicNo": {"value": "200906024567"}}},
                "responsibles": [{"person": {"id": "p3", "civicNo": {"value": "200812307890"}}}],
            }
        ],
        "pageToken": None,
    }
    assert scrub(answer) == {
        "data": [
            {
                "id": "p1",
                "_embedded": {"student": {"id": "p2"}},
                "responsibles": [{"person": {"id": "p3"}}],
            }
        ],
        "pageToken": None,
    }
