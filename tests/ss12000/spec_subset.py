"""The part of the SS 12000 OpenAPI document that mentorbot reads, as facts the fake is checked against.

Source: SIS TK450, SS 12000:2020/korr 1:2022, `openapi_ss12000_version2_1_0.yaml`
(info.version 2.1.0, openapi 3.0.2, sha256 aee9a95a4c5bd25cebaf357d266592f94e9388ae785ee9ac3b58e1992acccd28),
published by SIS at sis.se (TK450, SS 12000). The document carries no open licence, so it is not
copied here: this file restates, for the endpoints and schemas the client uses, each schema's
property names, types and `required` list and each operation's query parameter names, as the
2.1.0 document states them. `problems` checks a JSON value against them, and the fake server
refuses query parameters an operation does not define.

Where 2.1.0 contradicts itself the fake follows the properties, and this file says so:
- `Grade.required` names `schoolUnit`, which is not a property of Grade (the school is
  `organisation`), so it is left out of the required list below;
- `/calendarEvents/lookup` declares its 200 answer as `AttendancesArray`; the operation's summary
  and request body are about calendar events, and the fake answers with CalendarEvent items.
"""

from __future__ import annotations

from typing import Any

VERSION = "2.1.0"

UUID = ("string", "uuid")
DATE = ("string", "date")
DATE_TIME = ("string", "date-time")
STRING = ("string", None)
INTEGER = ("integer", None)
BOOLEAN = ("boolean", None)
REFERENCE = ("ref", "ObjectReference")
PERSON_REFERENCE = ("ref", "PersonReference")
META = ("ref", "Meta")

SCHOOL_TYPES = (
    "FS",
    "FKLASS",
    "FTH",
    "OPPFTH",
    "GR",
    "GRS",
    "TR",
    "SP",
    "SAM",
    "GY",
    "GYS",
    "VUX",
    "VUXSFI",
    "VUXGR",
    "VUXGY",
    "VUXSARGR",
    "VUXSARTR",
    "VUXSARGY",
    "SFI",
    "SARVUX",
    "SARVUXGR",
    "SARVUXGY",
    "KU",
    "YH",
    "FHS",
    "STF",
    "KKU",
    "HS",
    "ABU",
    "AU",
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "Meta": {
        "required": {"created", "modified"},
        "properties": {"created": DATE_TIME, "modified": DATE_TIME},
    },
    "ObjectReference": {"required": {"id"}, "properties": {"id": UUID, "displayName": STRING}},
    "PersonReference": {
        "required": {"id"},
        "properties": {
            "id": UUID,
            "displayName": STRING,
            "securityMarking": ("enum", ("Ingen", "Sekretessmarkering", "Skyddad folkbokföring")),
        },
    },
    "Organisation": {
        "required": {"displayName", "id", "meta", "organisationType"},
        "properties": {
            "id": UUID,
            "meta": META,
            "displayName": STRING,
            "organisationCode": STRING,
            "organisationType": (
                "enum",
                (
                    "Huvudman",
                    "Verksamhetsområde",
                    "Förvaltning",
                    "Rektorsområde",
                    "Skola",
                    "Skolenhet",
                    "Varumärke",
                    "Bolag",
                    "Övrigt",
                ),
            ),
            "schoolUnitCode": STRING,
            "schoolTypes": ("array", ("enum", SCHOOL_TYPES)),
            "municipalityCode": STRING,
            "startDate": DATE,
            "endDate": DATE,
        },
    },
    "Person": {
        "required": {"familyName", "givenName", "id", "meta"},
        "properties": {
            "id": UUID,
            "meta": META,
            "givenName": STRING,
            "middleName": STRING,
            "familyName": STRING,
            "externalIdentifiers": ("array", ("ref", "externalIdentifier")),
            "civicNo": ("ref", "Person_civicNo"),
            "birthDate": DATE,
            "enrolments": ("array", ("ref", "Enrolment")),
        },
    },
    "Person_civicNo": {"required": {"value"}, "properties": {"value": STRING, "nationality": STRING}},
    "externalIdentifier": {
        "required": {"context", "globallyUnique", "value"},
        "properties": {"value": STRING, "context": STRING, "globallyUnique": BOOLEAN},
    },
    "Enrolment": {
        "required": {"enroledAt", "schoolType", "startDate"},
        "properties": {
            "enroledAt": REFERENCE,
            "schoolYear": INTEGER,
            "schoolType": ("enum", SCHOOL_TYPES),
            "startDate": DATE,
            "endDate": DATE,
            "cancelled": BOOLEAN,
        },
    },
    "Attendance": {
        "required": {"calendarEvent", "id", "isReported", "meta", "student"},
        "properties": {
            "id": UUID,
            "meta": META,
            "calendarEvent": REFERENCE,
            "student": PERSON_REFERENCE,
            "reporter": PERSON_REFERENCE,
            "isReported": BOOLEAN,
            "attendanceMinutes": INTEGER,
            "validAbsenceMinutes": INTEGER,
            "invalidAbsenceMinutes": INTEGER,
            "otherAttendanceMinutes": INTEGER,
            "absenceReason": STRING,
            "reportedTimestamp": DATE_TIME,
        },
    },
    "CalendarEvent": {
        "required": {"activity", "endTime", "id", "meta", "startTime"},
        "properties": {
            "id": UUID,
            "meta": META,
            "activity": REFERENCE,
            "startTime": DATE_TIME,
            "endTime": DATE_TIME,
            "cancelled": BOOLEAN,
            "teachingLengthTeacher": INTEGER,
            "teachingLengthStudent": INTEGER,
        },
    },
    "AggregatedAttendance": {
        "required": {"activity", "attendanceSum", "endDate", "startDate", "student"},
        "properties": {
            "activity": REFERENCE,
            "student": PERSON_REFERENCE,
            "startDate": DATE,
            "endDate": DATE,
            "attendanceSum": INTEGER,
            "validAbsenceSum": INTEGER,
            "invalidAbsenceSum": INTEGER,
            "otherAttendanceSum": INTEGER,
            "reportedSum": INTEGER,
            "offeredSum": INTEGER,
        },
    },
    "Grade": {
        "required": {
            "adaptedStudyPlan",
            "finalGrade",
            "gradeValue",
            "id",
            "registeredBy",
            "registeredDate",
            "student",
            "syllabus",
        },
        "properties": {
            "id": UUID,
            "meta": META,
            "student": PERSON_REFERENCE,
            "organisation": REFERENCE,
            "registeredBy": PERSON_REFERENCE,
            "registeredDate": DATE,
            "gradeValue": STRING,
            "finalGrade": BOOLEAN,
            "trial": BOOLEAN,
            "adaptedStudyPlan": STRING,
            "semester": ("enum", ("HT", "VT")),
            "year": INTEGER,
            "syllabus": REFERENCE,
        },
    },
    "Syllabus": {
        "required": {"id", "meta", "official", "schoolType", "subjectName"},
        "properties": {
            "id": UUID,
            "meta": META,
            "schoolType": ("enum", SCHOOL_TYPES),
            "subjectCode": STRING,
            "subjectName": STRING,
            "subjectDesignation": STRING,
            "courseCode": STRING,
            "courseName": STRING,
            "official": BOOLEAN,
        },
    },
    "Error": {"required": {"code", "message"}, "properties": {"code": STRING, "message": STRING}},
}

