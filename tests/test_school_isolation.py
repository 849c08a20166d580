"""Two schools in one workspace, cell by cell: nobody in Ekskolan reaches anything of Björkskolan.

A municipality runs all its schools in one tenant. Ekskolan is set up as in the access matrix
(tests/test_access_matrix.py); Björkskolan, added by the organisation's admin, has its own
coordinator (bea), mentor (mia), EHT (eva) and a student with the same code as one of Ekskolan's.
For every command of the matrix and every person of Ekskolan, Björkskolan's students and alerts
do not exist; a code both schools use means one's own school's student. The admin, acting in a
school where they hold no role, may appoint its coordinator and nothing more.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.actors import (
    Caller,
    member_in_school,
    resolve_person,
    returning_caller,
    sees_several_schools,
)
from handlers.results import OpenCheckIn
from models import Alert, CheckIn, Mentorship, Student
from models.base import utcnow
from models.messages import Refused
from tests.driver import Driver, Reply
from tests.school_support import school_elsewhere, school_id
from tests.test_access_matrix import ACTORS, MATRIX

TOWN = "town"
# Only in Björkskolan; and the code both schools use.
B_ONLY, SHARED = "5C-09", "7B-03"


class Town:
    """The workspace of one municipality, with both schools set up."""

    def __init__(self, bot: Driver) -> None:
        self.bot = bot

    def say(self, user: str, text: str) -> Reply:
        return self.bot.say(user, text, workspace=TOWN)

    def check_in(self, user: str, code: str, **answers: object) -> Reply:
        return self.bot.check_in(user, code, workspace=TOWN, **answers)

    def alert_of(self, code: str, school: str) -> int:
        with self.bot.db.transaction() as session:
            return session.scalars(
                select(Alert.id).join(Student).where(Student.code == code, Student.school.has(name=school))
            ).one()


@pytest.fixture
def town(db) -> Town:  # type: ignore[no-untyped-def]
    bot = Driver(db, coordinators=frozenset({f"{TOWN}:admin"}), admins=frozenset({f"{TOWN}:admin"}))
    town = Town(bot)
    town.say("admin", "school rename Ekskolan")
    assert not town.say("admin", "school add Björkskolan @bea").outcome.refused
    # Ekskolan, as in the access matrix.
    for code in ("7B-03", "8A-11", "9A-07"):
        town.say("admin", f"student add {code}")
    town.say("admin", "assign 7B-03 @anna")
    town.say("admin", "assign 8A-11 @bo")
    town.say("admin", "assign 9A-07 @bo")
    town.say("admin", "role add @erik eht")
    town.say("admin", "eht #eht-ek")
    town.check_in("bo", "9A-07", affective="1")
    town.check_in("anna", "7B-03")
    town.say("admin", "student add 6A-01")
    town.say("admin", "student remove 6A-01")
    # Björkskolan: its own people, the same code 7B-03, and an alert of its own.
    for code in (SHARED, B_ONLY):
        assert not town.say("bea", f"student add {code}").outcome.refused
        town.say("bea", f"assign {code} @mia")
    town.say("bea", "role add @eva eht")
    town.say("bea", "eht #eht-bjork")
    assert not town.check_in("mia", B_ONLY, affective="1").outcome.refused
    return town


def in_b(command: str, b_alert: int, code: str = B_ONLY) -> str:
    """The matrix's command aimed at Björkskolan: its only student, its alert."""
    command = command.format(OWN=code, OTHER=code, ALERTED=code, REMOVED=code)
    for step in ("alert ack", "alert own", "alert resolve"):
        command = command.replace(f"{step} 1", f"{step} {b_alert}")
    return command


B_CELLS = [
    (command, actor)
    for command, _ in MATRIX
    if "{" in command or command.startswith("alert ")
    for actor in ACTORS
]
NOWHERE_CODE, NOWHERE_ALERT = "5C-99", 99999


