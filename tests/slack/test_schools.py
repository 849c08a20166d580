"""Two schools in one Slack workspace: every message names its school, and every button acts there.

Söderskolan is the workspace's first school (its coordinator is configured); the organisation's
admin adds Norrskolan with Bea as its coordinator. Both schools have a student 7B-01, both
mentored by Mia, who acts in Söderskolan. A prompt from Norrskolan must open Norrskolan's
student and save the check-in there; an alert in Norrskolan's channel is acted on there; a button
claiming a school the presser has no role in changes nothing.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.runtime import build_notifier
from bot.slack.blocks import (
    ACTION_ALERT_ACK,
    ACTION_ALERT_RESOLVE,
    ACTION_CHECKIN,
    ACTION_SNOOZE,
    RESOLVE_CALLBACK,
)
from bot.slack.stamps import NAME_BLOCK_ID
from models import AlertCase, AlertStatus, Person, Prompt, PromptStatus, Student
from models.db import Database
from tests.fake_slack import Call, FakeSlack
from tests.school_support import prompt_round as rounds
from tests.school_support import saved_check_ins, school_elsewhere, school_id
from tests.slack.conftest import SlackSim, serve, slack_settings, text_of

A, B = "Söderskolan", "Norrskolan"
NOT_YOUR_SCHOOL = "That message belongs to a school where you no longer have a role."


def settings_of(fake: FakeSlack) -> Settings:
    return slack_settings(fake, MENTORBOT_ADMINS="UADMIN")


@pytest.fixture
def sim(db: Database, fake_slack: FakeSlack) -> Iterator[SlackSim]:
    for base_url in serve(settings_of(fake_slack), db):
        running = SlackSim(base_url, fake_slack, db)
        yield running
        running.http.close()
        assert fake_slack.rejected == [], [(c.method, c.error) for c in fake_slack.rejected]


def say(sim: SlackSim, user: str, text: str) -> str:
    return sim.reply_to(sim.command(user, text))


@pytest.fixture
def schools(sim: SlackSim) -> SlackSim:
    assert "now called Söderskolan" in say(sim, "UADMIN", f"school rename {A}")
    say(sim, "UADMIN", "student add 7B-01 Alva")
    say(sim, "UADMIN", "assign 7B-01 <@UMIA|mia>")
    say(sim, "UADMIN", "role add <@UEVA|eva> eht")
    say(sim, "UADMIN", "eht <#C0EHTA|eht-a>")
    assert "Norrskolan is added" in say(sim, "UADMIN", f"school add {B} <@UBEA|bea>")
    say(sim, "UBEA", "student add 7B-01 Bill")
    say(sim, "UBEA", "assign 7B-01 <@UMIA|mia>")
    say(sim, "UBEA", "role add <@UEVA|eva> eht")
    say(sim, "UBEA", "eht <#C0EHTB|eht-b>")
    assert "You now act in Söderskolan" in say(sim, "UMIA", f"school {A}")
    return sim


def prompt_round(sim: SlackSim) -> None:
    """The clock delivers every due prompt through Slack, as it would at the next due time."""
    rounds(sim.db, build_notifier(settings_of(sim.fake), sim.db, io.StringIO()))


def prompt_to(sim: SlackSim, user: str, school: str) -> Call:
    return sim.fake.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == user and "Time to check in" in text_of(c) and school in text_of(c),
    )


def block_of(call: Call, action_id: str) -> dict[str, Any]:
    for block in call.args.get("blocks") or []:
        if any(element.get("action_id") == action_id for element in block.get("elements") or []):
            return block
    raise AssertionError(f"no {action_id} button")


def press_on(sim: SlackSim, user: str, call: Call, action_id: str, block_id: str | None = None) -> Any:
    """Press a button on a posted message, with the block id the message gave it (unless forged)."""
    block = block_of(call, action_id)
    value = next(e["value"] for e in block["elements"] if e["action_id"] == action_id)
    ts, channel = call.answer["ts"], call.answer["channel"]
    return sim.click(user, action_id, value, ts, channel, block_id or block["block_id"])


def opened_for(sim: SlackSim, response: Any) -> dict[str, Any]:
    trigger = response.request.content.decode()
    return sim.fake.wait_for("views.open", lambda c: c.args["trigger_id"] in trigger).args["view"]


def saved(sim: SlackSim) -> list[tuple[str, str]]:
    return saved_check_ins(sim.db)


def name_line(call: Call) -> str | None:
    blocks = call.args.get("blocks") or (call.args.get("view") or {}).get("blocks") or []
    first = blocks[0] if blocks else {}
    return first["elements"][0]["text"] if first.get("block_id") == NAME_BLOCK_ID else None


def test_a_prompt_from_the_other_school_checks_in_that_schools_student(schools: SlackSim) -> None:
    prompt_round(schools)
    from_a, from_b = prompt_to(schools, "UMIA", A), prompt_to(schools, "UMIA", B)
    assert (name_line(from_a), name_line(from_b)) == (A, B)
    assert block_of(from_b, ACTION_CHECKIN)["block_id"].endswith(f"|school:{school_id(schools.db, B)}")

    # Mia acts in Söderskolan, yet Norrskolan's prompt opens Norrskolan's 7B-01 (Bill, not Alva).
    view = opened_for(schools, press_on(schools, "UMIA", from_b, ACTION_CHECKIN))
    shown = text_of(Call("views.open", {"view": view}))
    assert "Bill" in shown and "Alva" not in shown and B in shown
    schools.submit_checkin("UMIA", view, affective="1")
    saved_dm = schools.fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "UMIA" and "saved" in text_of(c)
    )
    assert name_line(saved_dm) == B
    assert saved(schools) == [("Bill", B)]
    with schools.db.transaction() as session:
        mia = session.scalars(select(Person).where(Person.user_id == "UMIA")).one()
        assert mia.current_school_id == school_id(schools.db, A)  # a press does not move her

    # The worrying check-in raised Norrskolan's alert, in Norrskolan's channel, named so.
    alert_post = schools.fake.wait_for(
        "chat.postMessage", lambda c: c.args["channel"] == "C0EHTB" and "7B-01" in text_of(c)
    )
    assert name_line(alert_post) == B
    assert not [
        c
        for c in schools.fake.of("chat.postMessage")
        if c.args["channel"] == "C0EHTA" and "7B-01" in text_of(c)
    ]


def raised_in_norrskolan(sim: SlackSim) -> tuple[Call, AlertCase]:
    prompt_round(sim)
    view = opened_for(sim, press_on(sim, "UMIA", prompt_to(sim, "UMIA", B), ACTION_CHECKIN))
    sim.submit_checkin("UMIA", view, affective="1")
    post = sim.fake.wait_for(
        "chat.postMessage",
        lambda c: c.args["channel"] == "C0EHTB" and any(b["type"] == "actions" for b in c.args["blocks"]),
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with sim.db.transaction() as session:
            alert = session.scalars(select(AlertCase)).one()
            session.expunge(alert)
        if alert.message_ref:
            return post, alert
        time.sleep(0.02)
    raise AssertionError("the alert was never posted")


def alert_status(sim: SlackSim) -> AlertStatus:
    with sim.db.transaction() as session:
        return session.scalars(select(AlertCase.status)).one()


def test_alert_buttons_act_in_the_alerts_school_for_someone_in_both(schools: SlackSim) -> None:
    post, alert = raised_in_norrskolan(schools)
    with schools.db.transaction() as session:
        assert session.get_one(Student, alert.student_id).school_id == school_id(schools.db, B)
    # A button claiming another organisation's school is refused and changes nothing.
    forged = f"alert:{alert.id}|school:{school_elsewhere(schools.db, 'slack', 'T0ELSEWHERE')}"
    assert NOT_YOUR_SCHOOL in schools.reply_to(press_on(schools, "UEVA", post, ACTION_ALERT_ACK, forged))
    assert alert_status(schools) is AlertStatus.OPEN
    # Eva is EHT in both schools and acts in Söderskolan, where this alert does not exist.
    said = schools.reply_to(press_on(schools, "UEVA", post, ACTION_ALERT_ACK))
    assert "acknowledged" in said and B in said
    assert alert_status(schools) is AlertStatus.ACKNOWLEDGED

    # Resolve… opens a form that remembers the school; saving it resolves Norrskolan's alert.
    view = opened_for(schools, press_on(schools, "UEVA", post, ACTION_ALERT_RESOLVE))
    assert view["callback_id"] == RESOLVE_CALLBACK and name_line(Call("views.open", {"view": view})) == B
    outcome = {"outcome": {"outcome": {"type": "static_select", "selected_option": {"value": "talked"}}}}
    schools.submit_view("UEVA", view, outcome)
    schools.fake.wait_for(
        "chat.postEphemeral", lambda c: c.args["user"] == "UEVA" and "resolved" in text_of(c)
    )
    assert alert_status(schools) is AlertStatus.RESOLVED


def test_a_button_from_before_schools_were_stamped_acts_where_one_acts_now(schools: SlackSim) -> None:
    post, alert = raised_in_norrskolan(schools)
    # An unstamped block (an old message) acts in Eva's current school, Söderskolan: not this alert.
    said = schools.reply_to(press_on(schools, "UEVA", post, ACTION_ALERT_ACK, block_id=f"alert:{alert.id}"))
    assert f"There is no case #{alert.id}" in said
    assert alert_status(schools) is AlertStatus.OPEN


def test_an_unreadable_school_is_ignored(schools: SlackSim) -> None:
    prompt_round(schools)
    from_b = prompt_to(schools, "UMIA", B)
    for stamp in ("0", "abc", "1234567890", "-3", "1e3", " 7", ""):
        response = press_on(schools, "UMIA", from_b, ACTION_CHECKIN, f"prompt:7B-01|school:{stamp}")
        # As if unstamped: Mia's current school, Söderskolan, and its 7B-01.
        assert "Alva" in text_of(Call("views.open", {"view": opened_for(schools, response)}))


def test_a_forged_school_is_refused_politely_and_changes_nothing(schools: SlackSim) -> None:
    other_organisation = school_elsewhere(schools.db, "slack", "T0ELSEWHERE")
    prompt_round(schools)
    from_b = prompt_to(schools, "UMIA", B)
    forged = f"prompt:7B-01|school:{other_organisation}"
    assert NOT_YOUR_SCHOOL in schools.reply_to(press_on(schools, "UMIA", from_b, ACTION_CHECKIN, forged))
    assert NOT_YOUR_SCHOOL in schools.reply_to(press_on(schools, "UMIA", from_b, ACTION_SNOOZE, forged))
    # Bea has a role in Norrskolan only: a button claiming Söderskolan is not hers to press.
    not_hers = f"prompt:7B-01|school:{school_id(schools.db, A)}"
    assert NOT_YOUR_SCHOOL in schools.reply_to(press_on(schools, "UBEA", from_b, ACTION_SNOOZE, not_hers))
    assert schools.fake.of("views.open") == []
    with schools.db.transaction() as session:
        assert set(session.scalars(select(Prompt.status))) == {PromptStatus.SENT}
    assert saved(schools) == []


def test_app_home_and_replies_name_the_school_for_someone_in_several(schools: SlackSim) -> None:
    schools.open_home("UMIA")
    home = schools.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UMIA")
    assert name_line(home) == A and "Alva" in text_of(home) and "Bill" not in text_of(home)
    stamped = [b["block_id"] for b in home.args["view"]["blocks"] if b.get("accessory")]
    assert stamped and all(b.endswith(f"|school:{school_id(schools.db, A)}") for b in stamped)
    assert name_line(schools.answer_to(schools.command("UMIA", "mentees"))) == A
    # Bea works in one school only: no school names for her.
    assert name_line(schools.answer_to(schools.command("UBEA", "students"))) is None


def test_a_single_school_workspace_never_sees_a_school_name(slack: SlackSim) -> None:
    say(slack, "UADMIN", "student add 7B-01 Alva")
    say(slack, "UADMIN", "assign 7B-01 <@UMIA|mia>")
    prompt_round(slack)
    prompt = slack.fake.wait_for("chat.postMessage", lambda c: "Time to check in" in text_of(c))
    # The buttons still carry the school, so a press acts where the message came from.
    assert "|school:" in block_of(prompt, ACTION_CHECKIN)["block_id"]
    view = opened_for(slack, press_on(slack, "UMIA", prompt, ACTION_CHECKIN))
    slack.submit_checkin("UMIA", view)
    slack.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "UMIA" and "saved" in text_of(c))
    slack.open_home("UMIA")
    slack.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UMIA")
    say(slack, "UMIA", "mentees")
    shown = [
        c
        for c in slack.fake.calls
        if c.method in ("chat.postMessage", "views.publish", "views.open", "response_url")
    ]
    assert shown and all(name_line(c) is None for c in shown)
    assert saved(slack) == [("Alva", "")]


def test_app_home_tells_someone_with_no_role_how_to_begin(schools: SlackSim) -> None:
    schools.open_home("UNEWCOMER")
    home = schools.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "UNEWCOMER")
    assert "no role in any school here yet" in text_of(home)
    assert "Alva" not in text_of(home) and "Bill" not in text_of(home)
