"""Twelve students at Björkskolan, hand-computed: the outcome report's figures, each worked out here.

The report covers October and November 2026 (one term: autumn 2026). Every student joined on
Monday 31 August (registered and given a mentor at 08:00), so their own first month, the baseline,
is 31 August to 29 September. Check-ins are on Mondays, each covering the five school days since the
previous one (no holiday falls on a weekday in September to November 2026); the first covers the
school week before it. Prompts are due at 08:30 on the same Mondays.

    A  7A-01..05  answer at 10:00 (1.5 h). Baseline: 1 day absent a week, ratings 2. October: 3 lessons
                  (half a day) a week, ratings 3. November: nothing absent, ratings 4 with academic
                  3, 4, 4, 5, 5 for A1..A5. An attendance case on 5 October.
    B  7B-01..04  answer at 12:30 (4 h). Never absent, ratings 4. Each misses the prompt of 16 November.
                  A concern case on 12 October, resolved with the guardians the next day.
    C  8C-01..02  answer at 16:30 (8 h). Baseline: never absent, ratings 4. October: a day a week,
                  unexcused, ratings 3. November: 2 days a week, one unexcused, ratings 1; did not meet
                  on 9 and 23 November (no ratings). A low-rating case on 9 November, acknowledged late.
    D  9D-01      answers at 10:00. Never absent, ratings 3; left the programme on 31 October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers.early_warning import WITHDRAWN
from models import (
    CheckIn,
    CheckInKind,
    Member,
    Mentorship,
    Organisation,
    Prompt,
    PromptStatus,
    School,
    Student,
)
from tests.case_support import add_case

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OCT, NOV, ALL, AUTUMN = "2026-10", "2026-11", "all", "2026-autumn"
BASELINE_WEEKS = [(8, 31), (9, 7), (9, 14), (9, 21), (9, 28)]
OCTOBER_WEEKS = [(10, 5), (10, 12), (10, 19), (10, 26)]
NOVEMBER_WEEKS = [(11, 2), (11, 9), (11, 16), (11, 23), (11, 30)]
SECRET_TEXTS = ("Helped a classmate", "Private note about home", "Name of")


def local(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time in 2026, as stored (UTC)."""
    return datetime(2026, month, day, hour, minute, tzinfo=STOCKHOLM).astimezone(UTC)


@dataclass(frozen=True)
class Week:
    absent_days: int = 0
    absent_lessons: int = 0
    unexcused_days: int = 0
    ratings: tuple[int | None, ...] = (None, None, None, None)
    met: bool = True


def four(rating: int | None) -> tuple[int | None, ...]:
    return (rating,) * 4


class Twelve:
    """Writes the twelve students, their check-ins, prompts and cases with the models."""

    def __init__(self, session: Session) -> None:
        self.session = session
        organisation = Organisation(
            platform="teams", workspace_id="T-UMEA", name="Umeå kommun", created_at=local(8, 1)
        )
        self.school = School(
            organisation=organisation,
            platform="teams",
            workspace_id="T-UMEA",
            name="Björkskolan",
            created_at=local(8, 1),
        )
        self.mentor = Member(school=self.school, user_id="mentor", is_mentor=True, created_at=local(8, 1))
        session.add_all([organisation, self.school, self.mentor])

    def student(self, code: str, left: datetime | None = None) -> tuple[Student, Mentorship]:
        student = Student(
            school=self.school,
            code=code,
            display_name=f"Name of {code}",
            active=left is None,
            created_at=local(8, 31, 8),
            deactivated_at=left,
        )
        mentorship = Mentorship(
            student=student, mentor=self.mentor, started_at=local(8, 31, 8), ended_at=left
        )
        self.session.add_all([student, mentorship])
        return student, mentorship

    def week(
        self,
        student: Student,
        mentorship: Mentorship,
        day: tuple[int, int],
        at: tuple[int, int],
        week: Week,
        prompted: bool,
    ) -> None:
        recorded = local(*day, *at)
        self.session.add(
            CheckIn(
                student=student,
                mentorship=mentorship,
                author=self.mentor,
                recorded_at=recorded,
                kind=CheckInKind.SCHEDULED,
                met=week.met,
                absent_days=week.absent_days,
                absent_lessons=week.absent_lessons,
                unexcused_days=week.unexcused_days,
                behavioural=week.ratings[0],
                academic=week.ratings[1],
                cognitive=week.ratings[2],
                affective=week.ratings[3],
                strengths="Helped a classmate",
                note="Private note about home",
            )
        )
        if prompted:
            self.prompt(mentorship, day, answered=recorded)

    def prompt(self, mentorship: Mentorship, day: tuple[int, int], answered: datetime | None) -> None:
        due = local(*day, 8, 30)
        self.session.add(
            Prompt(
                mentorship=mentorship,
                due_at=due,
                local_date=date(2026, *day),
                status=PromptStatus.ANSWERED if answered else PromptStatus.MISSED,
                created_at=due,
                sent_at=due,
                answered_at=answered,
            )
        )

    def case(
        self,
        student: Student,
        rule: str,
        opened: datetime,
        acknowledged: datetime | None = None,
        resolved: datetime | None = None,
        outcome: str | None = None,
        follow_up_on: date | None = None,
    ) -> None:
        add_case(self.session, student, rule, opened, acknowledged, resolved, outcome, follow_up_on)


