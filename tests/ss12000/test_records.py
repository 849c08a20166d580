"""The mapping from SS 12000 JSON to mentorbot's records, without a server."""

from __future__ import annotations

import pytest

from bot.ss12000.records import core_subject, scrub


@pytest.mark.parametrize(
    ("syllabus", "subject"),
    [
        ({"subjectDesignation": "SVA", "subjectCode": "GRGRSVA01"}, "svenska"),
        ({"subjectDesignation": "en"}, "engelska"),
        ({"subjectCode": "GRGRMAT01"}, "matematik"),
        ({"subjectCode": "SVE", "courseCode": "SVESVE01"}, "svenska"),
        ({"courseCode": "SVASVA03"}, "svenska"),
        ({"courseCode": "MATMAT01a"}, "matematik"),
        ({"courseCode": "ENGENG05"}, "engelska"),
        ({"subjectDesignation": "ID", "subjectCode": "GRGRIDH01"}, None),
        ({"courseCode": "IDRIDR01"}, None),
        ({"subjectDesignation": "M2", "subjectCode": "GRGRMSP01", "languageCode": "spa"}, None),
        ({}, None),
    ],
)
def test_core_subjects_by_designation_or_skolverkets_codes(syllabus: dict, subject: str) -> None:
    assert core_subject(syllabus) == subject


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
