"""The Teams app package: manifest.json and two icons in a zip, ready to upload in Teams.

The icons are drawn here (a white ring on the accent colour, and its white outline on a
transparent background) so the package needs no image files or image library.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from bot.config import Settings

MANIFEST_SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
ACCENT = (0x2E, 0x6B, 0x5E)  # a calm green
WHITE = (0xFF, 0xFF, 0xFF)

# What Teams suggests when someone starts typing to the bot (at most 10; titles at most 32 characters).
SUGGESTED_COMMANDS = (
    ("help", "What mentorbot can do"),
    ("mentees", "Your mentees, last check-in and next due"),
    ("checkin CODE", "Log a check-in for one of your mentees"),
    ("alerts", "Open cases, one per student, most urgent first (EHT)"),
    ("students", "All students and their mentors (coordinators)"),
    ("assign CODE @mentor", "Give a student a mentor (coordinators)"),
    ("language sv", "Swedish or English (sv/en)"),
)


def manifest(settings: Settings, version: str = "1.0.0") -> dict[str, Any]:
    name = settings.teams_app_name
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": "1.17",
        "version": version,
        "id": settings.teams_app_id,
        "developer": {
            "name": name,
            "websiteUrl": settings.teams_website_url,
            "privacyUrl": settings.teams_website_url,
            "termsOfUseUrl": settings.teams_website_url,
        },
        "name": {"short": name, "full": f"{name}: mentor check-ins and early warning"},
        "description": {
            "short": "Mentor check-ins, early warning and student health team alerts.",
            "full": (
                "mentorbot keeps every at-risk student in view. It prompts mentors to check in on "
                "their mentees' attendance and engagement, alerts the student health team (EHT) when "
                "signals cross the school's thresholds, and lets coordinators assign mentees with "
                "short commands. Swedish and English."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": settings.teams_app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [{"title": t, "description": d} for t, d in SUGGESTED_COMMANDS],
                    },
                    {
                        "scopes": ["team"],
                        "commands": [
                            {
                                "title": "eht",
                                "description": "Post student health team alerts in this channel",
                            },
                            {"title": "help", "description": "What mentorbot can do"},
                        ],
                    },
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def _png(size: int, pixel: Any) -> bytes:
    """A minimal RGBA PNG; `pixel(x, y)` gives each pixel's (r, g, b, a)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _ring(size: int, x: int, y: int) -> bool:
    centre = (size - 1) / 2
    distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
    return size * 0.28 <= distance <= size * 0.40


def color_icon() -> bytes:
    """192x192, full colour: a white ring on the accent colour."""
    return _png(192, lambda x, y: (*WHITE, 255) if _ring(192, x, y) else (*ACCENT, 255))


def outline_icon() -> bytes:
    """32x32, white on transparent, as Teams requires for the outline icon."""
    return _png(32, lambda x, y: (*WHITE, 255) if _ring(32, x, y) else (0, 0, 0, 0))


def build_package(settings: Settings, output: Path) -> Path:
    if not settings.teams_app_id:
        raise ValueError("TEAMS_APP_ID must be set to build the Teams app package")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest(settings), indent=2, ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    output.write_bytes(buffer.getvalue())
    return output
