"""How every adapter logs a failure (Slack, Teams, the console, the web app, the clock): where it
happened and the code path, never the exception's message.

A database error quotes its statement's parameters (`[parameters: ...]`), and those can be a
note, a student's name or a personal identity number; so can many other exceptions' messages.
The exception's type and the lines of code it passed through say enough to find the bug.
"""

from __future__ import annotations

import logging
import traceback

from models.messages import N_

log = logging.getLogger("mentorbot")
SOMETHING_WENT_WRONG = N_("Sorry, something went wrong on my side. Please try again in a moment.")


def log_failure(where: str, exc: BaseException, logger: logging.Logger = log) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    cause = exc.__cause__ or exc.__context__
    because = f" (from {type(cause).__name__})" if cause is not None else ""
    logger.error("%s failed: %s%s\n%s", where, type(exc).__name__, because, frames)