def twelve_students(session: Session) -> School:
    make = Twelve(session)
    for n, academic in enumerate((3, 4, 4, 5, 5), start=1):
        student, mentorship = make.student(f"7A-0{n}")
        for day in BASELINE_WEEKS:
            make.week(student, mentorship, day, (10, 0), Week(absent_days=1, ratings=four(2)), prompted=False)
        for day in OCTOBER_WEEKS:
            make.week(
                student, mentorship, day, (10, 0), Week(absent_lessons=3, ratings=four(3)), prompted=True
            )
        for day in NOVEMBER_WEEKS:
            make.week(student, mentorship, day, (10, 0), Week(ratings=(4, academic, 4, 4)), prompted=True)
        make.case(
            student,
            "attendance",
            local(10, 5, 10, 5),
            local(10, 6),
            local(10, 20),
            "talked",
            date(2026, 11, 2),
        )
        if n == 1:
            # Raised before the report, resolved in it: resolved, not raised.
            make.case(student, "absent_days", local(9, 14, 10, 5), local(9, 15), local(10, 1), "referral")
    for n in range(1, 5):
        student, mentorship = make.student(f"7B-0{n}")
        for day in BASELINE_WEEKS + OCTOBER_WEEKS + NOVEMBER_WEEKS:
            if day == (11, 16):
                make.prompt(mentorship, day, answered=None)
                continue
            make.week(student, mentorship, day, (12, 30), Week(ratings=four(4)), prompted=day[0] >= 10)
        make.case(
            student,
            "concern",
            local(10, 12, 13),
            local(10, 12, 14),
            local(10, 13),
            "guardians",
            date(2026, 10, 26) if n == 1 else None,
        )
        if n == 2:
            make.case(student, "low_rating", local(10, 19, 13), local(10, 21))  # Mon -> Wed: in time
        if n == 3:
            # Taken back with its check-in: counts nowhere.
            make.case(
                student, "no_contact", local(10, 26, 13), local(10, 26, 14), local(10, 26, 15), WITHDRAWN
            )
    for n in (1, 2):
        student, mentorship = make.student(f"8C-0{n}")
        for day in BASELINE_WEEKS:
            make.week(student, mentorship, day, (16, 30), Week(ratings=four(4)), prompted=False)
        for day in OCTOBER_WEEKS:
            week = Week(absent_days=1, unexcused_days=1, ratings=four(3))
            make.week(student, mentorship, day, (16, 30), week, prompted=True)
        for day in NOVEMBER_WEEKS:
            met = day not in ((11, 9), (11, 23))
            week = Week(absent_days=2, unexcused_days=1, ratings=four(1 if met else None), met=met)
            make.week(student, mentorship, day, (16, 30), week, prompted=True)
        make.case(student, "low_rating", local(11, 9, 17), local(11, 12))  # Mon -> Thu: 3 school days
    student, mentorship = make.student("9D-01", left=local(10, 31, 12))
    for day in BASELINE_WEEKS + OCTOBER_WEEKS:
        make.week(student, mentorship, day, (10, 0), Week(ratings=four(3)), prompted=day[0] == 10)
    make.case(
        student,
        "late_arrivals",
        local(10, 19, 10, 5),
        local(10, 21),
        local(10, 28),
        "eht_meeting",
        date(2026, 11, 9),
    )
    session.flush()
    return make.school


