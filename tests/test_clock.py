"""The clock prompts once per due occurrence: across DST, holidays, breaks, crashes and downtime."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.results import AlertNotice, Destination, Notification
from models import Member, Mentorship, Organisation, OutboxMessage, OutboxStatus, School, Student
from models.cadence import parse_cadence
from models.db import Database
from schedules import outbox, waiting
from schedules.clock import Clock
from tests.clock_support import STOCKHOLM, RecordingNotifier, at, prompts_of, start_mentorships
from tests.driver import Driver


def one_student(bot: Driver, code: str = "7B-03", mentor: str = "anna") -> None:
    bot.say("admin", f"student add {code}")
    bot.say("admin", f"assign {code} @{mentor}")


def run(clock: Clock, start: datetime, end: datetime, step: timedelta = timedelta(minutes=30)) -> None:
    moment = start
    while moment <= end:
        clock.tick(moment)
        moment += step


def local_times(prompts: list) -> list[tuple[date, str]]:
    return [(p.local_date, p.due_at.astimezone(STOCKHOLM).strftime("%H:%M")) for p in prompts]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (
            "weekly mon 08:30",
            [(date(2026, 10, 19), "08:30"), (date(2026, 10, 26), "08:30"), (date(2026, 11, 2), "08:30")],
        ),
        (
            "mon,thu 08:15",
            [(date(2026, 10, d), "08:15") for d in (19, 22, 26, 29)]
            + [(date(2026, 11, d), "08:15") for d in (2, 5)],
        ),
        # Counted in weeks from the week the mentorship started (18 Oct is a Sunday).
        ("every 2 weeks thu 14:00", [(date(2026, 10, 29), "14:00")]),
    ],
)
def test_october_dst_change_one_prompt_per_occurrence_at_local_time(
    bot: Driver, clock: Clock, notifier: RecordingNotifier, words: str, expected: list
) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 10, 18, 12), parse_cadence(words.split()))
    run(clock, at(2026, 10, 18, 12), at(2026, 11, 5, 23), step=timedelta(hours=1))
    assert local_times(prompts_of(bot.db, "7B-03")) == expected
    assert len(notifier.prompts()) == len(expected)


def test_march_dst_change(bot: Driver, clock: Clock, notifier: RecordingNotifier) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 3, 26, 12), parse_cadence(["mon,thu", "08:30"]))
    run(clock, at(2026, 3, 26, 12), at(2026, 4, 7, 12), step=timedelta(hours=1))
    # Summer time starts 29 March; 6 April is Easter Monday, so that prompt moves to Tuesday.
    prompts = prompts_of(bot.db, "7B-03")
    assert local_times(prompts) == [
        (date(2026, 3, 30), "08:30"),
        (date(2026, 4, 2), "08:30"),
        (date(2026, 4, 7), "08:30"),
    ]
    assert prompts[0].due_at == datetime(2026, 3, 30, 6, 30, tzinfo=UTC)
    assert len(notifier.prompts()) == 3


def test_the_repeated_hour_in_october_prompts_once(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    # A prompt due at 02:30 local on the night the clocks go back would be seen twice by a naive cron.
    start_mentorships(bot.db, at(2026, 10, 25, 0), "FREQ=DAILY;BYHOUR=2;BYMINUTE=30;BYSECOND=0")
    run(clock, at(2026, 10, 25, 0), at(2026, 10, 27, 0), step=timedelta(minutes=10))
    # Sunday is not a school day: the 02:30 prompt moves to Monday, once; Tuesday's comes next day.
    assert local_times(prompts_of(bot.db, "7B-03")) == [(date(2026, 10, 26), "02:30")]
    assert notifier.prompted_codes() == ["7B-03"]


def test_holidays_and_breaks_move_prompts_to_the_next_school_day(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    bot.now = at(2027, 2, 5, 12)
    bot.say("admin", "break add 2027-02-15 2027-02-19 Sportlov")
    start_mentorships(bot.db, at(2027, 2, 5, 12))
    run(clock, at(2027, 2, 5, 12), at(2027, 2, 23, 12), step=timedelta(hours=2))
    assert [p.local_date for p in prompts_of(bot.db, "7B-03")] == [date(2027, 2, 8), date(2027, 2, 22)]


def test_a_break_added_while_the_clock_runs_moves_its_next_prompts(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    """The clock keeps each school's calendar between ticks; a new break counts from the next one."""
    one_student(bot)
    start_mentorships(bot.db, at(2027, 2, 26, 12))
    run(clock, at(2027, 2, 26, 12), at(2027, 3, 2, 12), step=timedelta(hours=2))
    bot.now = at(2027, 3, 2, 12)
    bot.say("admin", "break add 2027-03-15 2027-03-19 Studiedagar")
    run(clock, at(2027, 3, 2, 14), at(2027, 3, 23, 12), step=timedelta(hours=2))
    assert [p.local_date for p in prompts_of(bot.db, "7B-03")] == [
        date(2027, 3, 1),
        date(2027, 3, 8),
        date(2027, 3, 22),
    ]


