"""The school's attendance source, set by a coordinator in chat: `attendance source ss12000 URL
SKOLENHETSKOD` (*närvaro källa ...*), or `attendance source off`.

Only the address and the school unit's code are given in chat. The credentials are the operator's
business: the reply names the environment variables, derived from the school's name exactly as the
SS 12000 client reads them, so the coordinator can pass them on. The URL must be https (plain
http only to 127.0.0.1, for tests), and a skolenhetskod is eight digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from handlers.access import require_role
from handlers.attendance import attendance_status
from handlers.courses import grade_status
from handlers.results import Outcome
from models import AttendanceSource, Member, Role, School, SourceLesson
from models.addresses import trusted_url
from models.attendance_source import SS12000, env_name
from models.audit import record
from models.messages import N_, Refused, msg

_UNIT_CODE = re.compile(r"^[0-9]{8}$")
URL_MAX = 300


def credential_names(school: School) -> str:
    """The environment variables the operator sets for this school's SS 12000 source."""
    prefix = f"MENTORBOT_SS12000_{env_name(school.name)}_"
    return ", ".join(prefix + name for name in ("TOKEN_URL", "CLIENT_ID", "CLIENT_SECRET"))


def source_of(session: Session, school: School) -> AttendanceSource | None:
    return session.scalar(select(AttendanceSource).where(AttendanceSource.school_id == school.id))


def set_source(session: Session, actor: Member, now: datetime, *, url: str, unit_code: str) -> Outcome:
    """Connect the school to its SS 12000 source; the next night's sync reads from it."""
    require_role(actor, Role.COORDINATOR)
    school = actor.school
    if not env_name(school.name):
        raise Refused(
            N_("Give the school a name first (school rename NAME): the credentials are named after it.")
        )
    url = url.strip().rstrip("/")
    try:
        trusted_url(url)
    except ValueError:
        raise Refused(N_("The address must start with https:// (the SS 12000 API's base URL).")) from None
    if len(url) > URL_MAX or urlsplit(url).query or urlsplit(url).username:
        raise Refused(N_("Give the API's base URL only: no query and no user name or password in it."))
    if not _UNIT_CODE.match(unit_code):
        raise Refused(N_("A school unit code (skolenhetskod) is eight digits, e.g. 12345678."))
    source = source_of(session, school)
    if source is None:
        source = AttendanceSource(school_id=school.id, kind=SS12000)
        session.add(source)
    elif (source.base_url, source.school_unit_code) != (url, unit_code):
        # Another system or school unit: its lessons are not this one's; read from the start again.
        session.execute(delete(SourceLesson).where(SourceLesson.school_id == school.id))
        source.lessons_after = source.grades_after = None
    source.base_url, source.school_unit_code, source.set_at = url, unit_code, now
    record(session, actor, school.id, "school.attendance_source.set", "school", school.id, now)
    return Outcome(
        reply=[
            msg(
                N_(
                    "Attendance is read from SS 12000 at {url} (school unit {code}) every night after a "
                    "school day. Ask the operator to set {names} on the server; credentials are never "
                    "given in chat."
                ),
                url=url,
                code=unit_code,
                names=credential_names(school),
            )
        ]
    )


def source_off(session: Session, actor: Member, now: datetime) -> Outcome:
    """Stop reading attendance from the school's system; what was stored stays."""
    require_role(actor, Role.COORDINATOR)
    school = actor.school
    source = source_of(session, school)
    if source is None:
        return Outcome.say(msg(N_("No attendance source is set for this school.")))
    session.delete(source)
    session.execute(delete(SourceLesson).where(SourceLesson.school_id == school.id))
    record(session, actor, school.id, "school.attendance_source.off", "school", school.id, now)
    return Outcome.say(
        msg(N_("Attendance is no longer read from the school's system. The days already stored stay."))
    )


def source_and_status(session: Session, actor: Member, now: datetime) -> Outcome:
    """`attendance`: how the imports of attendance and of grades went, then where the nightly sync
    reads from (when it is set)."""
    status = attendance_status(session, actor, now)
    grades = grade_status(session, actor.school)
    source = source_of(session, actor.school)
    if source is None:
        return Outcome(reply=[*status.reply, *grades])
    line = msg(
        N_("Source: SS 12000 at {url} (school unit {code}), read every night after a school day."),
        url=source.base_url,
        code=source.school_unit_code,
    )
    return Outcome(reply=[*status.reply, *grades, line])

def bind_source(args: list[str], _defaults: object) -> Callable[[Session, Member, datetime], Outcome]:
    """`attendance source ss12000 URL SCHOOLUNITCODE` or `attendance source off`."""
    if [word.lower() for word in args] in (["off"], ["av"]):
        return source_off
    if len(args) == 3 and args[0].lower().replace(" ", "") == SS12000:
        # Slack sends a link as <https://...> or <https://...|label>.
        url = args[1].removeprefix("<").removesuffix(">").partition("|")[0]
        return partial(set_source, url=url, unit_code=args[2])
    raise Refused(N_("That is not quite right."), usage="attendance source")
