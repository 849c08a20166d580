"""Coordinators register students, assign mentors and set up the school; others are refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from models import AuditEvent, Mentorship, Student
from tests.driver import Driver


def count(bot: Driver, model: type) -> int:
    with bot.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_register_and_list_students(bot: Driver) -> None:
    assert "Student 7B-03 registered" in bot.say("admin", "student add 7b-03 Alex grade=7 class=7B").text
    bot.say("admin", 'student add 8A-11 "Sam K"')
    listing = bot.say("admin", "students").text
    assert "7B-03" in listing and "Alex" in listing and "grade 7" in listing and "7B" in listing
    assert "Sam K" in listing
    assert listing.index("7B-03") < listing.index("8A-11")


def test_duplicate_code_is_refused(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    reply = bot.say("admin", "student add 7b-03")
    assert reply.outcome.refused
    assert "already registered" in reply.text
    assert count(bot, Student) == 1


def test_code_that_is_a_personal_identity_number_is_refused(bot: Driver) -> None:
    for code in ("199001011234", "900101-0017", "20000229-0005"):
        reply = bot.say("admin", f"student add {code}")
        assert reply.outcome.refused, code
        assert "personal identity number" in reply.text
    assert count(bot, Student) == 0


def test_name_with_personal_identity_number_is_refused(bot: Driver) -> None:
    reply = bot.say("admin", 'student add 7B-03 "Kim 900101-0017"')
    assert reply.outcome.refused
    assert count(bot, Student) == 0


def test_grade_outside_5_to_9_is_refused_with_usage(bot: Driver) -> None:
    reply = bot.say("admin", "student add 7B-03 grade=4")
    assert reply.outcome.refused
    assert "between 5 and 9" in reply.text and "Usage: student add" in reply.text
    assert "between 5 and 9" in bot.say("admin", "student add 7B-03 grade=seven").text
    assert count(bot, Student) == 0


def test_edit_student(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    assert "updated" in bot.say("admin", "student edit 7B-03 name=Alex grade=8 class=8C").text
    listing = bot.say("admin", "students").text
    assert "Alex" in listing and "grade 8" in listing and "8C" in listing
    assert bot.say("admin", "student edit 7B-03").outcome.refused


def test_remove_deactivates_keeps_data_and_tells_the_mentor(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03")
    reply = bot.say("admin", "student remove 7B-03")
    assert "records are kept" in reply.text
    assert any("@anna" in line and "no longer on your mentee list" in line for line in reply.sent)
    assert "7B-03" not in bot.say("admin", "students").text
    assert "no mentees" in bot.say("anna", "mentees").text
    with bot.db.transaction() as session:
        student = session.scalars(select(Student)).one()
        assert not student.active and student.deactivated_at is not None
    # Registering the code again brings the same record back.
    bot.say("admin", "student add 7B-03")
    assert count(bot, Student) == 1


def test_assign_notifies_the_mentor(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    reply = bot.say("admin", "assign 7B-03 @anna")
    assert "7B-03 is now mentored by @anna" in reply.text
    assert reply.sent == ["[→ @anna] You are now the mentor of 7B-03. Check in with: checkin 7B-03"]
    assert "7B-03" in bot.say("anna", "mentees").text


def test_reassign_keeps_history_and_tells_both_mentors(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    reply = bot.say("admin", "assign 7B-03 @bo")
    assert "previously @anna" in reply.text
    assert {line.split("]")[0] for line in reply.sent} == {"[→ @anna", "[→ @bo"}
    with bot.db.transaction() as session:
        mentorships = session.scalars(select(Mentorship).order_by(Mentorship.id)).all()
        assert [m.mentor.user_id for m in mentorships] == ["anna", "bo"]
        assert mentorships[0].ended_at is not None and mentorships[1].ended_at is None
    assert "7B-03" not in bot.say("anna", "mentees").text
    assert "7B-03" in bot.say("bo", "mentees").text
    assert bot.say("admin", "assign 7B-03 @bo").outcome.refused


def test_unassign(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    assert bot.say("admin", "unassign 7B-03").outcome.refused
    bot.say("admin", "assign 7B-03 <@U123ANNA|anna>")
    reply = bot.say("admin", "unassign 7B-03")
    assert "no longer has a mentor" in reply.text
    assert reply.sent[0].startswith("[→ @U123ANNA]")
    assert "no mentor" in bot.say("admin", "students").text


def test_non_coordinator_cannot_assign_and_nothing_changes(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    reply = bot.say("mallory", "assign 7B-03 @mallory")
    assert reply.outcome.refused
    assert "Only coordinators" in reply.text
    assert count(bot, Mentorship) == 0
    for command in ("student add 9C-01", "student remove 7B-03", "students", "eht #eht", "role add @x eht"):
        assert bot.say("mallory", command).outcome.refused, command
    assert count(bot, Student) == 1


def test_unknown_student_is_named(bot: Driver) -> None:
    reply = bot.say("admin", "assign 9Z-99 @anna")
    assert reply.outcome.refused
    assert "no student with the code 9Z-99" in reply.text


def test_roles_grant_and_revoke(bot: Driver) -> None:
    reply = bot.say("admin", "role add @erik eht")
    assert "@erik now has the role EHT" in reply.text
    assert reply.sent == ["[→ @erik] You have been given the role EHT (student health team)."]
    assert not bot.say("erik", "alerts").outcome.refused
    bot.say("admin", "role remove @erik eht")
    assert bot.say("erik", "alerts").outcome.refused
    assert "does not have" in bot.say("admin", "role remove @erik eht").text
    bot.say("admin", "role add @cora coordinator")
    assert not bot.say("cora", "students").outcome.refused


def test_configured_coordinators_cannot_be_revoked_in_chat(bot: Driver) -> None:
    bot.say("admin", "role add @cora coordinator")
    reply = bot.say("cora", "role remove @admin coordinator")
    assert reply.outcome.refused and "MENTORBOT_COORDINATORS" in reply.text
    assert bot.say("cora", "role remove @cora coordinator").outcome.refused


def test_set_eht_channel_posts_a_hello(bot: Driver) -> None:
    reply = bot.say("admin", "eht <#C0EHT|elevhalsa>")
    assert "posted in C0EHT" in reply.text
    assert reply.sent[0].startswith("[→ #C0EHT]")


def test_every_change_is_audited_without_content(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03 Alex")
    bot.say("admin", "assign 7B-03 @anna")
    bot.check_in("anna", "7B-03", note="Sensitive words")
    with bot.db.transaction() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["student.add", "mentorship.assign", "checkin.create"]
        assert all("Sensitive" not in f"{e.object_id}{e.action}" for e in events)


def test_schools_do_not_see_each_other(bot: Driver) -> None:
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    other = bot.say("admin", "students", workspace="school-b")
    assert "7B-03" not in other.text
    assert bot.say("admin", "assign 7B-03 @bo", workspace="school-b").outcome.refused
    assert "7B-03" in bot.say("anna", "mentees").text
    assert "no mentees" in bot.say("anna", "mentees", workspace="school-b").text


def students_in_db(bot: Driver) -> list[tuple[str, str, int | None, str, bool]]:
    with bot.db.transaction() as session:
        return [
            (s.code, s.display_name, s.grade, s.class_name, s.active)
            for s in session.scalars(select(Student).order_by(Student.code))
        ]


def test_a_code_typed_with_a_space_is_refused_with_the_code_meant(bot: Driver) -> None:
    reply = bot.say("admin", "student add 7B 09 Ali")
    assert reply.outcome.refused
    assert "cannot contain a space. Did you mean 7B-09?" in reply.text
    bot.say("admin", "language sv")
    assert "kan inte innehålla mellanslag. Menade du 7B-09?" in bot.say("admin", "elev ny 7B 09 Ali").text
    assert students_in_db(bot) == []


def test_a_bare_grade_and_class_after_the_name_are_understood(bot: Driver) -> None:
    assert not bot.say("admin", "student add 7B-01 Åsa 7 7B").outcome.refused
    assert not bot.say("admin", "student add 7B-02 Åsa Öberg 8C").outcome.refused
    assert students_in_db(bot) == [("7B-01", "Åsa", 7, "7B", True), ("7B-02", "Åsa Öberg", None, "8C", True)]
    reply = bot.say("admin", "student add 7B-03 Åsa 12 7B")
    assert reply.outcome.refused and "between 5 and 9" in reply.text
    reply = bot.say("admin", "student add 7B-03 Åsa 7 grade=8")
    assert reply.outcome.refused and "grade only once" in reply.text


def test_an_unknown_option_is_refused_naming_the_allowed_ones(bot: Driver) -> None:
    reply = bot.say("admin", "student add 7B-01 Ali extra=ja")
    assert reply.outcome.refused
    assert "I do not know the option “extra=”. Use name=, grade=, class= or id=." in reply.text
    bot.say("admin", "language sv")
    reply = bot.say("admin", "elev ny 7B-01 Ali extra=ja")
    assert "Jag känner inte till tillvalet ”extra=”. Använd namn=, årskurs=, klass= eller id=." in reply.text
    assert students_in_db(bot) == []


def test_edit_takes_a_name_of_several_words_up_to_the_next_option(bot: Driver) -> None:
    bot.say("admin", "student add 7B-01 Åsa")
    assert "updated" in bot.say("admin", "student edit 7B-01 name=Åsa Öberg").text
    assert "updated" in bot.say("admin", "elev ändra 7B-01 namn=Åsa Maria Öberg klass=7C").text
    assert students_in_db(bot) == [("7B-01", "Åsa Maria Öberg", None, "7C", True)]
    reply = bot.say("admin", "student edit 7B-01 Åsa")
    assert reply.outcome.refused and "write name= before it" in reply.text
    assert 'quotes work too: name="Åsa Öberg"' in bot.say("admin", "help student edit").text


def test_a_time_that_does_not_exist_is_named(bot: Driver) -> None:
    reply = bot.say("admin", "cadence default mon 25:00")
    assert reply.outcome.refused
    assert "25:00 is not a time of day" in reply.text and "End with a time" not in reply.text
    bot.say("admin", "language sv")
    assert "25:00 är ingen tid på dygnet" in bot.say("admin", "rytm standard mån 25:00").text


def test_breaks_that_overlap_are_over_or_have_no_name_are_refused(bot: Driver) -> None:
    bot.now = datetime(2027, 1, 10, 12, tzinfo=UTC)
    assert not bot.say("admin", "break add 2027-02-15 2027-02-19 Sportlov").outcome.refused
    reply = bot.say("admin", "break add 2027-02-18 2027-02-24 Extra")
    assert reply.outcome.refused and "overlaps Sportlov (2027-02-15 to 2027-02-19)" in reply.text
    reply = bot.say("admin", "break add 2026-10-26 2026-10-30 Höstlov")
    assert reply.outcome.refused and "already over: 2026-10-30 has passed" in reply.text
    reply = bot.say("admin", "break add 2027-04-06 2027-04-09")
    assert reply.outcome.refused and "Give the break a name" in reply.text
    bot.say("admin", "language sv")
    assert "Lovet överlappar Sportlov" in bot.say("admin", "lov ny 2027-02-19 2027-02-19 Extra").text
    assert "Det lovet är redan slut" in bot.say("admin", "lov ny 2026-10-26 2026-10-30 Höstlov").text
    assert bot.say("admin", "lov").text.count("..") == 1


def test_registering_a_removed_code_again_reactivates_and_keeps_grade_and_class(bot: Driver) -> None:
    bot.say("admin", "student add 7B-01 Åsa grade=7 class=7B")
    bot.say("admin", "student remove 7B-01")
    reply = bot.say("admin", "student add 7B-01")
    assert "now back on the programme, with their earlier records" in reply.text
    assert students_in_db(bot) == [("7B-01", "Åsa", 7, "7B", True)]
    bot.say("admin", "student remove 7B-01")
    bot.say("admin", "student add 7B-01 class=8B")
    assert students_in_db(bot) == [("7B-01", "Åsa", 7, "8B", True)]


def test_removed_students_are_listed_and_can_be_reactivated(bot: Driver) -> None:
    bot.now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    bot.say("admin", "student add 7B-01 Åsa grade=7 class=7B")
    bot.say("admin", "student add 7B-02")
    assert "No removed students" in bot.say("admin", "students removed").text
    bot.say("admin", "student remove 7B-01")
    listing = bot.say("admin", "students removed").text
    assert "student reactivate CODE" in listing and "7B-01" in listing and "removed 1 Mar" in listing
    assert "7B-02" not in listing
    reply = bot.say("admin", "student reactivate 7B-01")
    assert "7B-01 was removed earlier and is now back" in reply.text
    assert "7B-01" in bot.say("admin", "students").text
    assert "already on the programme" in bot.say("admin", "student reactivate 7B-01").text
    assert bot.say("anna", "students removed").outcome.refused
    bot.say("admin", "language sv")
    bot.say("admin", "elev ta bort 7B-02")
    assert "borttagen 1 mars" in bot.say("admin", "elever borttagna").text
    assert "nu tillbaka i programmet" in bot.say("admin", "elev återaktivera 7B-02").text
    with bot.db.transaction() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions.count("student.reactivate") == 2


def test_a_number_that_looks_like_an_identity_number_is_never_taken_for_a_grade_or_code(bot: Driver) -> None:
    for command in ("student add 7B-11 Kim 121212121212", "student add 7B 1212121212 Kim"):
        reply = bot.say("admin", command)
        assert reply.outcome.refused and "personal identity number" in reply.text, command
        assert "1212121212" not in reply.text
    assert students_in_db(bot) == []