def test_one_message_per_mentor_listing_every_due_mentee(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    for code in ("7B-03", "7B-04", "8A-01"):
        bot.say("admin", f"student add {code}")
    bot.say("admin", "assign 7B-03 @anna")
    bot.say("admin", "assign 7B-04 @anna")
    bot.say("admin", "assign 8A-01 @bo")
    start_mentorships(bot.db, at(2026, 11, 20, 12))
    clock.tick(at(2026, 11, 23, 8, 31))
    by_mentor = {mentor: sorted(m.code for m in prompt.mentees) for mentor, prompt in notifier.prompts()}
    assert by_mentor == {"anna": ["7B-03", "7B-04"], "bo": ["8A-01"]}


def test_a_sender_killed_between_claiming_and_sending_delivers_once_after_restart(
    bot: Driver, db: Database, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    start_mentorships(db, at(2026, 11, 20, 12))
    crashing = RecordingNotifier()

    def die(*_args: object) -> None:
        raise SystemExit("killed")

    crashing.deliver = die  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        Clock(db, crashing, worker="first").tick(at(2026, 11, 23, 8, 31))
    restarted = Clock(db, notifier, worker="second")
    restarted.tick(at(2026, 11, 23, 8, 32))
    assert notifier.prompted_codes() == []  # the dead sender's claim is still fresh
    restarted.tick(at(2026, 11, 23, 8, 40))
    restarted.tick(at(2026, 11, 23, 9, 0))
    assert notifier.prompted_codes() == ["7B-03"]
    assert [p.status.value for p in prompts_of(db, "7B-03")] == ["sent"]


def test_downtime_is_caught_up_once_without_a_flood(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 11, 1, 12))
    # The server was down for three weeks: three Mondays passed. Back on a Wednesday morning, the
    # missed prompt waits for the next school-day slot at the cadence's time (Thursday 08:30).
    clock.tick(at(2026, 11, 25, 10))
    clock.tick(at(2026, 11, 25, 10, 30))
    assert notifier.prompted_codes() == []
    run(clock, at(2026, 11, 25, 11), at(2026, 12, 1, 9), step=timedelta(minutes=30))
    assert notifier.prompted_codes() == ["7B-03", "7B-03"]
    assert [p.local_date for p in prompts_of(bot.db, "7B-03")] == [date(2026, 11, 26), date(2026, 11, 30)]


def test_one_reminder_after_24_school_hours(bot: Driver, clock: Clock, notifier: RecordingNotifier) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 11, 19, 12), parse_cadence(["fri", "08:30"]))
    clock.tick(at(2026, 11, 20, 8, 30))
    assert len(notifier.prompts()) == 1
    run(clock, at(2026, 11, 20, 9), at(2026, 11, 23, 8, 0), step=timedelta(hours=1))
    assert notifier.prompts(reminder=True) == []  # the weekend does not count
    run(clock, at(2026, 11, 23, 8, 30), at(2026, 11, 24, 12), step=timedelta(minutes=30))
    reminders = notifier.prompts(reminder=True)
    assert [(to, [m.code for m in p.mentees]) for to, p in reminders] == [("anna", ["7B-03"])]


