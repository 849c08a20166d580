"""The process log: one level for everything (MENTORBOT_LOG_LEVEL), and libraries kept from
printing what passes through them.

mentorbot's own log lines say where something happened, never what was written. Libraries are
not so careful: at DEBUG slack_sdk prints every request and response body (a student export, a
message to a mentor), Bolt prints its answers and httpcore the Teams connector's traffic, and
SQLAlchemy would print every statement with its parameters (names, codes) at INFO. So whatever
level is chosen, those loggers stay at their floor, where they only say that something was
retried or failed.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The lowest level each library may log at: below it, it prints bodies or statement parameters
# (alembic only a line per migration on every start).
FLOORS = {
    "sqlalchemy": logging.WARNING,
    "alembic": logging.WARNING,
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    "microsoft_teams": logging.INFO,
    "httpcore": logging.INFO,
    "aiohttp": logging.INFO,
}


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at `level` (DEBUG, INFO, WARNING or ERROR); the libraries in FLOORS never below
    their floor."""
    number = logging.getLevelName(level)
    logging.basicConfig(level=number, format=FORMAT)
    logging.getLogger().setLevel(number)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, number))