W = (None, 0)  # withheld: "< 5", and no number of students either

# (section, figure, breakdown, period) -> (value, students behind it), worked out by hand.
EXPECTED: dict[tuple[str, str, str, str], tuple[int | float | None, int]] = {
    # Overview. Check-ins in the period: A 9 x 5, B 8 x 4 (16 November missed), C 9 x 2, D 4 = 99.
    ("overview", "students", "", ALL): (12, 12),
    ("overview", "students_with_mentor", "", ALL): (12, 12),
    ("overview", "check_ins", "", ALL): (99, 12),
    # Attendance, estimated: absent days (a lesson a sixth) over the school days covered.
    # October, 20 school days: A 4 x half a day = 10 %, B 0, C 4 days = 20 %, D 0.
    # Sorted: 0 x 5, 10 x 5, 20 x 2: median 10.0; at 10 % or more 7 of 12 = 58.3 % (5 below: shown).
    ("attendance", "students_estimated", "", OCT): (12, 12),
    ("attendance", "absence_median", "", OCT): (10.0, 12),
    ("attendance", "absence_at_least", "10", OCT): (58.3, 12),
    ("attendance", "absence_at_least", "15", OCT): W,  # C only
    ("attendance", "absence_at_least", "20", OCT): W,
    ("attendance", "unexcused_any", "", OCT): W,  # C only
    ("attendance", "unexcused_median", "", OCT): (0.0, 12),
    # November, 25 school days (B's 23 November covers two weeks): A 0, B 0, C 10 days = 40 %; D has left.
    ("attendance", "students_estimated", "", NOV): (11, 11),
    ("attendance", "absence_median", "", NOV): (0.0, 11),
    ("attendance", "absence_at_least", "10", NOV): W,
    ("attendance", "absence_at_least", "15", NOV): W,
    ("attendance", "absence_at_least", "20", NOV): W,
    ("attendance", "unexcused_any", "", NOV): W,
    ("attendance", "unexcused_median", "", NOV): (0.0, 11),
    # Both months, 45 school days (D: 20): A 2 days = 4.4 %, B 0, C 14 days = 31.1 %, D 0: median 4.4.
    ("attendance", "students_estimated", "", ALL): (12, 12),
    ("attendance", "absence_median", "", ALL): (4.4, 12),
    ("attendance", "absence_at_least", "10", ALL): W,
    ("attendance", "absence_at_least", "15", ALL): W,
    ("attendance", "absence_at_least", "20", ALL): W,
    ("attendance", "unexcused_any", "", ALL): W,
    ("attendance", "unexcused_median", "", ALL): (0.0, 12),
    # Paired: the first month (A 5 days of 25 = 20 %, others 0) against the term (as ALL above).
    # Changes: A -15.6 x 5, B and D 0 x 5, C +31.1 x 2: quartiles -15.6, 0.0, 0.0.
    ("attendance", "paired_students", "", AUTUMN): (12, 12),
    ("attendance", "paired_baseline_median", "", AUTUMN): (0.0, 12),
    ("attendance", "paired_term_median", "", AUTUMN): (4.4, 12),
    ("attendance", "paired_change_median", "", AUTUMN): (0.0, 12),
    ("attendance", "paired_change_q1", "", AUTUMN): (-15.6, 12),
    ("attendance", "paired_change_q3", "", AUTUMN): (0.0, 12),
}

