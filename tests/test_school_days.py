"""Snooze and catch-up ask on school days, at the cadence's time, across real calendar weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.render_text import render_notification
from handlers.results import Digest
from models.cadence import parse_cadence
from models.db import Database
from schedules.clock import Clock
from schedules.digests import build_digest
from tests.clock_support import STOCKHOLM, RecordingNotifier, at, prompts_of, start_mentorships
from tests.driver import Driver

Asked = tuple[datetime, list[tuple[str, str]]]


def mentee(bot: Driver, cadence: str, since: datetime, code: str = "7B-03") -> None:
    bot.say("admin", f"student add {code}")
    bot.say("admin", f"assign {code} @anna")
    start_mentorships(bot.db, since, parse_cadence(cadence.split()))


def asked(
    clock: Clock, start: datetime, end: datetime, step: timedelta = timedelta(minutes=30)
) -> list[Asked]:
    """Tick from `start` to `end`; when each prompt (not reminder) went out, and what it named."""
    moments: list[Asked] = []
    moment = start
    while moment <= end:
        for notification in clock.tick(moment).delivered:
            content = notification.content
            if type(content).__name__ == "DuePrompt" and not content.reminder:
                named = [
                    (m.code, f"{m.due_at.astimezone(STOCKHOLM):%a %d %b %H:%M}") for m in content.mentees
                ]
                moments.append((moment.astimezone(STOCKHOLM), named))
        moment += step
    return moments


def snooze(bot: Driver, when: datetime, code: str = "7B-03") -> str:
    bot.now = when
    return bot.say("anna", f"snooze {code}").text


def test_snooze_on_a_monday_asks_tuesday_and_the_cadence_keeps_its_round(bot: Driver, clock: Clock) -> None:
    mentee(bot, "weekly mon 08:30", at(2026, 4, 24, 12))
    assert asked(clock, at(2026, 4, 27, 8), at(2026, 4, 27, 9)) == [
        (at(2026, 4, 27, 8, 30), [("7B-03", "Mon 27 Apr 08:30")])
    ]
    reply = snooze(bot, at(2026, 4, 27, 10, 15))
    assert reply == "Snoozed: I will ask about 7B-03 again on Tuesday 28 April at 08:30."
    assert [p.status.value for p in prompts_of(bot.db, "7B-03")] == ["snoozed"]
    # Asked again the next school day at the cadence's time; the regular Monday still comes.
    assert asked(clock, at(2026, 4, 27, 10, 30), at(2026, 5, 4, 12)) == [
        (at(2026, 4, 28, 8, 30), [("7B-03", "Tue 28 Apr 08:30")]),
        (at(2026, 5, 4, 8, 30), [("7B-03", "Mon 04 May 08:30")]),
    ]


@pytest.mark.parametrize(
    ("cadence", "prompted", "snoozed", "again", "reply_day"),
    [
        # 2026: May Day is a Friday, so a Thursday snooze skips the long weekend.
        (
            "weekly thu 08:30",
            at(2026, 4, 30, 8, 30),
            at(2026, 4, 30, 15),
            at(2026, 5, 4, 8, 30),
            "Monday 4 May",
        ),
        # 2027: May Day is a Saturday; a Friday snooze must not land on it.
        (
            "weekly fri 08:30",
            at(2027, 4, 30, 8, 30),
            at(2027, 4, 30, 12),
            at(2027, 5, 3, 8, 30),
            "Monday 3 May",
        ),
        # 2026: before Easter (Good Friday, Easter Monday) and a school's Easter break the week after.
        (
            "weekly thu 08:30",
            at(2026, 4, 2, 8, 30),
            at(2026, 4, 2, 9),
            at(2026, 4, 13, 8, 30),
            "Monday 13 April",
        ),
    ],
)
def test_snooze_before_a_long_weekend_asks_the_next_school_day(
    bot: Driver,
    clock: Clock,
    notifier: RecordingNotifier,
    cadence: str,
    prompted: datetime,
    snoozed: datetime,
    again: datetime,
    reply_day: str,
) -> None:
    bot.now = prompted - timedelta(days=30)
    bot.say("admin", "break add 2026-04-07 2026-04-10 Påsklov")
    mentee(bot, cadence, prompted - timedelta(days=3))
    assert len(asked(clock, prompted, prompted)) == 1
    reply = snooze(bot, snoozed)
    assert reply.endswith(f"again on {reply_day} at 08:30.")
    times = [moment for moment, _ in asked(clock, snoozed, again + timedelta(hours=1))]
    assert times == [again]
    # Nobody was reminded about the snoozed prompt while it waited, and it was never missed.
    assert notifier.prompts(reminder=True) == []
    assert "missed" not in [p.status.value for p in prompts_of(bot.db, "7B-03")]


def test_a_snooze_ending_with_the_next_regular_prompt_is_one_message_answered_once(
    bot: Driver, clock: Clock
) -> None:
    mentee(bot, "mon,thu 08:15", at(2026, 11, 20, 12))
    asked(clock, at(2026, 11, 23, 8, 15), at(2026, 11, 23, 8, 15))
    snooze(bot, at(2026, 11, 25, 13))  # Wednesday: ask again Thursday 08:15, the regular time too
    assert asked(clock, at(2026, 11, 25, 13, 15), at(2026, 11, 26, 12), step=timedelta(minutes=15)) == [
        (at(2026, 11, 26, 8, 15), [("7B-03", "Thu 26 Nov 08:15")])
    ]
    bot.now = at(2026, 11, 26, 10)
    bot.check_in("anna", "7B-03")
    assert [p.status.value for p in prompts_of(bot.db, "7B-03")] == ["answered", "answered"]


def test_snooze_across_the_change_to_summer_time_keeps_the_local_time(bot: Driver, clock: Clock) -> None:
    mentee(bot, "weekly fri 08:30", at(2026, 3, 24, 12))
    asked(clock, at(2026, 3, 27, 8, 30), at(2026, 3, 27, 8, 30))
    assert snooze(bot, at(2026, 3, 27, 14)).endswith("again on Monday 30 March at 08:30.")
    [(moment, _named)] = asked(clock, at(2026, 3, 27, 14, 30), at(2026, 3, 30, 12))
    assert moment == at(2026, 3, 30, 8, 30)
    assert moment.astimezone(UTC).hour == 6  # summer time began on Sunday 29 March


def test_a_snoozed_prompt_is_not_answered_and_not_missed(bot: Driver, clock: Clock) -> None:
    bot.say("admin", "role add @cora coordinator")
    mentee(bot, "weekly mon 08:30", at(2026, 11, 20, 12))
    asked(clock, at(2026, 11, 23, 8, 30), at(2026, 11, 23, 8, 30))
    snooze(bot, at(2026, 11, 23, 9))
    with bot.db.transaction() as session:
        from models import School

        school = session.query(School).one()
        digest: Digest = build_digest(session, school, at(2026, 11, 20, 14), at(2026, 11, 27, 14))
    assert (digest.prompts_due, digest.prompts_answered, digest.check_ins) == (1, 0, 0)
    # Asked again on Tuesday; answered then, it counts as answered like any other prompt.
    asked(clock, at(2026, 11, 23, 9, 30), at(2026, 11, 24, 9))
    bot.now = at(2026, 11, 24, 9, 30)
    bot.check_in("anna", "7B-03")
    assert [p.status.value for p in prompts_of(bot.db, "7B-03")] == ["answered"]


def test_snooze_when_nothing_is_waiting_is_refused_politely(bot: Driver) -> None:
    mentee(bot, "weekly mon 08:30", at(2026, 11, 20, 12))
    reply = bot.say("anna", "snooze 7B-03")
    assert reply.outcome.refused
    assert "nothing to snooze" in reply.text
    assert bot.say("bo", "snooze 7B-03").outcome.refused


def test_the_snooze_reply_is_in_swedish_for_a_swedish_mentor(db: Database, clock: Clock) -> None:
    bot = Driver(db, language="sv")
    mentee(bot, "weekly thu 08:30", at(2026, 4, 27, 12))
    asked(clock, at(2026, 4, 30, 8, 30), at(2026, 4, 30, 8, 30))
    assert snooze(bot, at(2026, 4, 30, 15)) == "Uppskjutet: jag frågar om 7B-03 igen måndag 4 maj kl. 08:30."


def test_after_downtime_from_monday_morning_to_saturday_noon_monday_gets_one_prompt(
    bot: Driver, clock: Clock
) -> None:
    mentee(bot, "weekly mon 08:30", at(2026, 11, 20, 12))
    clock.tick(at(2026, 11, 23, 7))  # the last tick before the server went down
    # Back on Saturday at noon: nothing on Saturday or Sunday; Monday at 08:30, exactly one prompt.
    assert asked(clock, at(2026, 11, 28, 12), at(2026, 11, 30, 12), step=timedelta(minutes=15)) == [
        (at(2026, 11, 30, 8, 30), [("7B-03", "Mon 30 Nov 08:30")])
    ]
    assert [p.local_date.isoformat() for p in prompts_of(bot.db, "7B-03")] == ["2026-11-30"]


def test_after_downtime_a_weekday_restart_asks_at_the_next_slot_not_in_the_evening(
    bot: Driver, clock: Clock
) -> None:
    mentee(bot, "mon,thu 08:15", at(2026, 11, 20, 12))
    # Down from Sunday to Tuesday 19:00: Monday's prompt is asked on Wednesday at 08:15, once;
    # Thursday's regular prompt still comes.
    assert asked(clock, at(2026, 11, 24, 19), at(2026, 11, 26, 12), timedelta(minutes=15)) == [
        (at(2026, 11, 25, 8, 15), [("7B-03", "Wed 25 Nov 08:15")]),
        (at(2026, 11, 26, 8, 15), [("7B-03", "Thu 26 Nov 08:15")]),
    ]


def test_a_snooze_that_ended_while_the_clock_was_down_asks_at_the_next_slot(
    bot: Driver, clock: Clock
) -> None:
    mentee(bot, "weekly mon 08:30", at(2026, 11, 20, 12))
    asked(clock, at(2026, 11, 23, 8, 30), at(2026, 11, 23, 8, 30))
    snooze(bot, at(2026, 11, 23, 9))  # until Tuesday 08:30; the clock is down Tuesday and Wednesday
    assert asked(clock, at(2026, 11, 26, 6), at(2026, 11, 26, 12)) == [
        (at(2026, 11, 26, 8, 30), [("7B-03", "Thu 26 Nov 08:30")])
    ]


def resolved_with_follow_up(bot: Driver, follow_up: str) -> None:
    """An alert raised on Thursday 23 April 2026, owned and resolved by erik with a follow-up date."""
    bot.now = at(2026, 4, 23, 10)
    bot.say("admin", "student add 7B-03")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    assert "raised an alert" in bot.check_in("anna", "7B-03", affective="1").text
    bot.say("erik", "alert own 1")
    assert "resolved" in bot.say("erik", f"alert resolve 1 talked {follow_up}").text


def follow_up_reminders(clock: Clock, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
    """Tick hourly; when each follow-up reminder went out, to whom, and its text."""
    sent = []
    moment = start
    while moment <= end:
        for notification in clock.tick(moment).delivered:
            template = getattr(notification.content, "template", "")
            if template.startswith("Follow-up for"):
                text = render_notification("en", notification)
                sent.append((moment.astimezone(STOCKHOLM), notification.to.id, text))
        moment += timedelta(hours=1)
    return sent


def test_a_follow_up_on_a_school_day_reminds_its_owner_that_morning_once(bot: Driver, clock: Clock) -> None:
    resolved_with_follow_up(bot, "2026-04-28")
    assert follow_up_reminders(clock, at(2026, 4, 23, 11), at(2026, 4, 29, 12)) == [
        (
            at(2026, 4, 28, 7),
            "erik",
            "[→ @erik] Follow-up for 7B-03 on Tuesday 28 April: case #1 (Low engagement) "
            "was resolved with: talked with the student.",
        )
    ]


def test_a_follow_up_on_may_day_weekend_reminds_the_next_school_day(bot: Driver, clock: Clock) -> None:
    # Saturday 2 May 2026; Friday 1 May is a holiday too: the owner hears on Monday 4 May.
    resolved_with_follow_up(bot, "2026-05-02")
    sent = follow_up_reminders(clock, at(2026, 4, 23, 11), at(2026, 5, 5, 12))
    assert [(moment, to) for moment, to, _text in sent] == [(at(2026, 5, 4, 7), "erik")]
    assert "on Saturday 2 May" in sent[0][2]


def test_alerts_lists_the_follow_ups_that_are_due(bot: Driver, clock: Clock) -> None:
    resolved_with_follow_up(bot, "2026-04-28")
    bot.now = at(2026, 4, 27, 9)
    assert "Follow-ups due" not in bot.say("erik", "alerts").text
    bot.now = at(2026, 4, 28, 9)
    listing = bot.say("erik", "alerts").text
    assert listing.splitlines() == [
        "No open cases.",
        "Follow-ups due:",
        "  #1    7B-03        @erik · 28 Apr · Low engagement",
    ]


def test_a_prompt_snoozed_past_the_next_occurrence_is_not_missed_nor_escalated(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    bot.say("admin", "role add @cora coordinator")
    mentee(bot, "mon,tue,wed 08:30", at(2026, 11, 20, 12))
    asked(clock, at(2026, 11, 23, 8, 30), at(2026, 11, 23, 8, 30))
    # Tuesday before school: Monday's prompt is snoozed to Wednesday; Tuesday's comes meanwhile.
    assert snooze(bot, at(2026, 11, 24, 7)).endswith("again on Wednesday 25 November at 08:30.")
    asked(clock, at(2026, 11, 24, 7, 30), at(2026, 11, 24, 12))
    assert [p.status.value for p in prompts_of(bot.db, "7B-03")] == ["snoozed", "sent"]
    # Wednesday: one message, the regular prompt, which also asks about Monday's again.
    assert len(asked(clock, at(2026, 11, 24, 12, 30), at(2026, 11, 25, 12))) == 1
    assert [p.status.value for p in prompts_of(bot.db, "7B-03")] == ["snoozed", "missed", "sent"]
    escalated = [n for _, n in notifier.sent if "missed" in getattr(n.content, "template", "")]
    assert escalated == []
