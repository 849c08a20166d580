"""The one table the benchmarks print: what was measured, the number, the comparison and the target."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    what: str
    measured: str
    compared: str = ""  # the naive design or bare alternative, measured in the same run
    ratio: str = ""
    target: str = ""
    met: bool | None = None  # None: no target at this size, or not measured

    @property
    def verdict(self) -> str:
        return {True: "met", False: "MISSED", None: "-"}[self.met]


HEADERS = ("what", "mentorbot", "alternative (same run)", "ratio", "target", "")


def render(rows: list[Row]) -> str:
    cells = [HEADERS, *[(r.what, r.measured, r.compared, r.ratio, r.target, r.verdict) for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    lines = []
    for n, cell in enumerate(cells):
        lines.append(" | ".join(text.ljust(width) for text, width in zip(cell, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.1f}x" if theirs else "-"
