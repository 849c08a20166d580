"""Moves the clock of a process the test suite starts (the CLI, `serve`, a benchmark server) to the
same simulated date as the suite itself, when the suite runs under MENTORBOT_TEST_DATE.

`tests/conftest.py` puts this folder on PYTHONPATH and the clock's offset from the real time in
TIME_TRAVEL_OFFSET_SECONDS; Python imports `sitecustomize` at start-up by itself. Never installed:
it only exists for processes the tests start.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

_offset = os.environ.get("TIME_TRAVEL_OFFSET_SECONDS")
if _offset:
    import time_machine

    time_machine.travel(datetime.now(UTC) + timedelta(seconds=float(_offset)), tick=True).start()
