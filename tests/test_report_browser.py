"""The HTML report in a real browser: headless Chromium (Debian's `chromium` package) opens it,
every chart is decoded and laid out, a screenshot shows each one drawn, and it prints on A4.

Skipped when Chromium is not installed; CI installs it (.ci/run). Set MENTORBOT_REPORT_SCREENSHOT
to a path to keep the screenshot.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.reports import make_report
from bot.reports.comparison import read_comparison
from models.db import Database
from tests.report_data import FIRST, LAST, NOW, twelve_students

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)
WIDTH = 1000  # CSS pixels of the browser window

# Run in the page once it has loaded: what the browser made of every image, and what it fetched.
CHECK = """
<script>
window.addEventListener("load", () => {
  const images = [...document.images].map((image) => {
    const box = image.getBoundingClientRect();
    return {
      figure: image.closest("figure").id, complete: image.complete,
      naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight,
      left: box.left + window.scrollX, top: box.top + window.scrollY, width: box.width, height: box.height,
    };
  });
  const fetched = performance.getEntriesByType("resource").map((entry) => entry.name);
  const out = document.createElement("pre");
  out.id = "mentorbot-check";
  out.textContent = JSON.stringify({images, fetched, height: document.documentElement.scrollHeight});
  document.body.appendChild(out);
});
</script>
"""


def chromium(profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # the test may run as root in a container
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--font-render-hinting=none",
            f"--user-data-dir={profile}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )


def laid_out(report: str, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The page written to `tmp_path`, and what Chromium made of it: every image, what it fetched."""
    page = tmp_path / "report.html"
    page.write_text(report, encoding="utf-8")
    checked = tmp_path / "checked.html"
    checked.write_text(report.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    dom = chromium(
        tmp_path / "profile",
        "--virtual-time-budget=10000",
        f"--window-size={WIDTH},1200",
        "--dump-dom",
        checked.as_uri(),
    ).stdout
    found = re.search(r'<pre id="mentorbot-check">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    seen = json.loads(html.unescape(found.group(1)))
    assert seen["fetched"] == []  # nothing from the network or the disk: the page is self-contained
    for image in seen["images"]:
        assert image["complete"] and image["naturalWidth"] >= 1200 and image["naturalHeight"] >= 300, image
        assert image["width"] > 600 and image["height"] > 100, image  # laid out across the text width
    return page, seen


def screenshot(page: Path, seen: dict[str, Any], tmp_path: Path) -> Path:
    """The whole page as the browser draws it; each chart's place on it holds a drawing, not a blank
    or a broken image."""
    shot = tmp_path / "report.png"
    height = int(seen["height"])
    chromium(tmp_path / "profile", f"--window-size={WIDTH},{height}", f"--screenshot={shot}", page.as_uri())
    picture = Image.open(shot).convert("L")
    assert picture.size == (WIDTH, height)
    for image in seen["images"]:
        box = (
            int(image["left"]),
            int(image["top"]),
            int(image["left"] + image["width"]),
            int(image["top"] + image["height"]),
        )
        region = picture.crop(box)
        dark = sum(count for level, count in enumerate(region.histogram()) if level < 128)
        assert dark > 0.005 * region.width * region.height, (image["figure"], dark)
        greys = sum(1 for count in region.histogram() if count)
        assert greys > 20, image["figure"]  # lines, text and greys, not one flat colour
    return shot


def test_every_chart_renders_in_chromium_and_the_report_prints_on_a4(db: Database, tmp_path: Path) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("one database is enough for the browser")
    with db.transaction() as session:
        twelve_students(session)
    report = make_report(db, school="Björkskolan", first=FIRST, last=LAST, format="html", now=NOW).content
    page, seen = laid_out(report, tmp_path)
    assert [image["figure"] for image in seen["images"]] == [
        "chart-attendance_levels",
        "chart-attendance_paired",
        "chart-engagement_dimensions",
        "chart-engagement_direction",
        "chart-dosage",
        "chart-early_warning",
        "chart-stories",
    ]
    shot = screenshot(page, seen, tmp_path)
    if target := os.environ.get("MENTORBOT_REPORT_SCREENSHOT"):
        shutil.copy(shot, target)

    # Printed: A4 pages (595 x 842 points), more than one.
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    content = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    assert len(boxes) >= 2
    for width, length in boxes:
        assert abs(float(width) - 595.3) < 2 and abs(float(length) - 841.9) < 2


def test_the_comparison_with_a_comparison_school_renders_in_chromium(db: Database, tmp_path: Path) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("one database is enough for the browser")
    with db.transaction() as session:
        twelve_students(session)
    compared = read_comparison(Path(__file__).parent / "fixtures" / "comparison-school.csv")
    report = make_report(
        db, school="Björkskolan", first=FIRST, last=LAST, format="html", now=NOW, compare=compared
    ).content
    page, seen = laid_out(report, tmp_path)
    figures = [image["figure"] for image in seen["images"]]
    assert figures[:3] == ["chart-attendance_levels", "chart-attendance_paired", "chart-comparison"]
    assert len(figures) == 8
    screenshot(page, seen, tmp_path)
