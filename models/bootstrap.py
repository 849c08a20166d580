"""How a school gets a coordinator whom no coordinator appointed: the app's first install, or a
person named in MENTORBOT_COORDINATORS without a workspace.

Either way the role is for one school only, and these tables remember which one, so that neither
re-running an install nor appearing in a second workspace makes anyone coordinator there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class FirstInstall(Base):
    """The first install of the app into a workspace, or into a whole organisation at once.

    Only this install makes its installer a coordinator; later installs (a scope change, or anyone
    running the install again) change no roles. An org-wide install (a Slack Enterprise Grid org)
    names no workspace: its installer becomes coordinator of the first school of the organisation
    where they use the bot, and `school_id` is empty until then.
    """

    __tablename__ = "first_install"
    __table_args__ = (UniqueConstraint("platform", "installed_into"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    # The workspace's id, or the organisation's (Grid org id) for an org-wide install.
    installed_into: Mapped[str] = mapped_column(String(64))
    org_wide: Mapped[bool] = mapped_column(default=False)
    installer_user_id: Mapped[str] = mapped_column(String(64))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BoundCoordinator(Base):
    """Someone named in MENTORBOT_COORDINATORS without a workspace, and the one school they
    coordinate through it: the first school where they used the bot."""

    __tablename__ = "bound_coordinator"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
