"""Two schools in one Teams tenant: every card names its school, and every button acts there.

Söderskolan is the tenant's first school (its coordinator is configured); the organisation's admin
adds Norrskolan with Bea as its coordinator. Both schools have a student 7B-01, both mentored by
Mia, who acts in Söderskolan. A prompt card from Norrskolan opens Norrskolan's student and saves
there; an alert card in Norrskolan's channel is acted on there; a card claiming a school the
presser has no role in changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from models import AlertCase, AlertStatus, Prompt, PromptStatus
from models.db import Database
from tests.driver import GOOD_CHECK_IN
from tests.school_support import prompt_round, saved_check_ins, school_elsewhere, school_id
from tests.teams_support import Posted, TeamsWorld, aad_of, buttons, card_of, teams_world

A, B = "Söderskolan", "Norrskolan"
CHANNEL_A, CHANNEL_B = "19:eht-a@thread.tacv2", "19:eht-b@thread.tacv2"
NOT_YOUR_SCHOOL = "That message belongs to a school where you no longer have a role."
# Teams sends the number inputs as numbers.
GOOD = {**GOOD_CHECK_IN, "absent_days": 0, "absent_lessons": 0, "late_arrivals": 0}


@pytest.fixture
def world(db: Database) -> Iterator[TeamsWorld]:
    admin = frozenset({aad_of("admin")})
    with teams_world(db, coordinators=admin, admins=admin) as running:
        yield running


@pytest.fixture
def schools(world: TeamsWorld) -> TeamsWorld:
    admin, bea, mia, eva = (world.user(n) for n in ("admin", "bea", "mia", "eva"))
    for person in (admin, bea, mia, eva):
        person.install()
    admin.say(f"school rename {A}")
    admin.say("student add 7B-01 Alva")
    admin.say("assign 7B-01 @mia", mentions=[mia])
    admin.say("role add @eva eht", mentions=[eva])
    admin.say_in_channel("eht", CHANNEL_A, "Elevhälsa A")
    admin.say(f"school add {B} @bea", mentions=[bea])
    assert "Norrskolan is added" in world.fake.in_conversation(admin.personal_chat)[-1].text
    bea.say("student add 7B-01 Bill")
    bea.say("assign 7B-01 @mia", mentions=[mia])
    bea.say("role add @eva eht", mentions=[eva])
    bea.say_in_channel("eht", CHANNEL_B, "Elevhälsa B")
    mia.say(f"school {A}")
    assert "You now act in Söderskolan" in world.fake.in_conversation(mia.personal_chat)[-1].text
    world.fake.clear()
    return world


def card_in(world: TeamsWorld, conversation: str, containing: str) -> Posted:
    return next(p for p in reversed(world.fake.in_conversation(conversation)) if containing in p.text)


def name_line(card: dict[str, Any] | None) -> str | None:
    first = (card or {}).get("body", [{}])[0]
    return first["text"] if first.get("isSubtle") else None


def saved(world: TeamsWorld) -> list[tuple[str, str]]:
    return saved_check_ins(world.db)


def test_a_prompt_from_the_other_school_checks_in_that_schools_student(schools: TeamsWorld) -> None:
    mia = schools.user("mia")
    prompt_round(schools.db, schools.notifier)
    from_a = card_in(schools, mia.personal_chat, A)
    from_b = card_in(schools, mia.personal_chat, B)
    assert (name_line(card_of(from_a.activity)), name_line(card_of(from_b.activity))) == (A, B)
    actions = buttons(card_of(from_b.activity))
    assert {data["school"] for data in actions.values()} == {school_id(schools.db, B)}

    # Mia acts in Söderskolan, yet Norrskolan's card opens Norrskolan's 7B-01 (Bill, not Alva).
    answer = mia.press(actions["Check in"])
    assert answer.text == "[Norrskolan] The check-in form for 7B-01 is below."
    form = card_of(schools.fake.in_conversation(mia.personal_chat)[-1].activity)
    assert name_line(form) == B and "Check-in for 7B-01 Bill" in str(form)
    save = buttons(form)["Save check-in"]
    assert save["school"] == school_id(schools.db, B)

    # Wrong answers: the form comes back for the same school's student.
    again = mia.press(save, {**GOOD, "behavioural": "9"})
    assert again.card is not None and buttons(again.card)["Save check-in"]["school"] == school_id(
        schools.db, B
    )

    done = mia.press(save, {**GOOD, "affective": "1"})
    assert "Check-in for 7B-01 saved" in done.text and name_line(done.card) == B
    assert saved(schools) == [("Bill", B)]

    # The worrying check-in raised Norrskolan's alert in Norrskolan's channel, named so.
    alert = card_in(schools, CHANNEL_B, "7B-01")
    assert name_line(card_of(alert.activity)) == B
    assert not [p for p in schools.fake.in_conversation(CHANNEL_A) if "7B-01" in p.text]


def test_alert_cards_act_in_the_alerts_school_for_someone_in_both(schools: TeamsWorld) -> None:
    mia, eva = schools.user("mia"), schools.user("eva")
    prompt_round(schools.db, schools.notifier)
    save_b = buttons(card_of(card_in(schools, mia.personal_chat, B).activity))["Check in"]
    mia.press(save_b)
    form = card_of(schools.fake.in_conversation(mia.personal_chat)[-1].activity)
    mia.press(buttons(form)["Save check-in"], {**GOOD, "affective": "1"})
    post = card_in(schools, CHANNEL_B, "7B-01")
    actions = buttons(card_of(post.activity))

    def status() -> AlertStatus:
        with schools.db.transaction() as session:
            return session.scalars(select(AlertCase.status)).one()

    # A card claiming another organisation's school is refused and changes nothing.
    forged = {**actions["Acknowledge"], "school": school_elsewhere(schools.db, "teams", "another-tenant")}
    assert eva.press(forged, channel=CHANNEL_B).text == NOT_YOUR_SCHOOL
    assert status() is AlertStatus.OPEN and post.updates == []
    # Without the school (a card from before), Eva acts in Söderskolan, where it does not exist.
    unstamped = {k: v for k, v in actions["Acknowledge"].items() if k != "school"}
    assert "There is no case" in eva.press(unstamped, channel=CHANNEL_B).text

    # Eva is EHT in both schools: the card's own school is where she acts.
    answer = eva.press(actions["Acknowledge"], channel=CHANNEL_B)
    assert answer.text.startswith("[Norrskolan] ") and "acknowledged" in answer.text
    assert "acknowledged by @Eva" in post.text and name_line(card_of(post.current)) == B
    resolve = buttons(card_of(post.current))["Resolve"]
    assert "resolved" in eva.press(resolve, {"outcome": "talked", "follow_up": ""}, channel=CHANNEL_B).text
    assert status() is AlertStatus.RESOLVED


def test_a_forged_or_unreadable_school_changes_nothing(schools: TeamsWorld) -> None:
    mia, bea = schools.user("mia"), schools.user("bea")
    prompt_round(schools.db, schools.notifier)
    actions = buttons(card_of(card_in(schools, mia.personal_chat, B).activity))
    other = school_elsewhere(schools.db, "teams", "another-tenant")
    assert mia.press({**actions["Check in"], "school": other}).text == NOT_YOUR_SCHOOL
    assert mia.press({**actions["Snooze"], "school": other}).text == NOT_YOUR_SCHOOL
    # Bea has a role in Norrskolan only: a card claiming Söderskolan is not hers to press.
    assert bea.press({**actions["Snooze"], "school": school_id(schools.db, A)}).text == NOT_YOUR_SCHOOL
    with schools.db.transaction() as session:
        assert set(session.scalars(select(Prompt.status))) == {PromptStatus.SENT}
    # Anything but a plain positive number is no school: Mia's current one, Söderskolan (Alva).
    for odd in ("12", True, -1, 0, 10**12, 1.5, None, [1]):
        answer = mia.press({**actions["Check in"], "school": odd})
        assert answer.text == "[Söderskolan] The check-in form for 7B-01 is below."
        assert "7B-01 Alva" in str(card_of(schools.fake.in_conversation(mia.personal_chat)[-1].activity))
    assert saved(schools) == []


def test_replies_name_the_school_only_for_someone_in_several(schools: TeamsWorld) -> None:
    mia, bea = schools.user("mia"), schools.user("bea")
    mia.say("mentees")
    listing = schools.fake.in_conversation(mia.personal_chat)[-1]
    assert name_line(card_of(listing.activity)) == A and "Alva" in listing.text and "Bill" not in listing.text
    mia.say("checkin 7B-01")
    form = card_of(schools.fake.in_conversation(mia.personal_chat)[-1].activity)
    assert buttons(form)["Save check-in"]["school"] == school_id(schools.db, A)
    bea.say("students")
    assert name_line(card_of(schools.fake.in_conversation(bea.personal_chat)[-1].activity)) is None
