"""`report` in Slack: the figures answered privately, the chart uploaded to the coordinator's DM
with Slack's upload flow (get an upload URL, POST the bytes, complete the upload in the DM)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.slack.conftest import SlackSim


@pytest.fixture
def school(slack: SlackSim) -> SlackSim:
    for n in range(1, 6):
        assert "registered" in slack.reply_to(slack.command("UADMIN", f"student add 7B-0{n}"))
    return slack


def test_the_chart_is_uploaded_to_the_coordinators_dm_as_a_png(school: SlackSim) -> None:
    reply = school.reply_to(school.command("UADMIN", "report"))
    assert "students in the programme: 5" in reply
    assert "The chart is in your direct messages with me." in reply
    [shared] = school.fake.shared
    assert shared.channel == "DADMIN"  # the DM conversations.open gave for UADMIN
    assert shared.filename.endswith(".png") and shared.initial_comment.startswith("Key figures")
    image = Image.open(io.BytesIO(shared.content))
    image.verify()
    assert image.format == "PNG"
    # The three steps, in order; nothing was posted in the channel the command came from.
    steps = [c.method for c in school.fake.calls if c.method.startswith(("files.", "upload"))]
    assert steps == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert not [c for c in school.fake.of("chat.postMessage") if c.args["channel"] == "C0GENERAL"]


def test_a_failed_upload_still_answers_with_the_figures(school: SlackSim) -> None:
    school.fake.failing["files.completeUploadExternal"] = "not_allowed_token_type"
    reply = school.reply_to(school.command("UADMIN", "report"))
    assert "students in the programme: 5" in reply
    assert "I could not send the chart just now" in reply
    assert school.fake.shared == []
    refused = [(c.method, c.error) for c in school.fake.rejected]
    assert refused == [("files.completeUploadExternal", "not_allowed_token_type")]
    school.fake.clear()  # that refusal was this test's doing


def test_a_mentor_gets_no_figures_and_no_file(school: SlackSim) -> None:
    school.reply_to(school.command("UADMIN", "role add <@UANNA|anna> mentor"))
    reply = school.reply_to(school.command("UANNA", "rapport"))
    assert "Only coordinators can do that." in reply and "students" not in reply
    assert school.fake.shared == [] and not school.fake.of("files.getUploadURLExternal")
