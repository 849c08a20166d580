"""The benchmarks at a tiny size, so they cannot rot. Not timed: the numbers are not checked."""

from __future__ import annotations

import pytest

from bench import cold_start, dispatch, http, memory, rules, school_scoped, tick
from bench.databases import BENCH_KEY, use_bench_key
from bench.table import Row, render
from models import crypto
from models.db import Database
from models.seed import SeedSize, seed


@pytest.fixture
def seeded(db: Database) -> Database:
    use_bench_key()
    seed(db, SeedSize(students=60, check_ins_per_student=3, now=tick.SEED_NOW), progress_out=None)
    return db


@pytest.fixture(autouse=True)
def restore_keys() -> object:
    yield
    crypto.use_keys([BENCH_KEY, crypto.new_key()])


def test_idle_tick_rules_and_alert(seeded: Database) -> None:
    assert tick.idle_tick(seeded, repeats=3) > 0
    assert rules.rules_per_check_in(repeats=3) > 0
    assert rules.submission_to_alert(seeded, repeats=1) > 0


def test_dispatch_ours_limit_and_naive(seeded: Database) -> None:
    workers = 2 if seeded.engine.dialect.name == "postgresql" else 1
    seconds, delivered = dispatch.ours(seeded, 40, workers)
    assert delivered == 40 and seconds > 0
    if workers == 2:  # the set-based limit is PostgreSQL's
        seconds, delivered = dispatch.limit(seeded, 40, workers)
        assert delivered == 40 and seconds > 0
    seconds, sent = dispatch.naive(seeded, 10)
    assert sent == 10


def test_one_school_among_many_times_app_home_the_digest_and_a_read_command(seeded: Database) -> None:
    home, digest, schools = school_scoped.timings(seeded, tick.SEED_NOW)
    assert home > 0 and digest > 0 and schools == 2
    assert school_scoped.read_cpu(seeded, tick.SEED_NOW) > 0
    rows = school_scoped.rows(seeded, seeded, "db", tick.SEED_NOW, full_size=False)
    assert [row.what.split(",")[0] for row in rows] == [
        "App Home",
        "one school's weekly digest and EHT summary",
        "`mentees` through the core",
    ]
    assert all("2 vs 2 schools" in row.what and row.met is None for row in rows)


def test_cold_start_and_memory(seeded: Database) -> None:
    if seeded.engine.dialect.name == "sqlite":
        pytest.skip("one database is enough for the subprocess rows")
    cold_start.fill_naive_store(seeded, 20)
    assert cold_start.naive(seeded) > 0
    assert cold_start.ours(seeded) > 0
    rss, peak, _web = memory.serving_rss(seeded)
    assert 0 < rss <= peak + 1


def test_http_row_runs_or_says_why() -> None:
    rows = http.rows(quick=True, per_connection=2)
    assert rows and all(isinstance(row, Row) for row in rows)
    assert "HTTP" in render(rows)
    if "not available" not in rows[0].measured:
        names = [row.what for row in rows]
        assert names[0] == "HTTP signed /mentor mentees, 1 conn" and names[-1].startswith("serve RSS")
        assert sum(name.startswith("HTTP mixed") for name in names) == len(http.CONNECTIONS) + 1


def test_outcome_report_row(db: Database) -> None:
    """The report's bench row on a tiny programme: 2 schools of 6 students, 4 school weeks."""
    from bench import report

    seeded = report.seed_programme(db, schools=2, students=6, weeks=4)
    assert seeded.schools == 2 and seeded.check_ins > 0
    rows = report.rows(db, db.engine.dialect.name, seeded, full_size=False)
    assert [row.what.split(",")[1].strip() for row in rows] == ["programme", "programme", "one school"]
    assert all(row.measured.endswith(" s") and row.met is None for row in rows)
    assert "outcome report" in render(rows)


def test_fatigue_rows_count_both_policies(db: Database) -> None:
    from bench import fatigue

    use_bench_key()
    fatigue.seed_term(db, tick.SEED_NOW, students=30)
    rows = fatigue.rows(db, tick.SEED_NOW)
    assert len(rows) == len(fatigue.PACES)
    assert all("before:" in row.compared and "after:" in row.measured for row in rows)