def test_nobody_in_ekskolan_reaches_bjorkskolan(town: Town) -> None:
    """Every cell refused, with the very answer a student or alert that exists nowhere gets (so
    nothing leaks), and Björkskolan unchanged after all of them."""
    b_alert = town.alert_of(B_ONLY, "Björkskolan")
    before = town.say("bea", "students").text, town.say("eva", "alerts").text
    leaks = []
    for command, actor in B_CELLS:
        reply = town.say(actor, in_b(command, b_alert))
        nowhere = town.say(actor, in_b(command, NOWHERE_ALERT, NOWHERE_CODE))
        expected = nowhere.text.replace(NOWHERE_CODE, B_ONLY).replace(str(NOWHERE_ALERT), str(b_alert))
        if not reply.outcome.refused or reply.text != expected:
            leaks.append((actor, command, reply.text))
    assert leaks == []
    assert (town.say("bea", "students").text, town.say("eva", "alerts").text) == before


def test_a_code_both_schools_use_is_each_schools_own_student(town: Town) -> None:
    assert town.say("anna", f"checkin {SHARED}").outcome.reply[0] == OpenCheckIn(SHARED, SHARED)
    town.check_in("mia", SHARED)
    with town.bot.db.transaction() as session:
        rows = session.execute(
            select(Student.school_id, CheckIn.author_id).join(CheckIn.student).where(Student.code == SHARED)
        ).all()
        schools = {school for school, _ in rows}
    assert len(schools) == 2  # anna's check-in in Ekskolan, mia's in Björkskolan
    # mia mentors Björkskolan's 7B-03 only: Ekskolan's is anna's.
    assert "anna" not in town.say("mia", "mentees").text
    assert town.say("bea", f"history {SHARED}").text.count("Check-in") <= 1


def test_alerts_land_in_each_schools_own_channel(town: Town) -> None:
    with town.bot.db.transaction() as session:
        alerts = {
            code: school
            for code, school in session.execute(
                select(Student.code, Student.school_id).join(Alert, Alert.student_id == Student.id)
            )
        }
    assert set(alerts) == {"9A-07", B_ONLY}
    assert "9A-07" in town.say("erik", "alerts").text and B_ONLY not in town.say("erik", "alerts").text
    assert B_ONLY in town.say("eva", "alerts").text and "9A-07" not in town.say("eva", "alerts").text


def test_a_person_in_both_schools_switches_and_sees_each_in_turn(town: Town) -> None:
    town.say("bea", "role add @erik mentor")
    town.say("bea", f"assign {SHARED} @erik")
    # erik is EHT in Ekskolan (the first school where he had a role): Björkskolan's 7B-03 is not his there.
    reply = town.say("erik", f"checkin {SHARED}")
    assert reply.outcome.refused and reply.outcome.destination is not None
    assert reply.outcome.destination.school_name == "Ekskolan"
    assert "9A-07" in town.say("erik", "alerts").text

    assert "now act in Björkskolan" in town.say("erik", "school björkskolan").text
    reply = town.say("erik", f"checkin {SHARED}")
    assert not reply.outcome.refused and reply.outcome.destination is not None
    assert reply.outcome.destination.school_name == "Björkskolan"
    assert town.say("erik", "alerts").outcome.refused  # not EHT in Björkskolan
    listing = town.say("erik", "schools").text
    assert "▶ Björkskolan: mentor" in listing and "• Ekskolan: EHT" in listing

    # The choice is remembered; and he can go back.
    assert not town.say("erik", "mentees").outcome.refused
    assert SHARED in town.say("erik", "mentees").text
    town.say("erik", "school Ekskolan")
    assert "9A-07" in town.say("erik", "alerts").text


def test_one_school_people_never_see_schools(town: Town) -> None:
    reply = town.say("anna", "mentees")
    assert reply.outcome.destination is not None and reply.outcome.destination.school_name is None
    assert "school add" not in town.say("anna", "help").text
    assert "school add" in town.say("admin", "help").text
    refused = town.say("anna", "school Björkskolan")
    assert refused.outcome.refused and "no role in a school called" in refused.text


