"""A roster import, the same from every adapter: rows in, each through the core on its own, a report out.

Slack gets the rows from its import modal, Teams from a pasted message, the console from a CSV
file. Each row is its own transaction (`handlers.roster.import_row`), so a refused row leaves
nothing half-written and the other rows go on; the report names every refused row with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from bot.i18n import translate
from handlers.actors import Caller
from handlers.commands import Action
from handlers.dispatch import Core
from handlers.roster import RosterProblem, RosterRow, import_row
from models.messages import N_, Message, msg

# Long imports say they have started, and the console counts on every so many rows.
PROGRESS_FROM = 20
PROGRESS_EVERY = 25


@dataclass
class ImportReport:
    language: str
    total: int
    saved: int = 0
    problems: list[tuple[int, str, Message]] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            translate(
                self.language,
                msg(N_("Import: {saved} of {total} rows saved."), saved=self.saved, total=self.total),
            )
        ]
        for line, code, reason in self.problems[:40]:
            where = translate(self.language, msg(N_("Row {line}"), line=line))
            lines.append(f"{where} {code}: {translate(self.language, reason)}".replace("  ", " "))
        return lines


def started(total: int) -> Message:
    return msg(N_("Importing {total} rows; I will report when it is done."), total=total)


def import_roster(
    core: Core,
    caller: Caller,
    rows: Sequence[RosterRow | RosterProblem],
    language: str,
    *,
    key: str | None = None,
    row_action: Callable[[RosterRow], Action] = lambda row: partial(import_row, row=row),
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import the rows one transaction each (`key`: once per row however often the request comes)."""
    report = ImportReport(language, len(rows))
    for done, row in enumerate(rows, start=1):
        if isinstance(row, RosterProblem):
            report.problems.append((row.line, "", row.reason))
        else:
            row_key = f"{key}:{row.line}" if key else None
            outcome = core.run(caller, row_action(row), key=row_key)
            report.language = outcome.language
            if outcome.refused:
                reason = next((r for r in outcome.reply if isinstance(r, Message)), msg(N_("Not saved.")))
                report.problems.append((row.line, row.code, reason))
            else:
                report.saved += 1
        if progress is not None and done % PROGRESS_EVERY == 0 and done < len(rows):
            progress(done, len(rows))
    return report