# Engagement. October: A 3, B 4, C 3, D 3 in every dimension: 3 x 8, 4 x 4: quartiles 3, 3, 4.
# November: A 4 (academic 3, 4, 4, 5, 5), B 4, C 1 (two rated check-ins): 11 students; academic
# sorted 1 1 3 4 4 4 4 4 4 5 5: lower quartile 3 + (4 - 3) / 2 = 3.5.
# Both months: behavioural A 32/9, B 4, C 15/7, D 3: sorted 15/7 15/7 3 32/9 x 5 4 x 4: lower
# quartile 3 + 3/4 (32/9 - 3) = 3.42, median 32/9 = 3.56; academic 15/7 15/7 3 3 32/9 32/9 4 4 4 4
# 37/9 37/9: 3.0, (32/9 + 4) / 2 = 3.78, 4.0. All four, per check-in: A1 30.75/9, A2 A3 32/9, A4 A5
# 33.25/9, B 4, C 15/7, D 3: median (32/9 + 33.25/9) / 2 = 3.625, shown 3.6.
for dimension in ("behavioural", "academic", "cognitive", "affective"):
    EXPECTED[("engagement", "median", dimension, OCT)] = (3.0, 12)
    EXPECTED[("engagement", "q1", dimension, OCT)] = (3.0, 12)
    EXPECTED[("engagement", "q3", dimension, OCT)] = (4.0, 12)
    EXPECTED[("engagement", "median", dimension, NOV)] = (4.0, 11)
    EXPECTED[("engagement", "q1", dimension, NOV)] = (3.5 if dimension == "academic" else 4.0, 11)
    EXPECTED[("engagement", "q3", dimension, NOV)] = (4.0, 11)
    academic = dimension == "academic"
    EXPECTED[("engagement", "median", dimension, ALL)] = (3.8 if academic else 3.6, 12)
    EXPECTED[("engagement", "q1", dimension, ALL)] = (3.0 if academic else 3.4, 12)
    EXPECTED[("engagement", "q3", dimension, ALL)] = (4.0, 12)
