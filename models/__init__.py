"""The data and the rules of mentorbot: SQLAlchemy models, queries and pure domain rules.

Nothing here knows about chat platforms; `handlers/` builds use cases on top of it.
"""

from models.alert import Alert, AlertCase, AlertStatus
from models.attendance import AttendanceSync, GuardiansQuestion, RegisteredAttendance
from models.attendance_source import AttendanceSource, SourceLesson
from models.audit import AuditEvent
from models.base import Base
from models.bootstrap import BoundCoordinator, FirstInstall
from models.checkin import CheckIn, CheckInKind, ConcernDomain
from models.conversation import ConversationReference, ReferenceKind
from models.course import CourseSignal, CourseSync
from models.handled import HandledRequest
from models.job import Job
from models.mentorship import Mentorship
from models.organisation import Organisation, Person
from models.outbox import ClockRoutine, OutboxMessage, OutboxStatus
from models.people import Member, Role
from models.plan import CasePlan, PlanKind, PlanResult
from models.prompt import Prompt, PromptStatus
from models.risk import RiskLevel
from models.school import School, SchoolBreak
from models.student import Student

__all__ = [
    "Alert",
    "AlertCase",
    "AlertStatus",
    "AttendanceSource",
    "AttendanceSync",
    "AuditEvent",
    "Base",
    "BoundCoordinator",
    "CasePlan",
    "CheckIn",
    "CheckInKind",
    "ClockRoutine",
    "ConcernDomain",
    "ConversationReference",
    "CourseSignal",
    "CourseSync",
    "FirstInstall",
    "GuardiansQuestion",
    "HandledRequest",
    "Job",
    "Member",
    "Mentorship",
    "Organisation",
    "OutboxMessage",
    "OutboxStatus",
    "Person",
    "PlanKind",
    "PlanResult",
    "Prompt",
    "PromptStatus",
    "ReferenceKind",
    "RegisteredAttendance",
    "RiskLevel",
    "Role",
    "School",
    "SchoolBreak",
    "SourceLesson",
    "Student",
]
