"""Outcome reports: every number of the HTML and the CSV against a hand-computed school of twelve
students (tests/report_data.py); nothing that names a child; the audit; the command line."""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from sqlalchemy import select

from bot.reports import Made, ReportError, make_report
from bot.reports.comparison import ComparisonError, parse_comparison, read_comparison
from handlers.reports.data import load, schools_with_breaks
from handlers.reports.figures import compute
from models import AuditEvent, Organisation, School, Student
from models.db import Database
from tests.report_data import (
    ALL,
    AUTUMN,
    EXPECTED,
    FIRST,
    LAST,
    NOV,
    NOW,
    OCT,
    SECRET_TEXTS,
    local,
    twelve_students,
)

NBSP = "\u00a0"
PERCENT = {
    "absence_median", "absence_at_least", "unexcused_any", "unexcused_median", "paired_baseline_median",
    "paired_term_median", "direction", "prompts_answered", "met",
}  # fmt: skip
COUNTS = {
    "students", "students_with_mentor", "check_ins", "students_estimated", "paired_students",
    "direction_students", "raised", "acknowledged_in_time", "resolved", "outcome", "follow_ups",
    "follow_ups_kept", "follow_ups_not_kept", "cases", "followed", "turned",
}  # fmt: skip


def shown_in_swedish(key: tuple[str, str, str, str]) -> str:
    """A hand-computed figure as a Swedish reader sees it: 58,3 %, \u221215,6, < 5."""
    value, _ = EXPECTED[key]
    name = key[1]
    if value is None:
        return "< 5"
    if name in COUNTS:
        return str(value)
    if name.startswith("paired_change"):
        sign = "+" if value > 0 else "\u2212" if value < 0 else "\u00b1"
        return sign + f"{abs(value):.1f}".replace(".", ",")
    text = f"{value:.1f}".replace(".", ",")
    return f"{text}{NBSP}%" if name in PERCENT else text


def made(db: Database, school: str | None = "Björkskolan", format: str = "html", **options: object) -> Made:
    return make_report(
        db, school=school, first=FIRST, last=LAST, format=format, now=NOW, progress_out=None, **options
    )


@pytest.fixture
def twelve(db: Database) -> Database:
    with db.transaction() as session:
        twelve_students(session)
    return db


def test_every_figure_is_the_hand_computed_one(twelve: Database) -> None:
    with twelve.transaction() as session:
        data = load(session, schools_with_breaks(session), FIRST, LAST)
    report = compute(data, FIRST, LAST, programme=False)
    got = {(f.section, f.name, f.breakdown, f.period): (f.value, f.students) for f in report.figures}
    assert {f.school for f in report.figures} == {"Björkskolan"}
    assert {k: (got.get(k), v) for k, v in EXPECTED.items() if got.get(k) != v} == {}
    assert set(got) == set(EXPECTED)


