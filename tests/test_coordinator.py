"""Coordinators register students, assign mentors and set up the school; others are refused."""

from __future__ import annotations

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
