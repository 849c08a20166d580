"""The app installed into a workspace or a whole organisation: who becomes coordinator, once.

Only the first install of a workspace makes its installer a coordinator there. An org-wide install
(a Slack Enterprise Grid org) names no workspace, so its installer becomes coordinator of the first
school of the org where they use the bot (`handlers.actors.resolve_actor` does that). Any later
install changes no roles and is written to the audit trail of the schools it concerns.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.actors import Caller, SchoolDefaults, find_or_create_person
from handlers.dispatch import Core
from handlers.lookups import find_member
from handlers.results import Outcome
from models import FirstInstall, Member, School
from models.audit import record
from models.db import Database

log = logging.getLogger("mentorbot")


def app_installed(
    db: Database,
    defaults: SchoolDefaults,
    now: datetime,
    platform: str,
    installer: str,
    workspace_id: str | None,
    enterprise_id: str | None = None,
) -> None:
    """Record an install by `installer` into a workspace, or (no workspace) into a whole Grid org."""
    if workspace_id:
        caller = Caller(platform, workspace_id, installer, enterprise_id=enterprise_id)
        Core(db, defaults, clock=lambda: now).run(caller, workspace_installed)
    elif enterprise_id:
        with db.transaction() as session:
            org_installed(session, now, platform, enterprise_id, installer)


def workspace_installed(session: Session, actor: Member, now: datetime) -> Outcome:
    school = actor.school
    if _first_install(session, school.platform, school.workspace_id) is not None:
        record(session, actor, school.id, "app.install.again", "workspace", school.workspace_id, now)
        return Outcome()
    session.add(
        FirstInstall(
            platform=school.platform,
            installed_into=school.workspace_id,
            org_wide=False,
            installer_user_id=actor.user_id,
            school_id=school.id,
            installed_at=now,
        )
    )
    actor.is_coordinator = True
    # The installer also administers the organisation: adds its schools, appoints their coordinators.
    find_or_create_person(session, school.organisation, actor.user_id, now).is_admin = True
    record(session, actor, school.id, "app.install", "workspace", school.workspace_id, now)
    return Outcome()


def org_installed(session: Session, now: datetime, platform: str, enterprise_id: str, installer: str) -> None:
    if _first_install(session, platform, enterprise_id) is None:
        session.add(
            FirstInstall(
                platform=platform,
                installed_into=enterprise_id,
                org_wide=True,
                installer_user_id=installer,
                installed_at=now,
            )
        )
        return
    schools = session.scalars(
        select(School).where(School.platform == platform, School.enterprise_id == enterprise_id)
    ).all()
    for school in schools:
        actor = find_member(session, school.id, installer)
        record(session, actor, school.id, "app.install.again", "organisation", enterprise_id, now)
    if not schools:
        log.info("org-wide install again before any school used the bot: no roles changed")


def _first_install(session: Session, platform: str, installed_into: str) -> FirstInstall | None:
    return session.scalar(
        select(FirstInstall).where(
            FirstInstall.platform == platform, FirstInstall.installed_into == installed_into
        )
    )
