"""Coordinator and mentor flows end to end through Slack: signed requests in, Web API calls out."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.slack.blocks import ACTION_CHECKIN, ACTION_NOTMET, ACTION_SNOOZE
from models import CheckIn, CheckInKind, Mentorship, Prompt, PromptStatus, School, Student
from schedules.clock import Clock
from tests.clock_support import RecordingNotifier
from tests.fake_slack import Call
from tests.slack.conftest import SlackSim, text_of


def check_ins(slack: SlackSim) -> list[CheckIn]:
    with slack.db.transaction() as session:
        return list(session.scalars(select(CheckIn).order_by(CheckIn.id)))


def dm_to(slack: SlackSim, user: str, containing: str) -> Call:
    return slack.fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == user and containing in text_of(c)
    )


@pytest.fixture
def school(slack: SlackSim) -> SlackSim:
    """A coordinator registers two students and gives each a mentor, with Slack's escaped mentions."""
    assert "registered" in slack.reply_to(slack.command("UADMIN", "student add 7B-03 Alex grade=7"))
    assert "registered" in slack.reply_to(slack.command("UADMIN", "student add 8A-11"))
    assert "now mentored by" in slack.reply_to(slack.command("UADMIN", "assign 7B-03 <@UANNA|anna>"))
    assert "now mentored by" in slack.reply_to(slack.command("UADMIN", "assign 8A-11 @UBO"))
    return slack


def open_checkin(slack: SlackSim, user: str, code: str) -> dict[str, Any]:
    response = slack.command(user, f"checkin {code}")
    trigger = response.request.content.decode().split("trigger_id=")[1]
    call = slack.fake.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger)
    return call.args["view"]


def test_coordinator_sets_up_the_school(school: SlackSim) -> None:
    # The mentor hears about it in a DM, as a real mention.
    call = dm_to(school, "UANNA", "mentor of 7B-03")
    assert call.args["text"].startswith("You are now the mentor of 7B-03")
    listing = school.reply_to(school.command("UADMIN", "students"))
    assert "7B-03" in listing and "8A-11" in listing and "<@UANNA>" in listing
    assert "C0EHT" in school.reply_to(school.command("UADMIN", "eht <#C0EHT|eht>"))
    school.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C0EHT")
    with school.db.transaction() as session:
        assert session.scalars(select(School.eht_channel)).one() == "C0EHT"


def test_mentor_is_refused_what_coordinators_do(school: SlackSim) -> None:
    assert "Only coordinators" in school.reply_to(school.command("UANNA", "student add 9C-01"))


def test_check_in_modal_is_built_from_the_form_and_saves(school: SlackSim) -> None:
    view = open_checkin(school, "UANNA", "7B-03")
    assert view["type"] == "modal" and view["callback_id"] == "checkin"
    block_ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert block_ids[:3] == ["met", "absent_days", "unexcused_days"] and "note" in block_ids
    assert "very worrying" in text_of(Call("views.open", {"view": view}))

    response = school.submit_checkin("UANNA", view)
    assert (response.status_code == 200 and response.content in (b"", b"{}")) or response.json() == {}
    dm = dm_to(school, "UANNA", "Check-in for 7B-03 saved")
    assert "Engagement trend" in text_of(dm)
    [check_in] = check_ins(school)
    assert check_in.met and check_in.behavioural == 4 and check_in.kind is CheckInKind.ADHOC
    # The home tab is redrawn with the new check-in.
    school.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UANNA")


def test_wrong_answers_are_shown_inline_and_nothing_is_saved(school: SlackSim) -> None:
    view = open_checkin(school, "UANNA", "7B-03")
    response = school.submit_checkin("UANNA", view, absent_days="2", unexcused_days="3", behavioural="")
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"unexcused_days", "behavioural"}
    assert "more than the absences" in answer["errors"]["unexcused_days"]
    assert check_ins(school) == []


def test_a_double_submit_is_saved_once(school: SlackSim) -> None:
    view = open_checkin(school, "UANNA", "7B-03")
    view["id"] = "V0SAME"
    school.submit_checkin("UANNA", view)
    school.submit_checkin("UANNA", view)
    dm_to(school, "UANNA", "saved")
    dm_to(school, "UANNA", "already done")
    assert len(check_ins(school)) == 1


