"""Intervention plans and follow-ups on a case, as the student health team and the mentor use them:
record, read (in full or only that it exists), review on its date, continue, close; follow-up
dates on any step; the next date in `alerts`; what is overdue in the coordinators' digest."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from bot.render_text import render_digest, render_notification
from models import AlertCase, AlertStatus, AuditEvent, CasePlan, OutboxMessage, School, crypto
from models.checkin import reencrypt_free_text
from schedules.clock import Clock
from schedules.digests import build_digest
from tests.clock_support import STOCKHOLM, at
from tests.driver import Driver

GOAL = "Alex kommer i tid tre morgnar i veckan"


@pytest.fixture
def school(bot: Driver) -> Driver:
    """A case opened on Thursday 23 April 2026 for 7B-03 (mentor anna), the EHT erik and frida."""
    bot.now = at(2026, 4, 23, 10)
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "role add @frida eht")
    bot.say("admin", "eht #eht")
    assert "raised an alert" in bot.check_in("anna", "7B-03", affective="1").text
    return bot


def plan(bot: Driver, review: str = "2026-05-07", who: str = "erik", people: str = "@lena") -> str:
    reply = bot.say(who, f"plan 1 cc-basic {review} {people} {GOAL}")
    assert not reply.outcome.refused, reply.text
    return reply.text


def the_case(bot: Driver) -> AlertCase:
    with bot.db.transaction() as session:
        return session.scalars(
            select(AlertCase).options(
                selectinload(AlertCase.plans).selectinload(CasePlan.responsible),
                selectinload(AlertCase.student),
            )
        ).one()


def prompts(clock: Clock, start: datetime, end: datetime, word: str) -> list[tuple[datetime, str, str]]:
    """Tick hourly; when each message starting with `word` went out, to whom, and its text."""
    sent = []
    moment = start
    while moment <= end:
        for notification in clock.tick(moment).delivered:
            if getattr(notification.content, "template", "").startswith(word):
                sent.append(
                    (
                        moment.astimezone(STOCKHOLM),
                        notification.to.id,
                        render_notification("en", notification),
                    )
                )
        moment += timedelta(hours=1)
    return sent


def test_a_plan_on_an_unowned_case_makes_its_author_owner_and_updates_the_card_without_the_goal(
    school: Driver,
) -> None:
    reply = school.say("erik", f"plan 1 cc-basic 2026-05-07 @lena {GOAL}")
    assert "Plan recorded on case #1 for 7B-03." in reply.text
    assert "Check & Connect, basic; review on 2026-05-07; responsible: @erik, @lena." in reply.text
    [card] = [n for n in reply.sent if n.startswith("[→ #eht]")]
    assert "owner @erik · plan: Check & Connect, basic, review 2026-05-07" in card
    assert GOAL not in card
    # The person responsible hears of it, without the goal.
    [told] = [n for n in reply.sent if n.startswith("[→ @lena]")]
    assert "plan show 1" in told and GOAL not in told
    case = the_case(school)
    assert case.status is AlertStatus.OWNED and case.plan is not None and case.plan.goal == GOAL


def test_the_goal_is_encrypted_at_rest(school: Driver) -> None:
    plan(school)
    with school.db.transaction() as session:
        stored = session.execute(text("SELECT goal FROM case_plan")).scalar_one()
    assert stored.startswith("enc:v1:") and "tid tre morgnar" not in stored


def test_who_reads_the_plan_in_full_and_who_only_learns_it_exists(school: Driver) -> None:
    plan(school)
    for reader in ("erik", "frida", "admin", "lena"):
        assert GOAL in school.say(reader, "plan show 1").text, reader
    mentor = school.say("anna", "plan show 7B-03").text
    assert mentor == "7B-03 has an intervention plan with the student health team, reviewed on 2026-05-07."
    assert school.say("bo", "plan show 7B-03").outcome.refused
    # A mentor among the responsible reads it all.
    school.say("erik", f"plan 1 cc-basic 2026-05-07 @anna {GOAL}")
    assert GOAL in school.say("anna", "plan show 7B-03").text


def test_only_the_team_and_coordinators_record_plans_and_dates_are_checked(school: Driver) -> None:
    assert school.say("anna", f"plan 1 cc-basic 2026-05-07 {GOAL}").outcome.refused
    assert "after today" in school.say("erik", f"plan 1 cc-basic 2026-04-23 {GOAL}").text
    assert "kind of plan" in school.say("erik", f"plan 1 chat 2026-05-07 {GOAL}").text
    assert "goal" in school.say("erik", "plan 1 cc-basic 2026-05-07 @lena").text
    assert "personal identity number" in school.say("erik", "plan 1 other 2026-05-07 ring 20100101-1234").text
    assert the_case(school).plans == []


def test_changing_a_plan_keeps_one_in_force(school: Driver) -> None:
    plan(school)
    reply = school.say("frida", "åtgärdsplan 1 vårdnadshavare 2026-05-12 Möte med mamma")
    assert "Plan changed on case #1" in reply.text
    case = the_case(school)
    assert len(case.plans) == 1 and case.plan is not None
    assert (case.plan.kind, case.plan.goal, case.plan.responsible) == ("guardians", "Möte med mamma", [])


def test_the_owner_is_asked_on_the_review_date_once_and_continue_asks_again_later(
    school: Driver, clock: Clock
) -> None:
    plan(school, "2026-04-28")
    sent = prompts(clock, at(2026, 4, 23, 11), at(2026, 4, 29, 12), "Review today")
    assert [(moment, to) for moment, to, _ in sent] == [(at(2026, 4, 28, 7), "erik")]
    assert "is the goal met?" in sent[0][2] and GOAL not in sent[0][2]
    school.now = at(2026, 4, 29, 13)
    assert "Next review on 2026-05-12." in school.say("erik", "plan continue 1 2026-05-12").text
    sent = prompts(clock, at(2026, 4, 29, 14), at(2026, 5, 13, 12), "Review today")
    assert [(moment, to) for moment, to, _ in sent] == [(at(2026, 5, 12, 7), "erik")]


def test_a_review_on_a_saturday_is_asked_on_monday_after_a_holiday_weekend(
    school: Driver, clock: Clock
) -> None:
    # Saturday 2 May 2026; Friday 1 May is a holiday: the owner is asked on Monday 4 May.
    plan(school, "2026-05-02")
    sent = prompts(clock, at(2026, 4, 23, 11), at(2026, 5, 5, 12), "Review today")
    assert [(moment, to) for moment, to, _ in sent] == [(at(2026, 5, 4, 7), "erik")]


def test_closing_with_the_goal_met_resolves_the_case_with_the_kinds_outcome(school: Driver) -> None:
    plan(school)
    reply = school.say("erik", "plan close 1 met")
    assert "Case #1 for 7B-03 resolved." in reply.text
    case = the_case(school)
    assert (case.status, case.outcome) == (AlertStatus.RESOLVED, "talked")
    assert case.plans[0].result == "met" and case.plan is None


def test_closing_with_the_goal_not_met_keeps_the_case_open_for_the_next_plan(school: Driver) -> None:
    plan(school)
    reply = school.say("erik", "plan avsluta 1 ej-uppnått")
    assert "the case stays open" in reply.text
    assert the_case(school).status is AlertStatus.OWNED
    school.say("erik", f"plan 1 referral 2026-06-01 {GOAL}")
    assert [p.kind for p in the_case(school).plans] == ["cc_basic", "referral"]


def test_a_follow_up_on_any_step_reminds_the_owner_and_the_next_step_settles_it(
    school: Driver, clock: Clock
) -> None:
    assert "acknowledged" in school.say("frida", "alert ack 1 2026-04-27").text
    sent = prompts(clock, at(2026, 4, 23, 11), at(2026, 4, 28, 12), "Follow-up for")
    assert [(moment, to) for moment, to, _ in sent] == [(at(2026, 4, 27, 7), "frida")]
    assert "is still open" in sent[0][2]
    school.now = at(2026, 4, 27, 9)
    school.say("frida", "alert own 1")  # the follow-up's step
    assert the_case(school).follow_up_on is None


def test_alerts_lists_each_case_with_its_next_date(school: Driver) -> None:
    school.say("erik", "alert own 1 2026-04-30")
    assert "follow-up 2026-04-30" in school.say("erik", "alerts").text
    plan(school, "2026-04-29")
    listed = school.say("frida", "larm").text
    assert "review 2026-04-29" in listed and GOAL not in listed


def test_an_overdue_review_and_follow_up_appear_in_the_coordinators_digest(school: Driver) -> None:
    plan(school, "2026-04-28")
    with school.db.transaction() as session:
        home = session.get_one(School, the_case(school).student.school_id)
        digest = build_digest(session, home, at(2026, 4, 24, 14), at(2026, 5, 1, 14))
    [row] = digest.overdue_cases
    assert (row.case_id, row.next_on, row.next_is_review, row.owner) == (1, date(2026, 4, 28), True, "erik")
    lines = render_digest("en", digest)
    assert "Cases whose follow-up or review date has passed:" in "\n".join(lines)
    assert any("review 2026-04-28" in line for line in lines)
    assert GOAL not in "\n".join(lines)


def test_the_goal_is_never_in_a_card_the_outbox_the_audit_or_a_log(
    school: Driver, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    plan(school, "2026-04-28")
    school.say("erik", "plan show 1")
    prompts(clock, at(2026, 4, 23, 11), at(2026, 5, 1, 15), "")
    school.say("erik", "plan close 1 partly")
    assert GOAL not in caplog.text
    with school.db.transaction() as session:
        stored = [str(m.content) for m in session.scalars(select(OutboxMessage))]
        audit = [str((e.action, e.object_type, e.object_id)) for e in session.scalars(select(AuditEvent))]
    assert stored and not any("morgnar" in s for s in stored)
    assert not any("morgnar" in a for a in audit)
    assert "case.plan.read" in "".join(audit)


@pytest.fixture
def first_key() -> str:
    """A key of this test's own, set before the school writes any free text."""
    key = crypto.new_key()
    crypto.use_keys([key])
    return key


def test_the_student_export_holds_the_plan_and_a_key_rotation_reencrypts_the_goal(
    first_key: str, school: Driver
) -> None:
    plan(school)
    exported = school.say("admin", "student export 7B-03").text
    assert GOAL in exported and '"kind": "cc_basic"' in exported and '"lena"' in exported
    second = crypto.new_key()
    crypto.use_keys([second, first_key])
    assert reencrypt_free_text(school.db) >= 1
    crypto.use_keys([second])
    with school.db.transaction() as session:
        assert crypto.with_newest_key(session.execute(text("SELECT goal FROM case_plan")).scalar_one())
    assert the_case(school).plans[0].goal == GOAL


def test_the_mentor_of_a_student_without_a_plan_is_told_so(school: Driver) -> None:
    assert school.say("anna", "plan show 7B-03").text == "There is no plan in force for 7B-03."
    assert school.say("bo", "plan show 7B-03").outcome.refused