class Page(HTMLParser):
    """The report as a reader sees it: cards, tables (header row, then rows), images, other text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.cards: list[tuple[str, str]] = []
        self.tables: list[list[list[str]]] = []
        self.images: list[dict[str, str]] = []
        self.text: list[str] = []
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self._card: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self._stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th") and "table" in self._stack:
            self._cell = []
        elif tag == "div" and attributes.get("class") == "card":
            self._card = []
        elif tag == "img":
            self.images.append(attributes)
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "div" and self._card is not None:
            number, *label = self._card
            self.cards.append((number, "".join(label).strip()))
            self._card = None
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._card is not None:
            self._card.append(data)
        elif "style" not in self._stack and "title" not in self._stack:
            self.text.append(data)


def table(page: Page, heading: str) -> list[list[str]]:
    """The table whose first heading is `heading`, without its header row."""
    (found,) = [t for t in page.tables if t[0][0] == heading]
    return found[1:]


def spread(dimension: str, period: str) -> str:
    """An engagement cell: the median and, in brackets, the quartiles."""
    median, low, high = (
        shown_in_swedish(("engagement", n, dimension, period)) for n in ("median", "q1", "q3")
    )
    return f"{median} ({low}\u2013{high})"


def row(label: str, *keys: tuple[str, str, str, str]) -> list[str]:
    return [label, *(shown_in_swedish(key) for key in keys)]


MONTHS = (("okt. 2026", OCT), ("nov. 2026", NOV), ("hela perioden", ALL))
RULES = (
    ("alla regler", ""),
    ("Heldagsfrånvaro", "absent_days"),
    ("Låg närvaro", "attendance"),
    ("Oro lyft", "concern"),
    ("Sena ankomster", "late_arrivals"),
    ("Lågt engagemang", "low_rating"),
)


def test_the_html_shows_every_hand_computed_figure_in_swedish(twelve: Database) -> None:
    report = made(twelve)
    page = Page(report.content)
    assert page.cards == [
        ("12", "elever i programmet"),
        ("12", "med mentor"),
        ("99", "avstämningar"),
        ("4,1", "avstämningar per elev och månad"),
        ("13", "larm"),
    ]
    attendance, engagement, direction, dosage = [t[1:] for t in page.tables if t[0][0] == "månad"]
    assert attendance == [
        row(
            label,
            ("attendance", "students_estimated", "", p),
            ("attendance", "absence_median", "", p),
            ("attendance", "absence_at_least", "10", p),
            ("attendance", "absence_at_least", "15", p),
            ("attendance", "absence_at_least", "20", p),
            ("attendance", "unexcused_any", "", p),
            ("attendance", "unexcused_median", "", p),
        )
        for label, p in MONTHS
    ]
    assert attendance[0] == [
        "okt. 2026",
        "12",
        "10,0\u00a0%",
        "58,3\u00a0%",
        "< 5",
        "< 5",
        "< 5",
        "0,0\u00a0%",
    ]
    assert table(page, "termin") == [
        row(
            "HT 2026",
            *(
                ("attendance", name, "", AUTUMN)
                for name in (
                    "paired_students",
                    "paired_baseline_median",
                    "paired_term_median",
                    "paired_change_median",
                    "paired_change_q1",
                    "paired_change_q3",
                )
            ),
        )
    ]
    assert table(page, "termin")[0][4:] == ["\u00b10,0", "\u221215,6", "\u00b10,0"]
    assert engagement == [
        [
            label,
            *(spread(d, p) for d in ("behavioural", "academic", "cognitive", "affective")),
            shown_in_swedish(("engagement", "median", "", p)),
        ]
        for label, p in MONTHS
    ]
    assert engagement[1][2] == "4,0 (3,5\u20134,0)"  # November, academic
    assert direction == [
        row(
            label,
            ("engagement", "direction_students", "", p),
            *(("engagement", "direction", word, p) for word in ("improving", "stable", "declining")),
        )
        for label, p in MONTHS
    ]
    assert dosage == [
        row(
            label,
            *(
                ("dosage", name, "", p)
                for name in (
                    "prompts_per_student",
                    "check_ins_per_student",
                    "prompts_answered",
                    "met",
                    "response_hours_median",
                    "response_hours_q3",
                )
            ),
        )
        for label, p in MONTHS
    ]
    assert table(page, "regel") == [
        row(
            label,
            *(
                ("early_warning", name, rule, ALL)
                for name in ("raised", "acknowledged_in_time", "acknowledge_days_median", "resolved")
            ),
        )
        for label, rule in RULES
    ]
    assert table(page, "utfall för avslutade larm") == [
        row(label, ("early_warning", "outcome", outcome, ALL))
        for label, outcome in (
            ("samtal med eleven", "talked"),
            ("kontakt med vårdnadshavarna", "guardians"),
            ("EHT-möte", "eht_meeting"),
            ("remiss", "referral"),
            ("inte relevant", "not_relevant"),
            ("annat", "other"),
        )
    ]
    assert table(page, "uppföljningar daterade under perioden") == [
        row("alla", ("early_warning", "follow_ups", "", ALL)),
        row("hållna", ("early_warning", "follow_ups_kept", "", ALL)),
        row("inte hållna", ("early_warning", "follow_ups_not_kept", "", ALL)),
    ]
    assert table(page, "elever") == [
        row("med ett larm öppnat", ("stories", "cases", "", ALL)),
        row("med avstämningar före och efter", ("stories", "followed", "", ALL)),
        row("vände tydligt uppåt", ("stories", "turned", "turned_up", ALL)),
        row("ingen tydlig förändring", ("stories", "turned", "no_clear_change", ALL)),
        row("vände tydligt nedåt", ("stories", "turned", "turned_down", ALL)),
    ]
    assert len(page.tables) == 9
    # Outside the cards and tables only the period, the report's constants and its id carry numbers.
    assert f"Rapport {report.report_id}, gjord 1 december 2026 av mentorbot." in " ".join(page.text)
    text = re.sub(r"R-[0-9A-F]{8}", "", " ".join(page.text))
    assert "1 oktober 2026 till 30 november 2026" in text and "1 december 2026" in text
    constants = {"1", "2", "5", "10", "15", "20", "30", "60", "90", "2026"}
    assert set(re.findall(r"\d+", text)) <= constants


def test_the_charts_are_embedded_pngs_with_a_text_alternative(twelve: Database) -> None:
    html = made(twelve).content
    page = Page(html)
    assert len(page.images) == 7
    for image in page.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        picture = Image.open(io.BytesIO(base64.b64decode(image["src"][len(prefix) :])))
        assert picture.format == "PNG" and picture.width >= 1200 and picture.height >= 300
        assert len(image["alt"]) > 40
    # Self-contained: nothing is fetched from elsewhere.
    links = re.findall(r"""(?:src|href)=["']([^"']*)""", html)
    assert len(links) == 7 and all(link.startswith("data:image/png;base64,") for link in links)
    assert "<script" not in html and "@import" not in html and "url(" not in html


def csv_rows(content: str) -> dict[tuple[str, str, str, str], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(content)))
    found = {(r["section"], r["figure"], r["breakdown"], r["period"]): r for r in rows}
    assert len(found) == len(rows)
    return found


