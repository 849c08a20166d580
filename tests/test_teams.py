"""Teams over real HTTP: the app on 127.0.0.1, Microsoft played by a fake connector and key set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.teams.messages import with_names
from models import AlertCase, AlertStatus, CheckIn, ConversationReference, School, Student
from models.db import Database
from schedules.clock import Clock
from tests.clock_support import at, start_mentorships
from tests.teams_support import (
    APP_ID,
    BOT_ID,
    ISSUER,
    TEAM,
    TENANT,
    UNKNOWN_KEY,
    TeamsWorld,
    aad_of,
    buttons,
    card_of,
    sign,
    teams_token,
    teams_world,
)

GOOD = {
    "met": "yes",
    "absent_days": 0,
    "absent_lessons": 0,
    "late_arrivals": 0,
    "behavioural": "4",
    "academic": "4",
    "cognitive": "3",
    "affective": "4",
    "strengths": "Helped a classmate",
    "concern": "no",
    "note": "",
}
EHT_CHANNEL = "19:eht-channel@thread.tacv2"


@pytest.fixture
def world(db: Database) -> Iterator[TeamsWorld]:
    with teams_world(db, frozenset({aad_of("admin")})) as running:
        yield running


@pytest.fixture
def school(world: TeamsWorld) -> TeamsWorld:
    """admin coordinates; anna mentors 7B-03; erik is in the EHT; everyone has installed the app."""
    admin, anna, erik, bo = (world.user(n) for n in ("admin", "anna", "erik", "bo"))
    for person in (admin, anna, erik, bo):
        person.install()
    admin.say("student add 7B-03 Alex grade=7 class=7B")
    admin.say("assign 7B-03 @anna", mentions=[anna])
    admin.say("role add @erik eht", mentions=[erik])
    world.fake.clear()
    return world


def last_in(world: TeamsWorld, conversation: str) -> str:
    return world.fake.in_conversation(conversation)[-1].text


def saved(db: Database) -> list[CheckIn]:
    with db.transaction() as session:
        return list(session.scalars(select(CheckIn)))


# -- inbound authentication -------------------------------------------------------------------


def expired(service_url: str) -> str:
    past = int(time.time()) - 3600
    return teams_token(service_url, iat=past - 600, nbf=past - 600, exp=past)


@pytest.mark.parametrize(
    "token",
    [
        None,
        "not-a-jwt",
        "expired",
        "wrong-audience",
        "wrong-issuer",
        "unknown-key",
        "other-service-url",
    ],
)
def test_requests_without_a_valid_token_are_refused_and_change_nothing(
    world: TeamsWorld, token: str | None
) -> None:
    anna = world.user("anna")
    url = world.fake_url
    tokens = {
        None: None,
        "not-a-jwt": "not-a-jwt",
        "expired": expired(url),
        "wrong-audience": teams_token(url, aud="99999999-2222-4333-8444-555555555555"),
        "wrong-issuer": teams_token(url, iss="https://evil.example"),
        "unknown-key": sign(
            {"iss": ISSUER, "aud": APP_ID, "serviceurl": url, "exp": int(time.time()) + 600},
            UNKNOWN_KEY,
            "other",
        ),
        # A token Teams issued for another service URL must not make us send our token elsewhere.
        "other-service-url": teams_token("http://127.0.0.1:9/elsewhere"),
    }
    answer = anna.send(anna.personal(type="message", text="help"), token=tokens[token])
    assert answer.status == 401
    assert world.fake.posted == []
    with world.db.transaction() as session:
        assert session.scalars(select(ConversationReference)).all() == []


def test_a_valid_token_is_accepted(world: TeamsWorld) -> None:
    assert world.user("anna").say("help").status == 200
    assert world.fake.tokens_issued == 1  # the bot's own token, fetched once and reused
    world.user("anna").say("help")
    assert world.fake.tokens_issued == 1


def test_another_tenant_is_forbidden(world: TeamsWorld) -> None:
    anna = world.user("anna")
    activity = anna.personal(type="message", text="help")
    activity["conversation"]["tenantId"] = "00000000-0000-4000-8000-000000000000"
    activity["channelData"]["tenant"]["id"] = "00000000-0000-4000-8000-000000000000"
    assert anna.send(activity).status == 403
    assert world.fake.posted == []


# -- commands in the 1:1 chat -----------------------------------------------------------------


def test_commands_with_and_without_mentor_and_help_as_a_card(school: TeamsWorld) -> None:
    anna = school.user("anna")
    anna.say("mentees")
    assert "7B-03 Alex" in last_in(school, anna.personal_chat)
    anna.say("mentor mentees")
    assert "7B-03 Alex" in last_in(school, anna.personal_chat)
    anna.say("help")
    card = card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity)
    assert card is not None and card["body"][0]["text"] == "What I can do"
    assert "checkin CODE" in last_in(school, anna.personal_chat)
    anna.say("mentor hjälp checkin")
    assert "checkin CODE" in last_in(school, anna.personal_chat)


def test_replies_answer_the_message_they_belong_to(school: TeamsWorld) -> None:
    anna = school.user("anna")
    anna.say("mentees")
    [posted] = school.fake.in_conversation(anna.personal_chat)
    assert posted.reply_to and posted.reply_to.startswith("anna-")


def test_a_mention_of_someone_who_never_used_the_app_gets_a_polite_answer(school: TeamsWorld) -> None:
    admin, stranger = school.user("admin"), school.user("stranger")
    admin.say("student add 8A-11")
    admin.say("assign 8A-11 @stranger", mentions=[stranger])
    assert "I do not know Stranger yet" in last_in(school, admin.personal_chat)


def test_typos_and_refusals_are_answered_in_the_users_language(school: TeamsWorld) -> None:
    anna = school.user("anna")
    anna.say("mentess")
    first, usage = school.fake.in_conversation(anna.personal_chat)
    assert "closest command" in first.text and "mentees [@mentor]" in usage.text
    anna.say("language sv")
    anna.say("students")
    assert "bara koordinatorer" in last_in(school, anna.personal_chat)


def test_in_a_channel_only_help_and_eht_are_answered(school: TeamsWorld) -> None:
    admin = school.user("admin")
    admin.say_in_channel("students", EHT_CHANNEL, "Elevhälsa")
    [posted] = school.fake.in_conversation(f"{EHT_CHANNEL};messageid=root")
    assert "1:1 chat" in posted.text and "7B-03" not in posted.text


# -- the check-in form ------------------------------------------------------------------------


def test_check_in_card_only_for_ones_own_mentee(school: TeamsWorld) -> None:
    anna, bo = school.user("anna"), school.user("bo")
    bo.say("checkin 7B-03")
    assert "not one of your mentees" in last_in(school, bo.personal_chat)
    assert card_of(school.fake.in_conversation(bo.personal_chat)[-1].activity) is None
    answer = bo.press({"do": "checkin.submit", "code": "7B-03", "kind": "adhoc"}, GOOD)
    assert "not one of your mentees" in answer.text
    assert saved(school.db) == []

    anna.say("checkin 7B-03")
    form = card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity)
    assert form is not None
    inputs = {element["id"]: element for element in form["body"] if "id" in element}
    assert inputs["behavioural"]["type"] == "Input.ChoiceSet"
    assert {c["title"] for c in inputs["behavioural"]["choices"]} >= {"1 very worrying", "5 very good"}
    assert inputs["absent_days"]["type"] == "Input.Number"
    assert inputs["strengths"]["type"] == "Input.Text" and inputs["note"]["isMultiline"]
    assert (
        inputs["concern"]["type"] == "Input.Toggle" and inputs["concern_domain"]["type"] == "Input.ChoiceSet"
    )
    assert "Save check-in" in buttons(form)


def test_bad_answers_come_back_on_the_form_and_nothing_is_saved(school: TeamsWorld) -> None:
    anna = school.user("anna")
    anna.say("checkin 7B-03")
    form = card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity)
    save = buttons(form)["Save check-in"]
    answer = anna.press(save, {**GOOD, "absent_days": 99, "behavioural": "9", "concern": "yes"})
    assert answer.status == 200 and answer.card is not None
    assert "Enter a whole number from 0 to 60." in answer.text
    assert "Enter a whole number from 1 to 5." in answer.text
    assert "What is the concern about? (only if it applies)\nPlease answer this question." in answer.text
    kept = {e["id"]: e.get("value") for e in answer.card["body"] if "id" in e}
    assert kept["strengths"] == "Helped a classmate" and kept["concern"] == "yes"
    assert saved(school.db) == []


def test_good_answers_are_saved_and_the_form_becomes_a_confirmation(school: TeamsWorld) -> None:
    anna = school.user("anna")
    anna.say("checkin 7B-03")
    save = buttons(card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity))["Save check-in"]
    answer = anna.press(save, GOOD)
    assert answer.card is not None and "Check-in for 7B-03 saved" in answer.text
    assert not [e for e in answer.card["body"] if "id" in e]  # no inputs left
    [check_in] = saved(school.db)
    assert check_in.behavioural == 4 and check_in.strengths == "Helped a classmate"


# -- proactive messages -----------------------------------------------------------------------


def test_the_clock_prompts_through_the_stored_conversation(school: TeamsWorld) -> None:
    anna = school.user("anna")
    start_mentorships(school.db, at(2026, 10, 18, 12))
    report = Clock(school.db, school.notifier, worker="test").tick(at(2026, 10, 19, 8, 31))
    assert report.prompts == 1
    [prompt] = school.fake.in_conversation(anna.personal_chat)
    assert "Time to check in" in prompt.text and "7B-03 Alex" in prompt.text
    actions = buttons(card_of(prompt.activity))
    assert set(actions) == {"Check in", "Snooze", "Did not meet"}
    # One school in the tenant: no school's name anywhere, yet every button carries the school.
    assert card_of(prompt.activity)["body"][0]["text"] == "Time to check in:"
    with school.db.transaction() as session:
        [school_id] = session.scalars(select(School.id))
    assert {data["school"] for data in actions.values()} == {school_id}
    answer = anna.press(actions["Check in"])
    assert answer.text == "The check-in form for 7B-03 is below."
    form = card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity)
    assert buttons(form)["Save check-in"]["kind"] == "scheduled"
    assert form["body"][0]["text"].startswith("Check-in for 7B-03")
    assert "again on" in anna.press(actions["Snooze"]).text


def test_a_person_without_a_conversation_yet_gets_the_message_once_they_install(world: TeamsWorld) -> None:
    admin, anna = world.user("admin"), world.user("anna")
    admin.install()
    anna.say("hello")  # anna has written once: the bot knows her now
    admin.say("student add 7B-03")
    admin.say("assign 7B-03 @anna", mentions=[anna])
    assert "You are now the mentor of 7B-03" in last_in(world, anna.personal_chat)


# -- EHT alerts in the channel ----------------------------------------------------------------


def alert_in_channel(school: TeamsWorld, **answers: object) -> dict:
    admin, anna = school.user("admin"), school.user("anna")
    admin.say_in_channel("eht", EHT_CHANNEL, "Elevhälsa")
    # Confirmed by the channel's own name.
    confirmed = school.fake.in_conversation(f"{EHT_CHANNEL};messageid=root")[-1].text
    assert "will be posted in Elevhälsa." in confirmed
    anna.say("checkin 7B-03")
    save = buttons(card_of(school.fake.in_conversation(anna.personal_chat)[-1].activity))["Save check-in"]
    anna.press(save, {**GOOD, "affective": "1", "note": "Secret note about home", **answers})
    posts = school.fake.in_conversation(EHT_CHANNEL)
    assert "receives mentorbot's alerts" in posts[0].text
    alert = posts[-1]
    assert "Case #" in alert.text and "· 7B-03" in alert.text and "Secret" not in str(alert.activity)
    return {"post": alert, "buttons": buttons(card_of(alert.activity))}


def test_eht_alert_lifecycle_by_card_in_the_channel_updated_in_place(school: TeamsWorld) -> None:
    posted = alert_in_channel(school)
    post, actions = posted["post"], posted["buttons"]
    erik, bo = school.user("erik"), school.user("bo")

    refused = bo.press(actions["Acknowledge"], channel=EHT_CHANNEL)
    assert "Only the student health team" in refused.text
    assert post.updates == []

    answer = erik.press(actions["Acknowledge"], channel=EHT_CHANNEL)
    # No typed command next to the card's buttons.
    assert "acknowledged" in answer.text and "alert own" not in answer.text
    assert "acknowledged by @Erik" in post.text
    assert "Acknowledge" not in buttons(card_of(post.current))

    answer = erik.press(actions["Take ownership"], channel=EHT_CHANNEL)
    assert "You own case" in answer.text and "alert resolve" not in answer.text
    assert "owner @Erik" in post.text

    assert "Choose what was done" in erik.press(actions["Resolve"], channel=EHT_CHANNEL).text
    answer = erik.press(actions["Resolve"], {"outcome": "talked", "follow_up": ""}, channel=EHT_CHANNEL)
    assert "resolved" in answer.text
    assert "outcome: talked with the student" in post.text and buttons(card_of(post.current)) == {}
    assert len(school.fake.in_conversation(EHT_CHANNEL)) == 2  # the channel notice and the one card
    with school.db.transaction() as session:
        assert session.scalars(select(AlertCase)).one().status is AlertStatus.RESOLVED


def test_a_plan_recorded_from_the_card_keeps_its_goal_off_the_channel(school: TeamsWorld) -> None:
    goal = "Alex kommer i tid tre morgnar i veckan"
    posted = alert_in_channel(school)
    post, record = posted["post"], posted["buttons"]["Record plan"]
    erik = school.user("erik")
    assert "Choose what the plan does" in erik.press(record, channel=EHT_CHANNEL).text
    review = (date.today() + timedelta(days=10)).isoformat()
    answers = {"plan_kind": "cc_basic", "review_on": review, "goal": goal}
    refused = school.user("bo").press(record, answers, channel=EHT_CHANNEL)
    assert "Only the student health team" in refused.text
    answer = erik.press(record, answers, channel=EHT_CHANNEL)
    assert "Plan recorded on case #1 for 7B-03." in answer.text
    assert f"review {review}" in post.text and "owner @Erik" in post.text and goal not in post.text
    erik.say("plan show 1")
    assert goal in last_in(school, erik.personal_chat)


def test_a_colleague_can_take_over_an_owned_alert_and_a_resolved_one_has_no_buttons(
    school: TeamsWorld,
) -> None:
    school.user("admin").say("role add @bo eht", mentions=[school.user("bo")])
    posted = alert_in_channel(school, absent_days=4, unexcused_days=0, affective="4")
    post, actions = posted["post"], posted["buttons"]
    erik, bo = school.user("erik"), school.user("bo")
    assert "Investigation started" in actions

    erik.press(actions["Take ownership"], channel=EHT_CHANNEL)
    assert "owner @Erik" in post.text
    take_over = buttons(card_of(post.current))["Take ownership"]
    bo.press(take_over, channel=EHT_CHANNEL)
    assert "owner @Bo" in post.text
    with school.db.transaction() as session:
        owned = session.scalars(select(AlertCase)).one()
        assert owned.owner.user_id == aad_of("bo")

    bo.press(actions["Resolve"], {"outcome": "talked", "follow_up": ""}, channel=EHT_CHANNEL)
    # Resolved: no Yes/No for the investigation question any more, nor any other button.
    assert "resolved" in post.text and buttons(card_of(post.current)) == {}
    assert "not answered" in post.text


def test_eht_must_be_run_in_a_channel(school: TeamsWorld) -> None:
    admin = school.user("admin")
    admin.say("eht #elevhalsa")
    assert "Run eht in the Teams channel" in last_in(school, admin.personal_chat)


# -- people by name, never by object id -------------------------------------------------------


def test_installing_the_app_greets_once(world: TeamsWorld) -> None:
    anna = world.user("anna")
    # Teams sends both when the app is installed for a person.
    added = [{"id": BOT_ID}, {"id": anna.teams_id, "aadObjectId": anna.aad_id}]
    anna.send(anna.personal(type="conversationUpdate", membersAdded=added))
    anna.install()
    [greeting] = world.fake.in_conversation(anna.personal_chat)
    assert "Hello, I am mentorbot" in greeting.text


def test_names_come_from_the_teams_roster_when_the_app_joins_a_team(world: TeamsWorld) -> None:
    admin, anna, erik = (world.user(n) for n in ("admin", "anna", "erik"))
    world.fake.rosters[TEAM] = [p.as_member() for p in (admin, anna, erik)]
    admin.add_bot_to_team()
    admin.install()
    # Erik has never written to the bot: the roster says who he is.
    admin.say("role add @erik eht", mentions=[erik])
    assert "@Erik now has the role" in last_in(world, admin.personal_chat)
    admin.say("student add 7B-03")
    admin.say("assign 7B-03 @anna", mentions=[anna])
    assert "7B-03 is now mentored by @Anna." in last_in(world, admin.personal_chat)
    # Nothing meant for Erik went anywhere but to his own chat, which does not exist yet.
    assert all("role" not in p.text for p in world.fake.posted if p.conversation_id != admin.personal_chat)


def test_names_come_from_channel_messages_and_card_presses(school: TeamsWorld) -> None:
    admin, frida = school.user("admin"), school.user("frida")
    # Frida writes in a channel once (never 1:1): the bot learns who she is.
    frida.say_in_channel("help", EHT_CHANNEL, "Elevhälsa")
    admin.say("role add @frida eht", mentions=[frida])
    assert "@Frida now has the role" in last_in(school, admin.personal_chat)
    posted = alert_in_channel(school)
    frida.press(posted["buttons"]["Acknowledge"], channel=EHT_CHANNEL)
    assert "acknowledged by @Frida" in posted["post"].text
    # Her message ("you have the role") waits for her own chat; it is never sent to the channel.
    assert not [p for p in school.fake.in_conversation(EHT_CHANNEL) if "role" in p.text]


def test_someone_the_bot_does_not_know_is_a_colleague_never_an_id() -> None:
    aad = aad_of("nobody")
    assert with_names(f"acknowledged by @{aad} · owner @{aad_of('lis')}", {aad_of("lis"): "Lis"}, "en") == (
        "acknowledged by a colleague · owner @Lis"
    )
    assert with_names({"text": f"kvitterat av @{aad.upper()}"}, {}, "sv") == {
        "text": "kvitterat av en kollega"
    }


def test_a_channel_without_a_name_is_confirmed_as_this_channel(school: TeamsWorld) -> None:
    admin = school.user("admin")
    admin.say_in_channel("eht", "19:general@thread.tacv2", "")
    confirmed = last_in(school, "19:general@thread.tacv2;messageid=root")
    assert "will be posted in this channel." in confirmed and "teams-channel" not in confirmed


# -- untrusted input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"do": "alert.ack", "alert": "1; drop table"},
        {"do": "alert.ack", "alert": True},
        {"do": "alert.resolve", "alert": 1, "outcome": "talked", "follow_up": "tomorrow"},
        {"do": "self-destruct"},
        {"do": "snooze", "code": "7B-03 ; students"},
        {"do": "checkin.submit", "code": ["7B-03"]},
    ],
)
def test_odd_card_payloads_get_a_polite_answer(school: TeamsWorld, data: dict) -> None:
    answer = school.user("anna").press(data)
    assert answer.status == 200
    assert answer.text and "Traceback" not in answer.text


def test_check_in_answers_of_the_wrong_shape_are_questions_not_crashes(school: TeamsWorld) -> None:
    answer = school.user("anna").press(
        {"do": "checkin.submit", "code": "7B-03", "kind": "adhoc"},
        {"met": ["yes"], "behavioural": {"x": 1}, "absent_days": 1.5, "note": None},
    )
    assert answer.status == 200 and answer.card is not None and "Please answer this question." in answer.text
    assert saved(school.db) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"type": "message"}',
        b'{"type": "message", "serviceUrl": "SERVICE", "text": 5}',
        b'{"type": "message", "serviceUrl": "SERVICE", "from": "x", "conversation": {}}',
    ],
)
def test_malformed_activities_get_400_never_5xx(world: TeamsWorld, body: bytes) -> None:
    body = body.replace(b"SERVICE", world.fake_url.encode())
    response = httpx.post(
        f"{world.bot_url}/api/messages",
        content=body,
        headers={
            "Authorization": f"Bearer {teams_token(world.fake_url)}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    assert "Traceback" not in response.text


def test_an_activity_type_we_do_not_use_is_ignored(world: TeamsWorld) -> None:
    anna = world.user("anna")
    assert anna.send(anna.personal(type="typing")).status == 200
    assert world.fake.posted == []


def test_the_connector_being_down_does_not_fail_the_request(school: TeamsWorld) -> None:
    school.fake.fail_connector = True
    assert school.user("anna").say("mentees").status == 200


def test_tenant_and_ids_are_the_schools(school: TeamsWorld) -> None:
    with school.db.transaction() as session:
        rows = session.scalars(select(ConversationReference)).all()
    assert {r.workspace_id for r in rows} == {TENANT}
    assert aad_of("anna") in {r.recipient_id for r in rows}


def test_import_pasted_rows_with_the_mentors_mentioned(school: TeamsWorld) -> None:
    admin, anna = school.user("admin"), school.user("anna")
    rows = "\n".join(
        [
            "mentor import",
            "kod;namn;årskurs;klass;mentor",
            "9A-01;Kim;9;9A;@anna",  # picked from the mention list: a real account
            "9A-02;Sam;9;9A;anna",  # a typed name is not an account: refused, nothing half-written
            "9A-03;Lo;4;9A",  # grade out of range
            "9A-04;Vi;9;9A",
        ]
    )
    admin.say(rows, mentions=[anna])
    report = last_in(school, admin.personal_chat)
    assert "Import: 2 of 4 rows saved." in report
    assert "Row 3 9A-02: Mention the mentor (@ and their name) so I know who anna is." in report
    assert "Row 4 9A-03: The grade must be between 5 and 9." in report
    assert "You are now the mentor of 9A-01" in last_in(school, anna.personal_chat)
    with school.db.transaction() as session:
        codes = set(session.scalars(select(Student.code)))
    assert {"9A-01", "9A-04"} <= codes and not {"9A-02", "9A-03"} & codes


def test_import_rows_as_teams_sends_them_in_html_lines(school: TeamsWorld) -> None:
    admin = school.user("admin")
    admin.say("<p>import</p><p>9B-01,Ali,9,9B</p><p>9B-02,Bea,9,9B<br>9B-03,Cai,9,9B</p>")
    assert "Import: 3 of 3 rows saved." in last_in(school, admin.personal_chat)


def test_import_is_explained_and_for_coordinators_only(school: TeamsWorld) -> None:
    admin, anna = school.user("admin"), school.user("anna")
    admin.say("import")
    assert "paste the students below it, one per line" in last_in(school, admin.personal_chat)
    anna.say("import\n9C-01")
    assert "Only coordinators can do that" in last_in(school, anna.personal_chat)
    admin.say("help")
    assert "In Teams also: import" in last_in(school, admin.personal_chat)


def test_a_message_is_answered_after_its_200_and_a_full_queue_is_said_politely(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.worker import Worker
    from handlers.jobs import waiting

    monkeypatch.setattr(Worker, "start", lambda self: None)  # a worker that cannot keep up
    with teams_world(db, frozenset({aad_of("admin")}), MENTORBOT_QUEUE_LIMIT="1") as world:
        admin = world.user("admin")
        admin.settled = lambda: None
        # Taken: Teams gets its 200 at once; the answer comes from the worker (not running here).
        assert admin.say("student add 7B-03").status == 200
        assert world.fake.in_conversation(admin.personal_chat) == []
        assert admin.say("student add 8A-11").status == 200
        assert "busy" in last_in(world, admin.personal_chat)
        assert waiting(db) == 1
    with db.transaction() as session:
        assert session.scalars(select(Student)).all() == []
