"""The Teams app package uploads as it is: a manifest that names the bot, and icons of the right size."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.teams_support import APP_ID, TENANT

MENTORBOT = str(Path(sys.executable).with_name("mentorbot"))


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("MENTORBOT_", "TEAMS_", "DATABASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [MENTORBOT, *args], capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=60
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_the_package_holds_a_manifest_and_two_icons(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "teams-package",
        "--output",
        "app.zip",
        TEAMS_APP_ID=APP_ID,
        TEAMS_APP_PASSWORD="s3cret",
        TEAMS_TENANT_ID=TENANT,
        TEAMS_APP_NAME="Mentorbot Åby",
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert png_size(package.read("color.png")) == (192, 192)
        assert png_size(package.read("outline.png")) == (32, 32)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["name"]["short"] == "Mentorbot Åby"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team"}
    assert len(manifest["description"]["short"]) <= 80
    for command_list in manifest["bots"][0]["commandLists"]:
        assert len(command_list["commands"]) <= 10
        assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in command_list["commands"])


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "TEAMS_APP_ID"),
        ({"TEAMS_APP_ID": "not-a-guid"}, "TEAMS_APP_ID"),
        ({"TEAMS_APP_ID": APP_ID, "TEAMS_TENANT_ID": TENANT}, "TEAMS_APP_PASSWORD"),
        ({"TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "x"}, "TEAMS_TENANT_ID"),
        (
            {
                "TEAMS_APP_ID": APP_ID,
                "TEAMS_APP_PASSWORD": "x",
                "TEAMS_TENANT_ID": TENANT,
                "TEAMS_OPENID_METADATA_URL": "http://keys.example.org/openid",
            },
            "TEAMS_OPENID_METADATA_URL",
        ),
    ],
)
def test_a_wrong_teams_setting_stops_with_one_line_naming_it(tmp_path: Path, env: dict, named: str) -> None:
    result = run(tmp_path, "teams-package", **env)
    assert result.returncode == 2
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