def test_an_answered_prompt_gets_no_reminder(bot: Driver, clock: Clock, notifier: RecordingNotifier) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 11, 19, 12), parse_cadence(["fri", "08:30"]))
    clock.tick(at(2026, 11, 20, 8, 30))
    bot.check_in("anna", "7B-03")
    run(clock, at(2026, 11, 20, 9), at(2026, 11, 24, 9), step=timedelta(hours=2))
    assert notifier.prompts(reminder=True) == []
    assert prompts_of(bot.db, "7B-03")[0].status.value == "answered"


def test_two_missed_in_a_row_tells_the_coordinator_once(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    bot.say("admin", "role add @cora coordinator")
    start_mentorships(bot.db, at(2026, 11, 1, 12))
    run(clock, at(2026, 11, 2, 8), at(2026, 11, 30, 9), step=timedelta(hours=6))
    escalations = [
        (n.to.id, n.content.params)
        for _, n in notifier.sent
        if getattr(n.content, "template", "").startswith("@{mentor} has missed")
    ]
    assert sorted(to for to, _ in escalations) == ["admin", "cora"]
    assert escalations[0][1]["code"] == "7B-03"
    statuses = [p.status.value for p in prompts_of(bot.db, "7B-03")]
    assert statuses == ["missed", "missed", "missed", "sent"]


def test_cadence_off_and_ended_mentorships_get_no_prompts(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot, "7B-03")
    one_student(bot, "7B-04")
    bot.say("admin", "cadence 7B-03 off")
    bot.say("admin", "unassign 7B-04")
    run(clock, datetime.now(STOCKHOLM), datetime.now(STOCKHOLM) + timedelta(days=8), step=timedelta(hours=4))
    assert notifier.prompted_codes() == []


def test_a_platform_outage_loses_nothing(bot: Driver, clock: Clock, notifier: RecordingNotifier) -> None:
    one_student(bot)
    start_mentorships(bot.db, at(2026, 11, 20, 12))
    notifier.failing = True
    run(clock, at(2026, 11, 23, 8, 30), at(2026, 11, 23, 10), step=timedelta(minutes=5))
    notifier.failing = False
    run(clock, at(2026, 11, 23, 10, 5), at(2026, 11, 23, 12), step=timedelta(minutes=5))
    assert notifier.prompted_codes() == ["7B-03"]


def test_weekly_digest_for_coordinators_and_eht_once(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    # People and the clock live in the same (simulated) week, whatever today's real date is.
    bot.now = at(2026, 11, 20, 15)  # a Friday, after that week's digest time
    one_student(bot, "7B-03", "anna")
    one_student(bot, "7B-04", "bo")
    bot.say("admin", "eht #eht")
    start_mentorships(bot.db, at(2026, 11, 20, 12))
    clock.tick(at(2026, 11, 23, 8, 31))
    bot.now = at(2026, 11, 23, 9)
    bot.check_in("anna", "7B-03")
    run(clock, at(2026, 11, 27, 13), at(2026, 11, 27, 18), step=timedelta(minutes=30))
    digests = [n for _, n in notifier.sent if type(n.content).__name__ == "Digest"]
    summaries = [n for _, n in notifier.sent if type(n.content).__name__ == "AlertSummary"]
    assert [n.to.id for n in digests] == ["admin"]
    digest = digests[0].content
    assert (digest.prompts_due, digest.prompts_answered, digest.check_ins) == (2, 1, 1)
    assert [(o.mentor_user_id, o.overdue) for o in digest.overdue] == [("bo", 1)]
    assert [n.to.id for n in summaries] == ["eht"]


def test_two_workers_racing_on_postgresql_never_send_twice(db: Database, notifier: RecordingNotifier) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers are a PostgreSQL deployment; SQLite runs one embedded clock")
    from models import Mentorship

    start = at(2026, 11, 20, 12)
    with db.transaction() as session:
        school = School(
            organisation=Organisation(platform="console", workspace_id="race", created_at=start),
            platform="console",
            workspace_id="race",
            thresholds={},
            created_at=start,
        )
        mentors = [Member(school=school, user_id=f"mentor{n}", created_at=start) for n in range(30)]
        for n in range(600):
            student = Student(school=school, code=f"S{n:04d}", created_at=start)
            session.add(Mentorship(student=student, mentor=mentors[n % 30], started_at=start))
        session.add_all(mentors)
    start_mentorships(db, start)

    due = at(2026, 11, 23, 8, 31)
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        barrier.wait()
        # Ticks 30 s apart, as configured by default: well inside the other worker's claim lease.
        for tick in range(3):
            Clock(db, notifier, worker=name).tick(due + timedelta(seconds=30 * tick))

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = notifier.prompted_codes()
    assert len(codes) == 600
    assert Counter(codes).most_common(1)[0][1] == 1
    assert len(notifier.prompts()) == 30  # one message per mentor


class SlowPlatform(RecordingNotifier):
    """A platform that takes its time to answer each message, like a slow Slack."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        time.sleep(self.seconds)
        return super().deliver(destination, notification)


def test_two_workers_on_a_slow_platform_prompt_each_mentor_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers are a PostgreSQL deployment; SQLite runs one embedded clock")
    # Scaled down from two-minute leases: a batch of six at 0.4 s a message outlasts a 2 s lease.
    monkeypatch.setattr(outbox, "CLAIM_LEASE", timedelta(seconds=2))
    monkeypatch.setattr(waiting, "CLAIM_LEASE", timedelta(seconds=2))
    monkeypatch.setattr(outbox, "BATCH", 6)
    start = at(2026, 11, 20, 12)
    with db.transaction() as session:
        school = School(
            organisation=Organisation(platform="console", workspace_id="slow", created_at=start),
            platform="console",
            workspace_id="slow",
            thresholds={},
            created_at=start,
        )
        for n in range(12):
            student = Student(school=school, code=f"S{n:04d}", created_at=start)
            mentor = Member(school=school, user_id=f"mentor{n}", created_at=start)
            session.add(Mentorship(student=student, mentor=mentor, started_at=start))
    start_mentorships(db, start)
    platform = SlowPlatform(0.4)
    due, began = at(2026, 11, 23, 8, 31), time.monotonic()

    def simulated_now() -> datetime:  # the test's date, moving as fast as real time
        return due + timedelta(seconds=time.monotonic() - began)

    def all_sent() -> bool:
        with db.transaction() as session:
            statuses = set(session.scalars(select(OutboxMessage.status)))
        return statuses == {OutboxStatus.SENT}

    failures: list[BaseException] = []

    def worker(name: str, starts_after: float) -> None:
        time.sleep(starts_after)
        clock = Clock(db, platform, worker=name, now=simulated_now)
        try:
            while not all_sent() and time.monotonic() - began < 60:
                clock.tick()
                time.sleep(0.1)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    # The second worker comes in while the first is still in its first batch, past that claim's lease.
    threads = [threading.Thread(target=worker, args=args) for args in (("w0", 0), ("w1", 2.3))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Counter(to for to, _ in platform.prompts()) == Counter(f"mentor{n}" for n in range(12))


def test_the_clock_runs_early_warning_daily_and_the_card_updates_in_place(
    bot: Driver, clock: Clock, notifier: RecordingNotifier
) -> None:
    one_student(bot)
    bot.say("admin", "role add @erik eht")
    bot.say("admin", "eht #eht")
    with bot.db.transaction() as session:
        mentorship = session.query(Mentorship).one()
        mentorship.started_at = at(2026, 3, 2, 9)
        mentorship.cadence = "off"
        mentorship.next_due_at = None
    # Before 07:00 nothing runs; after, the no-contact rule opens one case, posted once that day.
    clock.tick(at(2026, 3, 23, 6, 30))
    clock.tick(at(2026, 3, 23, 7, 5))
    clock.tick(at(2026, 3, 23, 12, 0))
    alerts = [(i, d, n) for i, (d, n) in enumerate(notifier.sent) if isinstance(n.content, AlertNotice)]
    assert len(alerts) == 1
    position, destination, notice = alerts[0]
    assert (destination.platform, notice.to.id, notice.replaces) == ("console", "eht", None)
    assert [rule.rule for rule in notice.content.rules] == ["no_contact"]
    # The EHT acknowledges: the channel message is updated in place, not posted again.
    bot.say("erik", f"alert ack {notice.content.case_id}")
    clock.deliver(at(2026, 3, 23, 12, 5))
    update = notifier.sent[-1][1]
    assert isinstance(update.content, AlertNotice) and update.replaces == f"ref-{position + 1}"
    assert update.content.status == "acknowledged"