def test_a_mentor_cannot_check_in_someone_elses_mentee(school: SlackSim) -> None:
    assert "not one of your mentees" in school.reply_to(school.command("UBO", "checkin 7B-03"))
    assert school.fake.of("views.open") == []
    # Nor by submitting a form for it (a modal opened for someone else's code).
    view = open_checkin(school, "UANNA", "7B-03")
    school.submit_checkin("UBO", view)
    dm_to(school, "UBO", "not one of your mentees")
    assert check_ins(school) == []


def test_prompt_buttons_call_the_same_use_cases(school: SlackSim) -> None:
    with school.db.transaction() as session:
        before = session.scalars(
            select(Mentorship.next_due_at).join(Student).where(Student.code == "7B-03")
        ).one()
    # The clock prompts (delivered elsewhere here); the buttons answer that prompt.
    Clock(school.db, RecordingNotifier(), worker="test").tick(before)
    assert "again on" in school.reply_to(school.click("UANNA", ACTION_SNOOZE, "7B-03"))
    # A double click on the same prompt snoozes once.
    assert "already done" in school.reply_to(school.click("UANNA", ACTION_SNOOZE, "7B-03"))
    with school.db.transaction() as session:
        after = session.scalars(
            select(Mentorship.next_due_at).join(Student).where(Student.code == "7B-03")
        ).one()
        status = session.scalars(
            select(Prompt.status).join(Mentorship).join(Student).where(Student.code == "7B-03")
        ).one()
    assert status is PromptStatus.SNOOZED and after > before  # the cadence's next round still comes

    assert "did not meet 7B-03" in school.reply_to(
        school.click("UANNA", ACTION_NOTMET, "7B-03", "1700000000.000002")
    )
    school.reply_to(school.click("UANNA", ACTION_NOTMET, "7B-03", "1700000000.000002"))
    [not_met] = check_ins(school)
    assert not not_met.met

    school.click("UANNA", ACTION_CHECKIN, "7B-03", "1700000000.000003")
    view = school.fake.wait_for("views.open").args["view"]
    school.submit_checkin("UANNA", view)
    dm_to(school, "UANNA", "saved")
    assert [c.kind for c in check_ins(school)] == [CheckInKind.SCHEDULED, CheckInKind.SCHEDULED]
    assert "not one of your mentees" in school.reply_to(school.click("UBO", ACTION_SNOOZE, "7B-03"))