def test_the_csv_has_every_hand_computed_figure(twelve: Database) -> None:
    content = made(twelve, format="csv").content
    assert content.splitlines()[0] == (
        "organisation,school,section,figure,breakdown,period,from,to,value,students,unit"
    )
    rows = csv_rows(content)
    assert set(rows) == set(EXPECTED)
    for key, (value, students) in EXPECTED.items():
        cell = rows[key]
        if value is None:
            assert (cell["value"], cell["students"]) == ("<5", "<5"), key
        elif key[1] in COUNTS:
            assert (cell["value"], cell["students"]) == (str(value), str(students)), key
        else:
            assert (cell["value"], cell["students"]) == (f"{value:.1f}", str(students)), key
        assert (cell["organisation"], cell["school"]) == ("Umeå kommun", "Björkskolan")
    assert (
        rows[("attendance", "absence_median", "", OCT)]["from"],
        rows[("attendance", "absence_median", "", OCT)]["to"],
    ) == ("2026-10-01", "2026-10-31")
    assert {(r["from"], r["to"]) for k, r in rows.items() if k[3] in (ALL, AUTUMN)} == {
        ("2026-10-01", "2026-11-30")
    }
    assert rows[("attendance", "paired_change_q1", "", AUTUMN)]["value"] == "-15.6"
    assert {r["unit"] for r in rows.values()} == {"count", "percent", "decimal", "hours", "days", "points"}


def test_nothing_names_a_child_and_each_report_draws_new_ids(twelve: Database) -> None:
    with twelve.transaction() as session:
        codes = list(session.scalars(select(Student.code)))
    for content in (made(twelve).content, made(twelve, None, format="csv").content):
        for secret in (*codes, *SECRET_TEXTS):
            assert secret not in content
    with twelve.transaction() as session:
        schools = schools_with_breaks(session)
        first = {s.id for s in load(session, schools, FIRST, LAST)[0].students}
        second = {s.id for s in load(session, schools, FIRST, LAST)[0].students}
    assert len(first) == 12 and not first & second