def test_the_admin_appoints_coordinators_but_sees_no_child_data(town: Town) -> None:
    assert "now act in Björkskolan" in town.say("admin", "school Björkskolan").text
    for command, allowed in MATRIX:
        if command.startswith(("help", "mentees", "language", "role add", "role remove")):
            continue
        reply = town.say("admin", in_b(command, town.alert_of(B_ONLY, "Björkskolan")))
        assert reply.outcome.refused is not allowed["nils"], (command, reply.text)
    assert not town.say("admin", "role add @mia coordinator").outcome.refused
    assert not town.say("mia", "students").outcome.refused  # mia now coordinates Björkskolan


def test_only_admins_add_schools_and_names_are_unique(town: Town) -> None:
    refused = town.say("bea", "school add Granskolan")
    assert refused.outcome.refused and "Only the organisation's admins" in refused.text
    assert town.say("admin", "school add björkskolan").outcome.refused
    assert town.say("admin", "school add 19800101-1234").outcome.refused


def test_someone_with_no_role_in_a_many_school_workspace_is_told_how_to_begin(town: Town) -> None:
    reply = town.say("newcomer", "mentees")
    assert reply.outcome.refused and "no role in any school here yet" in reply.text
    assert not town.say("newcomer", "help").outcome.refused
    listing = town.say("newcomer", "schools").text
    assert "Ekskolan: no role" in listing and "Björkskolan: no role" in listing


def test_a_new_school_starts_with_its_own_settings(town: Town) -> None:
    town.say("bea", "threshold set reraise_days 7")
    ek = town.say("admin", "thresholds").text
    bjork = town.say("bea", "thresholds").text
    assert ek != bjork
    with town.bot.db.transaction() as session:
        mentorships = session.scalars(select(Mentorship).join(Student).where(Student.code == SHARED)).all()
        assert {m.mentor.user_id for m in mentorships} == {"anna", "mia"}
        assert len({m.mentor.school_id for m in mentorships}) == 2


class _Undo(Exception):
    """Raised to roll back what the long way wrote (a remembered school, a name)."""


def _the_long_way(town: Town, caller: Caller) -> tuple[int, int, bool] | str:
    try:
        with town.bot.db.transaction() as session:
            person = resolve_person(session, caller, town.bot.defaults, utcnow())
            try:
                member = member_in_school(session, caller, town.bot.defaults, utcnow(), person)
                found: tuple[int, int, bool] | str = (
                    member.id,
                    member.school_id,
                    sees_several_schools(session, person),
                )
            except Refused:
                found = "refused"
            raise _Undo
    except _Undo:
        return found


def test_a_returning_person_is_the_same_actor_read_in_one_statement(town: Town) -> None:
    """Every request first tries to read its caller in one statement (`returning_caller`); where it
    answers, it must be the member, school and naming the long way decides, for everyone of the
    town acting now, by a card of either school, or by a forged card of another organisation."""
    db = town.bot.db
    schools = [None, school_id(db, "Ekskolan"), school_id(db, "Björkskolan")]
    schools.append(school_elsewhere(db, "console", "another-town"))
    for user, command in (("erik", "alerts"), ("eva", "alerts"), ("mia", "mentees")):
        assert not town.say(user, command).outcome.refused  # in the one school where they have a role
    town.say("admin", "school Björkskolan")  # the admin administers both and chose the second
    # Anna helped out in Björkskolan for a while: she is still its member, with no role there now.
    assert not town.say("bea", "role add @anna eht").outcome.refused
    assert not town.say("bea", "role remove @anna eht").outcome.refused
    short_ways = 0
    for user in ("admin", "anna", "bo", "erik", "bea", "mia", "eva", "stranger"):
        for wanted in schools:
            caller = Caller("console", TOWN, user, user, school_id=wanted)
            long_way = _the_long_way(town, caller)
            with db.transaction() as session:
                standing = returning_caller(session, caller, town.bot.defaults)
                if standing is None:
                    continue
                short_ways += 1
                assert (
                    standing.member.id,
                    standing.school.id,
                    standing.sees_several_schools,
                ) == long_way, (user, wanted)
    # The six with a role in one school, with no card and with their own school's; the admin is a
    # configured coordinator, who is always read the long way, as is anyone new.
    assert short_ways == 12