EXPECTED |= {
    ("engagement", "median", "", OCT): (3.0, 12),
    ("engagement", "median", "", NOV): (4.0, 11),
    ("engagement", "median", "", ALL): (3.6, 12),
    # Against the first month (A 2, B 4, C 4, D 3): A improving, B and D steady, C declining. Steady
    # (5) goes too, or 100 % minus improving would tell the 2 declining; November: 4 steady + 2 is 6.
    ("engagement", "direction_students", "", OCT): (12, 12),
    ("engagement", "direction", "improving", OCT): (41.7, 12),
    ("engagement", "direction", "stable", OCT): W,
    ("engagement", "direction", "declining", OCT): W,
    ("engagement", "direction_students", "", NOV): (11, 11),
    ("engagement", "direction", "improving", NOV): (45.5, 11),
    ("engagement", "direction", "stable", NOV): W,
    ("engagement", "direction", "declining", NOV): W,
    ("engagement", "direction_students", "", ALL): (12, 12),
    ("engagement", "direction", "improving", ALL): (41.7, 12),
    ("engagement", "direction", "stable", ALL): W,
    ("engagement", "direction", "declining", ALL): W,
    # Dosage. October: 48 prompts, all answered, 48 check-ins, all met, for 12 students; hours to
    # answer 1.5 x 24, 4 x 16, 8 x 8: median (1.5 + 4) / 2 = 2.75, shown 2.8. November, 11 students:
    # 55 prompts, 51 answered (92.7 %), 51 check-ins (4.6 each), 47 met (92.2 %); hours 1.5 x 25, 4 x 16,
    # 8 x 10. Both months (61 days, 61/30 months): 103 prompts and 99 check-ins for 12 students.
    ("dosage", "prompts_per_student", "", OCT): (4.0, 12),
    ("dosage", "check_ins_per_student", "", OCT): (4.0, 12),
    ("dosage", "prompts_answered", "", OCT): (100.0, 12),
    ("dosage", "met", "", OCT): (100.0, 12),
    ("dosage", "response_hours_median", "", OCT): (2.8, 12),
    ("dosage", "response_hours_q3", "", OCT): (4.0, 12),
    ("dosage", "prompts_per_student", "", NOV): (5.0, 11),
    ("dosage", "check_ins_per_student", "", NOV): (4.6, 11),
    ("dosage", "prompts_answered", "", NOV): (92.7, 11),
    ("dosage", "met", "", NOV): (92.2, 11),
    ("dosage", "response_hours_median", "", NOV): (4.0, 11),
    ("dosage", "response_hours_q3", "", NOV): (4.0, 11),
    ("dosage", "prompts_per_student", "", ALL): (4.2, 12),  # 103 / 12 / (61 / 30)
    ("dosage", "check_ins_per_student", "", ALL): (4.1, 12),  # 99 / 12 / (61 / 30)
    ("dosage", "prompts_answered", "", ALL): (96.1, 12),  # 99 / 103
    ("dosage", "met", "", ALL): (96.0, 12),  # 95 / 99
    ("dosage", "response_hours_median", "", ALL): (4.0, 12),
    ("dosage", "response_hours_q3", "", ALL): (4.0, 12),
    # Early warning. Raised in the period: attendance A x 5, concern B x 4, low rating B2 and C x 2,
    # late arrivals D: 13 cases of 12 students (B3's withdrawn one counts nowhere). The rules hidden
    # hold 7 students, so attendance (5) may show.
    ("early_warning", "raised", "", ALL): (13, 12),
    ("early_warning", "raised", "absent_days", ALL): W,
    ("early_warning", "raised", "attendance", ALL): (5, 5),
    ("early_warning", "raised", "concern", ALL): W,
    ("early_warning", "raised", "late_arrivals", ALL): W,
    ("early_warning", "raised", "low_rating", ALL): W,
    # Within 2 school days: A (1), B (0), B2 (2), D (2); not C (Monday to Thursday: 3).
    ("early_warning", "acknowledged_in_time", "", ALL): (11, 10),
    ("early_warning", "acknowledged_in_time", "absent_days", ALL): W,
    ("early_warning", "acknowledged_in_time", "attendance", ALL): (5, 5),
    ("early_warning", "acknowledged_in_time", "concern", ALL): W,
    ("early_warning", "acknowledged_in_time", "late_arrivals", ALL): W,
    ("early_warning", "acknowledged_in_time", "low_rating", ALL): W,
    # School days to acknowledge: 0 x 4, 1 x 5, 2 x 2, 3 x 2: median 1.
    ("early_warning", "acknowledge_days_median", "", ALL): (1.0, 12),
    ("early_warning", "acknowledge_days_median", "absent_days", ALL): W,
    ("early_warning", "acknowledge_days_median", "attendance", ALL): (1.0, 5),
    ("early_warning", "acknowledge_days_median", "concern", ALL): W,
    ("early_warning", "acknowledge_days_median", "late_arrivals", ALL): W,
    ("early_warning", "acknowledge_days_median", "low_rating", ALL): W,
    # Resolved in the period: A x 5 talked, B x 4 guardians, D EHT meeting, A1's September case referral.
    ("early_warning", "resolved", "", ALL): (11, 10),
    ("early_warning", "resolved", "absent_days", ALL): W,
    ("early_warning", "resolved", "attendance", ALL): (5, 5),
    ("early_warning", "resolved", "concern", ALL): W,
    ("early_warning", "resolved", "late_arrivals", ALL): W,
    ("early_warning", "resolved", "low_rating", ALL): W,
    ("early_warning", "outcome", "talked", ALL): (5, 5),
    ("early_warning", "outcome", "guardians", ALL): W,
    ("early_warning", "outcome", "eht_meeting", ALL): W,
    ("early_warning", "outcome", "referral", ALL): W,
    ("early_warning", "outcome", "not_relevant", ALL): W,
    ("early_warning", "outcome", "other", ALL): W,
    # Follow-ups: A x 5 (2 November, met that day) and B1 (26 October) kept; D's (9 November) not.
    ("early_warning", "follow_ups", "", ALL): (7, 7),
    ("early_warning", "follow_ups_kept", "", ALL): (6, 6),
    ("early_warning", "follow_ups_not_kept", "", ALL): W,
    # Stories: A up (engagement 2.2 before, 3.5 or more after), B and D no clear change, C down
    # (2.5 before, 1 after). No clear change (5) goes too, or 12 - 5 would tell the 2 downward.
    ("stories", "cases", "", ALL): (12, 12),
    ("stories", "followed", "", ALL): (12, 12),
    ("stories", "turned", "turned_up", ALL): (5, 5),
    ("stories", "turned", "no_clear_change", ALL): W,
    ("stories", "turned", "turned_down", ALL): W,
}