def test_app_home_shows_caseload_and_the_school(school: SlackSim) -> None:
    for rating in ("2", "4"):
        view = open_checkin(school, "UANNA", "7B-03")
        view["id"] = f"V{rating}"
        school.submit_checkin(
            "UANNA", view, behavioural=rating, academic=rating, cognitive=rating, affective=rating
        )
        dm_to(school, "UANNA", f"{'▃' if rating == '2' else '▆'}")
    school.fake.clear()
    assert school.open_home("UANNA").status_code == 200
    home = text_of(school.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UANNA"))
    assert "7B-03 Alex" in home and "▃▆" in home and "improving" in home and "8A-11" not in home
    assert "The school" not in home

    assert "registered" in school.reply_to(school.command("UADMIN", "student add 9C-02"))
    school.open_home("UADMIN")
    admin_home = text_of(school.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UADMIN"))
    assert "Without a mentor" in admin_home and "9C-02" in admin_home


def test_app_home_shows_the_health_team_the_open_alerts_only(school: SlackSim) -> None:
    # EHT may list open alerts, but neither all students nor another mentor's check-ins.
    assert "EHT" in school.reply_to(school.command("UADMIN", "role add <@UEVA|eva> eht"))
    assert "registered" in school.reply_to(school.command("UADMIN", "student add 9C-02"))
    school.submit_checkin("UANNA", open_checkin(school, "UANNA", "7B-03"), affective="1")
    dm_to(school, "UANNA", "saved")
    school.fake.clear()
    school.open_home("UEVA")
    home = text_of(school.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UEVA"))
    assert "The school" in home and "7B-03" in home
    assert "Without a mentor" not in home and "9C-02" not in home and "Overdue check-ins" not in home


def test_roster_import_saves_good_rows_and_reports_bad_ones(school: SlackSim) -> None:
    school.command("UADMIN", "import")
    view = school.fake.wait_for("views.open").args["view"]
    assert view["callback_id"] == "roster_import"
    rows = "\n".join(
        [
            "code,name,grade,class,mentor",
            "9A-01,Kim,9,9A,UANNA",
            "9A-02,Sam,4,9A,UANNA",  # grade out of range
            "9A-03,Lo,9,9A,not a user",  # bad mentor: the student must not be half-registered
            "7B-03,Alex again",  # already registered
            "9A-04;Vi;9;9A;<@UBO|bo>",
        ]
    )
    values = {"roster": {"roster": {"type": "plain_text_input", "value": rows}}}
    assert school.submit_view("UADMIN", view, values).status_code == 200
    report = text_of(dm_to(school, "UADMIN", "Import:"))
    assert "2 of 5 rows saved" in report
    assert "Row 3 9A-02" in report and "Row 4 9A-03" in report and "Row 5 7B-03" in report
    with school.db.transaction() as session:
        codes = set(session.scalars(select(Student.code)))
    assert {"9A-01", "9A-04"} <= codes and not {"9A-02", "9A-03"} & codes
    dm_to(school, "UBO", "mentor of 9A-04")


def test_import_is_for_coordinators(school: SlackSim) -> None:
    assert "Only coordinators" in school.reply_to(school.command("UANNA", "import"))


def test_empty_import_is_refused_inline(school: SlackSim) -> None:
    school.command("UADMIN", "import")
    view = school.fake.wait_for("views.open").args["view"]
    values = {"roster": {"roster": {"type": "plain_text_input", "value": " \n"}}}
    assert school.submit_view("UADMIN", view, values).json()["response_action"] == "errors"


def test_everything_is_counted_once(school: SlackSim) -> None:
    with school.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Student)) == 2


def test_a_long_import_says_it_has_started(school: SlackSim) -> None:
    school.command("UADMIN", "import")
    view = school.fake.wait_for("views.open").args["view"]
    rows = "\n".join(f"6A-{n:02d},,6,6A" for n in range(1, 31))
    school.submit_view("UADMIN", view, {"roster": {"roster": {"type": "plain_text_input", "value": rows}}})
    dm_to(school, "UADMIN", "Importing 30 rows")
    assert "30 of 30 rows saved" in text_of(dm_to(school, "UADMIN", "Import:"))


def test_check_in_from_app_home_is_ad_hoc_and_in_swedish(school: SlackSim) -> None:
    school.reply_to(school.command("UANNA", "språk sv"))
    school.click("UANNA", ACTION_CHECKIN, "7B-03", message_ts=None)
    view = school.fake.wait_for("views.open").args["view"]
    form = text_of(Call("views.open", {"view": view}))
    assert "Avstämning" in form and "1 · mycket oroande" in form and "Spara" in form
    response = school.submit_checkin("UANNA", view, behavioural="9")
    assert response.json()["errors"] == {"behavioural": "Skriv ett heltal från 1 till 5."}
    school.submit_checkin("UANNA", view)
    dm_to(school, "UANNA", "Avstämningen för 7B-03 är sparad")
    assert [c.kind for c in check_ins(school)] == [CheckInKind.ADHOC]


def test_mentees_list_in_slack(school: SlackSim) -> None:
    listing = school.reply_to(school.command("UANNA", "mentees"))
    assert "7B-03 Alex" in listing and "8A-11" not in listing


def test_notes_never_reach_the_logs(
    school: SlackSim, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    note = "Pappa har flyttat ut, mamma oroad"
    view = open_checkin(school, "UANNA", "7B-03")
    school.submit_checkin("UANNA", view, note=note)
    dm_to(school, "UANNA", "saved")

    # Even when saving fails with an error that quotes the note (as database errors quote parameters).
    def failing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(f"INSERT failed for note={note!r}")

    monkeypatch.setattr("handlers.dispatch.Core.check_in", failing)
    view = open_checkin(school, "UANNA", "7B-03")
    view["id"] = "V0FAIL"
    school.submit_checkin("UANNA", view, note=note)
    dm_to(school, "UANNA", "something went wrong")
    assert "check-in submission failed: RuntimeError" in caplog.text
    assert note not in caplog.text
    # And it was not posted anywhere but to the mentor's own confirmation (which does not echo it).
    assert all(note not in text_of(c) for c in school.fake.calls)