# GET operations that answer {"data": [...], "pageToken": string or null}, with the item schema.
LISTS = {
    "/organisations": "Organisation",
    "/persons": "Person",
    "/attendances": "Attendance",
    "/aggregatedAttendance": "AggregatedAttendance",
    "/grades": "Grade",
}
# POST .../lookup with {"ids": [...]}: a JSON array of items.
LOOKUPS = {"/calendarEvents/lookup": "CalendarEvent", "/syllabuses/lookup": "Syllabus"}

_META = ("meta.created.before", "meta.created.after", "meta.modified.before", "meta.modified.after")
_PAGING = ("expandReferenceNames", "limit", "pageToken")
PARAMETERS = {
    "/organisations": {
        "parent",
        "schoolUnitCode",
        "organisationCode",
        "municipalityCode",
        "type",
        "schoolTypes",
        "startDate.onOrBefore",
        "startDate.onOrAfter",
        "endDate.onOrBefore",
        "endDate.onOrAfter",
        "sortkey",
        *_META,
        *_PAGING,
    },
    "/persons": {
        "nameContains",
        "civicNo",
        "eduPersonPrincipalName",
        "identifier.value",
        "identifier.context",
        "relationship.entity.type",
        "relationship.organisation",
        "relationship.startDate.onOrBefore",
        "relationship.startDate.onOrAfter",
        "relationship.endDate.onOrBefore",
        "relationship.endDate.onOrAfter",
        "expand",
        "sortkey",
        *_META,
        *_PAGING,
    },
    "/attendances": {"student", "organisation", "calendarEvent", *_META, *_PAGING},
    "/aggregatedAttendance": {
        "startDate",
        "endDate",
        "organisation",
        "schoolType",
        "student",
        "expand",
        *_PAGING,
    },
    "/grades": {
        "organisation",
        "student",
        "registeredBy",
        "gradingTeacher",
        "registeredDate.onOrAfter",
        "registeredDate.onOrBefore",
        "sortkey",
        *_META,
        *_PAGING,
    },
}


def problems(value: Any, schema: str, where: str = "$") -> list[str]:
    """What in `value` the 2.1.0 schema does not allow: missing required, unknown or mistyped properties."""
    if not isinstance(value, dict):
        return [f"{where}: {schema} must be an object"]
    spec = SCHEMAS[schema]
    found = [f"{where}.{name}: required by {schema}" for name in sorted(spec["required"] - value.keys())]
    for name, item in value.items():
        if name not in spec["properties"]:
            found.append(f"{where}.{name}: not a property of {schema}")
        else:
            found += _type_problems(item, spec["properties"][name], f"{where}.{name}")
    return found


def _type_problems(value: Any, kind: tuple[str, Any], where: str) -> list[str]:
    base, detail = kind
    if base == "ref":
        return problems(value, detail, where)
    if base == "array":
        if not isinstance(value, list):
            return [f"{where}: must be an array"]
        return [
            problem
            for index, item in enumerate(value)
            for problem in _type_problems(item, detail, f"{where}[{index}]")
        ]
    if base == "enum":
        return [] if value in detail else [f"{where}: {value!r} is not one of the code list"]
    python = {"string": str, "integer": int, "boolean": bool}[base]
    if not isinstance(value, python) or (base == "integer" and isinstance(value, bool)):
        return [f"{where}: must be {base}"]
    if detail == "date" and (len(value) != 10 or value[4] != "-"):
        return [f"{where}: must be an RFC 3339 date"]
    if detail == "date-time" and "T" not in value:
        return [f"{where}: must be an RFC 3339 date-time"]
    if detail == "uuid" and len(value) != 36:
        return [f"{where}: must be a uuid"]
    return []


def list_problems(body: Any, path: str) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return [f"{path}: the answer needs a data array"]
    found = (
        [] if body.get("pageToken") is None or isinstance(body["pageToken"], str) else [f"{path}: pageToken"]
    )
    for index, item in enumerate(body["data"]):
        found += problems(item, LISTS[path], f"{path}.data[{index}]")
    return found + [f"{path}: unknown key {key}" for key in body.keys() - {"data", "pageToken"}]
