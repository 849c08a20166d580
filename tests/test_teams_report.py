"""`rapport` in Teams, over HTTP: one card with the key figures as facts and the chart inline."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import pytest
from PIL import Image

from models.db import Database
from tests.teams_support import MESSAGE_MAX_BYTES, TeamsWorld, aad_of, card_of, teams_world


@pytest.fixture
def world(db: Database) -> Iterator[TeamsWorld]:
    with teams_world(db, frozenset({aad_of("admin")}), language="sv") as running:
        yield running


def test_the_card_has_the_figures_as_facts_and_the_chart_as_an_inline_png(world: TeamsWorld) -> None:
    admin = world.user("admin")
    admin.install()
    for n in range(1, 6):
        admin.say(f"elev ny 7B-0{n}")
    world.fake.clear()
    admin.say("rapport")
    posts = world.fake.in_conversation(admin.personal_chat)
    [card] = [card for post in posts if (card := card_of(post.activity))]
    facts = {
        fact["title"]: fact["value"]
        for item in card["body"]
        if item["type"] == "FactSet"
        for fact in item["facts"]
    }
    assert facts["elever i programmet"] == "5"
    assert facts["avstämningar"] == "< 5"  # none yet: withheld, as in the report
    [image] = [item for item in card["body"] if item["type"] == "Image"]
    assert image["altText"].startswith("Linjediagram")
    prefix, _, data = image["url"].partition(",")
    assert prefix == "data:image/png;base64"
    png = Image.open(io.BytesIO(base64.b64decode(data)))
    png.verify()
    assert png.format == "PNG"
    # The whole message fits Teams' limit (the fake refuses bigger ones, as Teams does).
    assert all(len(json.dumps(post.activity).encode()) <= MESSAGE_MAX_BYTES for post in posts)
    assert any('mentorbot report --school "' in post.text for post in posts)


def test_a_mentor_is_refused_without_figures(world: TeamsWorld) -> None:
    admin, anna = world.user("admin"), world.user("anna")
    admin.install()
    anna.install()
    admin.say("roll ny @anna mentor", mentions=[anna])
    world.fake.clear()
    anna.say("rapport")
    [post] = world.fake.in_conversation(anna.personal_chat)
    assert "Det kan bara koordinatorer göra." in post.text
    assert card_of(post.activity) is None