def test_each_report_is_recorded_in_the_audit_of_every_school_it_covers(twelve: Database) -> None:
    with twelve.transaction() as session:
        small = School(
            organisation=session.scalars(select(Organisation)).one(),
            platform="teams",
            workspace_id="T-UMEA",
            name="Lindskolan",
            created_at=local(8, 1),
        )
        session.add(small)
    one, programme = made(twelve, format="csv"), made(twelve, None, format="csv")
    with twelve.transaction() as session:
        events = [
            (e.school_id, e.actor_id, e.action, e.object_type, e.object_id, e.at)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        ids = {s.name: s.id for s in session.scalars(select(School))}
    assert events == [
        (ids["Björkskolan"], None, "report.school", "report", one.report_id, NOW),
        (ids["Björkskolan"], None, "report.programme", "report", programme.report_id, NOW),
        (ids["Lindskolan"], None, "report.programme", "report", programme.report_id, NOW),
    ]
    assert re.fullmatch(r"R-[0-9A-F]{8}", one.report_id) and one.report_id != programme.report_id


def test_the_programme_report_has_each_school_and_the_whole(twelve: Database) -> None:
    with twelve.transaction() as session:
        organisation = Organisation(
            platform="teams", workspace_id="T-VANNAS", name="Vännäs kommun", created_at=local(8, 1)
        )
        small = School(
            organisation=organisation,
            platform="teams",
            workspace_id="T-VANNAS",
            name="Lindskolan",
            created_at=local(8, 1),
        )
        session.add_all([organisation, small])
        for n in range(3):
            session.add(Student(school=small, code=f"9C-0{n}", created_at=local(8, 31)))
    report = made(twelve, None, format="csv")
    assert report.figures.programme and report.language == "sv"
    rows = list(csv.DictReader(io.StringIO(report.content)))
    whole = {(r["section"], r["figure"], r["breakdown"], r["period"]): r for r in rows if r["school"] == ""}
    bjork = csv_rows(
        "\n".join([",".join(next(csv.reader([report.content.splitlines()[0]])))])
        + "\n"
        + "\n".join(line for line in report.content.splitlines()[1:] if ",Björkskolan," in line)
    )
    lind = [r for r in rows if r["school"] == "Lindskolan"]
    # Each school's figures are those of its own report; a school of 3 shows nothing at all.
    school_csv = csv_rows(made(twelve, format="csv").content)
    assert {k: (r["value"], r["students"]) for k, r in bjork.items()} == {
        k: (r["value"], r["students"]) for k, r in school_csv.items()
    }
    assert lind and {(r["value"], r["students"]) for r in lind} == {("<5", "<5")}
    assert {r["organisation"] for r in lind} == {"Vännäs kommun"}
    assert (
        whole[("overview", "students", "", ALL)]["value"],
        whole[("overview", "students_with_mentor", "", ALL)]["value"],
    ) == ("15", "12")
    page = Page(made(twelve, None).content)
    schools = table(page, "skolan")
    assert [r[0] for r in schools] == ["Björkskolan (Umeå kommun)", "Lindskolan (Vännäs kommun)"]
    assert schools[1][1:] == ["< 5"] * 8
    assert schools[0][1:3] == ["12", "4,1"]
    assert len(page.images) == 8


def test_english_on_request(twelve: Database) -> None:
    page = Page(made(twelve, language="en").content)
    assert page.cards[3] == ("4.1", "check-ins per student a month")
    attendance = next(t for t in page.tables if t[0][0] == "month")
    assert attendance[1][:4] == ["Oct 2026", "12", "10.0%", "58.3%"]
    assert table(page, "term")[0][0] == "autumn 2026"


def test_refusals(twelve: Database) -> None:
    with pytest.raises(ReportError, match="no school called 'Ekskolan'; the schools are: Björkskolan"):
        made(twelve, "Ekskolan")
    with pytest.raises(ReportError, match="--from must not be after --to"):
        make_report(twelve, school=None, first=LAST, last=FIRST, format="html", now=NOW, progress_out=None)
    with twelve.transaction() as session:
        other = Organisation(
            platform="teams", workspace_id="T-2", name="Vännäs kommun", created_at=local(8, 1)
        )
        session.add_all(
            [
                other,
                School(
                    organisation=other,
                    platform="teams",
                    workspace_id="T-2",
                    name="Björkskolan",
                    created_at=local(8, 1),
                ),
            ]
        )
    with pytest.raises(
        ReportError, match=r"several schools are called 'björkskolan'.*Umeå kommun/Björkskolan"
    ):
        made(twelve, "björkskolan")
    assert made(twelve, "umeå kommun/Björkskolan", format="csv").figures.schools == (
        ("Umeå kommun", "Björkskolan"),
    )


# The command line.


@pytest.fixture
def cli_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An embedded SQLite database in a temporary data directory, holding the twelve students."""
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MENTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    db = Database(f"sqlite:///{tmp_path / 'data' / 'mentorbot.sqlite3'}")
    with db.transaction() as session:
        twelve_students(session)
    db.dispose()
    with time_machine.travel(NOW, tick=False):
        yield tmp_path


def test_the_command_writes_the_report_and_says_where(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    capsys.readouterr()
    assert main(["report", "--school", "Björkskolan", "--from", "2026-10-01", "--to", "2026-11-30"]) == 0
    written = cli_data / "report-björkskolan-2026-10-01-2026-11-30.html"
    err = capsys.readouterr().err
    assert f"wrote {written.name}: report R-" in err and "1 school(s)" in err and "(< 5 students)" in err
    assert "reading" in err and "100.0%" in err  # the progress line
    assert Page(written.read_text()).cards[2] == ("99", "avstämningar")

    assert (
        main(
            [
                "report",
                "--school",
                "Björkskolan",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-30",
                "--format",
                "csv",
                "--output",
                "-",
            ]
        )
        == 0
    )
    rows = csv_rows(capsys.readouterr().out)
    assert rows[("attendance", "absence_at_least", "10", OCT)]["value"] == "58.3"

    assert main(["report", "--programme", "--format", "csv", "--output", "out.csv"]) == 0
    rows = list(csv.DictReader((cli_data / "out.csv").open()))
    # The default period: the school year so far (from 1 August), to today.
    assert {(r["from"], r["to"]) for r in rows if r["period"] == "all"} == {("2026-08-01", "2026-12-01")}


def test_the_command_refuses_politely(cli_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    capsys.readouterr()
    assert main(["report", "--school", "Nowhere"]) == 2
    assert capsys.readouterr().err.startswith("mentorbot: there is no school called 'Nowhere'")
    assert main(["report", "--programme", "--from", "2026-12-01", "--to", "2026-11-01"]) == 2
    with pytest.raises(SystemExit):
        main(["report", "--school", "Björkskolan", "--programme"])
    with pytest.raises(SystemExit):
        main(["report"])


# A comparison school's attendance export (`--compare FILE`).

COMPARISON = Path(__file__).parent / "fixtures" / "comparison-school.csv"
COMPARISON_HEADER = "period,students,absence_at_least_10,absence_at_least_15,absence_at_least_20"


def test_a_comparison_export_is_read_with_semicolons_decimal_commas_and_withheld_shares() -> None:
    compared = read_comparison(COMPARISON)
    assert compared.name == "comparison-school"
    assert [m.period for m in compared.months] == ["2026-09", "2026-10", "2026-11"]
    october = compared.month("2026-10")
    assert october is not None and october.students == 212 and october.shares == (21.7, 12.3, 7.5)
    november = compared.month("2026-11")
    assert november is not None and november.share(20) is None  # "<5": the school withheld it
    assert compared.month("2026-12") is None


@pytest.mark.parametrize(
    ("rows", "told"),
    [
        ("", "the file is empty"),
        (
            "period,students\n2026-10,3",
            "missing: absence_at_least_10, absence_at_least_15, absence_at_least_20",
        ),
        (COMPARISON_HEADER, "there are no rows below the column names"),
        (
            f"{COMPARISON_HEADER}\n2026/10,200,5,3,1\n2026-11,many,5,3,1\n2026-12,200,5,101,1",
            "row 2: the period must be a month written YYYY-MM (such as 2026-09), not '2026/10'; "
            "row 3: students must be a whole number, not 'many'; "
            "row 4: absence_at_least_15 must be a percentage from 0 to 100 (or <5), not '101'",
        ),
        (f"{COMPARISON_HEADER}\n2026-13,200,5,3,1", "row 2: the period must be a month"),
        (f"{COMPARISON_HEADER}\n2026-10,200,5,3,1\n\n2026-10,200,5,3,1", "row 4: 2026-10 is given twice"),
        (f"{COMPARISON_HEADER}\n2026-10,200,5,8,1", "row 2: the shares cannot grow with the level"),
    ],
)
def test_every_mistake_in_a_comparison_export_is_told_with_its_row(rows: str, told: str) -> None:
    with pytest.raises(ComparisonError) as refused:
        parse_comparison(rows, "comparison")
    assert told in str(refused.value)


def test_a_comparison_file_that_cannot_be_read_is_told_politely(tmp_path: Path) -> None:
    with pytest.raises(ComparisonError, match="there is no such file"):
        read_comparison(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{COMPARISON_HEADER}\n2026-10,200,5,3,1 åäö\n".encode("latin-1"))
    with pytest.raises(ComparisonError, match="not UTF-8 text"):
        read_comparison(latin)


def test_the_html_compares_this_report_with_the_comparison_school(twelve: Database) -> None:
    page = Page(made(twelve, compare=read_comparison(COMPARISON)).content)
    assert "Jämfört med en jämförelseskola" in " ".join(page.text)
    # Its chart follows the attendance section's two.
    assert len(page.images) == 8
    assert page.images[2]["alt"].endswith("i den här rapporten och i jämförelseskolans närvaroexport.")
    # The report's own share at 15 %, as everywhere in it; the comparison school's from its export.
    headings = ["månad", "den här rapporten", "jämförelseskolan", "elever i jämförelseskolan"]
    [compared] = [t for t in page.tables if t[0] == headings]
    assert compared[1:] == [
        ["okt. 2026", shown_in_swedish(("attendance", "absence_at_least", "15", OCT)), "12,3\u00a0%", "212"],
        ["nov. 2026", shown_in_swedish(("attendance", "absence_at_least", "15", NOV)), "13,3\u00a0%", "211"],
    ]


def test_the_comparison_is_drawn_in_html_only(twelve: Database) -> None:
    with pytest.raises(ReportError, match="--compare draws the comparison in the HTML report"):
        made(twelve, format="csv", compare=read_comparison(COMPARISON))


def test_the_command_reads_the_comparison_or_says_what_is_wrong(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    capsys.readouterr()
    period = ["--from", "2026-10-01", "--to", "2026-11-30"]
    assert main(["report", "--school", "Björkskolan", *period, "--compare", str(COMPARISON)]) == 0
    written = cli_data / "report-björkskolan-2026-10-01-2026-11-30.html"
    assert 'id="chart-comparison"' in written.read_text()
    bad = cli_data / "bad.csv"
    bad.write_text(f"{COMPARISON_HEADER}\n2026-10,200,5,3,1\n2026-11,x,5,3,1\n")
    capsys.readouterr()
    assert main(["report", "--school", "Björkskolan", *period, "--compare", str(bad)]) == 2
    assert capsys.readouterr().err == (
        f"mentorbot: {bad}: row 3: students must be a whole number, not 'x'\n"
    )
