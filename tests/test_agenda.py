"""The EHT meeting's agenda: what the team sees when it opens `agenda` at its weekly meeting.

A school with two open cases (one urgent, one to watch) and one that gets closed. Each meeting
sees every open case once, most worrying first, the student's engagement since the case opened,
and only what changed since the last meeting; never a note or a strength.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.clock_support import at
from tests.driver import Driver

NOTE = "Mamma har flyttat"
STRENGTH = "Spelade gitarr"


@pytest.fixture
def school(bot: Driver) -> Driver:
    for code in ("7B-03", "8A-11", "9C-02"):
        bot.say("admin", f"student add {code}")
        bot.say("admin", f"assign {code} @anna")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    return bot


def act(bot: Driver, moment: datetime, user: str, text: str) -> str:
    bot.now = moment
    return bot.say(user, text).text


def check_in(bot: Driver, moment: datetime, code: str, **answers: str) -> None:
    bot.now = moment
    bot.check_in("anna", code, note=NOTE, strengths=STRENGTH, **answers)


def test_the_first_meeting_sees_every_open_case_most_worrying_first(school: Driver) -> None:
    check_in(school, at(2026, 10, 12, 9), "7B-03", affective="3")  # a baseline before the case
    low = {"behavioural": "2", "academic": "2", "cognitive": "2", "affective": "1"}
    check_in(school, at(2026, 10, 19, 9), "7B-03", **low)  # at risk: the lowest rating
    check_in(school, at(2026, 10, 19, 10), "8A-11", concern="yes", concern_domain="home")  # urgent

    agenda = act(school, at(2026, 10, 20, 13), "erik", "agenda")

    lines = agenda.splitlines()
    assert lines[0] == "Agenda for the EHT meeting: 2 open cases (changes in the last 7 days)"
    urgent, at_risk = (next(i for i, line in enumerate(lines) if code in line) for code in ("8A-11", "7B-03"))
    assert urgent < at_risk
    assert "Urgent" in lines[urgent] and "open 1 day" in lines[urgent] and "no owner" in lines[urgent]
    assert "At risk" in lines[at_risk] and "Low engagement" in lines[at_risk]
    # The engagement since the case opened: the baseline (3s and 4s) and the fall to 2s and a 1.
    assert "engagement since the case opened: ▅▂ declining" in lines[at_risk + 1]
    assert "since then: case opened" in agenda
    assert NOTE not in agenda and STRENGTH not in agenda


def test_the_next_meeting_sees_only_what_changed_since_the_last(school: Driver) -> None:
    check_in(school, at(2026, 10, 19, 9), "7B-03", affective="1")
    check_in(school, at(2026, 10, 19, 10), "8A-11", concern="yes", concern_domain="home")
    check_in(school, at(2026, 10, 19, 11), "9C-02", affective="1")
    act(school, at(2026, 10, 20, 13), "erik", "agenda")  # Tuesday's meeting

    act(school, at(2026, 10, 21, 8), "erik", "alert ack 2")
    act(school, at(2026, 10, 21, 8, 5), "erik", "alert own 2")
    act(school, at(2026, 10, 21, 9), "erik", "plan 2 cc-intensive 2026-11-03 Komma i tid varje dag")
    act(school, at(2026, 10, 22, 8), "erik", "alert resolve 3 talked")

    # The next Tuesday: looked at once before the meeting and once in it, the same changes.
    before = act(school, at(2026, 10, 27, 8), "erik", "agenda")
    agenda = act(school, at(2026, 10, 27, 13), "erik", "agenda")
    assert agenda == before
    assert agenda.splitlines()[0] == (
        "Agenda for the EHT meeting: 2 open cases (changes since the last meeting, 20 Oct)"
    )
    owned = next(line for line in agenda.splitlines() if "8A-11" in line)
    assert "open 8 days" in owned and "@erik" in owned
    changes = agenda.splitlines()[agenda.splitlines().index(owned) + 1 :]
    assert changes[1].strip() == "plan: Check & Connect, intensive"
    assert changes[2].strip() == "since then: acknowledged, ownership taken, plan recorded"
    assert "no plan yet" in agenda  # 7B-03
    assert "Komma i tid" not in agenda  # the plan's goal is for those who work with it
    assert "since then: nothing new" in agenda  # 7B-03: untouched since the last meeting
    assert "since then: case opened" not in agenda
    # The closed case left the list and is named once below it.
    closed = agenda.split("Closed since then:")[1]
    assert "9C-02" in closed and "9C-02" not in agenda.split("Closed since then:")[0]


def test_a_rule_crossed_or_cleared_between_meetings_is_named(school: Driver) -> None:
    check_in(school, at(2026, 10, 19, 9), "7B-03", affective="1")
    act(school, at(2026, 10, 20, 13), "erik", "agenda")
    check_in(school, at(2026, 10, 22, 9), "7B-03", affective="1", late_arrivals="5")

    agenda = act(school, at(2026, 10, 27, 13), "erik", "agenda")

    assert "new: Late arrivals" in agenda


def test_the_agenda_in_swedish(school: Driver) -> None:
    check_in(school, at(2026, 10, 19, 9), "7B-03", affective="1")
    school.say("erik", "language sv")

    agenda = act(school, at(2026, 10, 20, 13), "erik", "dagordning")

    assert agenda.startswith("Dagordning för EHT-mötet: 1 öppet ärende (förändringar de senaste 7 dagarna)")
    assert "sedan dess: ärendet öppnades" in agenda


def test_no_open_cases_and_no_role(school: Driver) -> None:
    assert act(school, at(2026, 10, 20, 13), "erik", "agenda") == "Agenda: no open cases."
    assert school.say("anna", "agenda").outcome.refused
