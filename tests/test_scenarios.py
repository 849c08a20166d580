"""One end-to-end story, run on every adapter, so the platforms cannot drift apart.

Assign a mentee, the clock prompts the mentor, the mentor checks in with answers that cross two
early-warning rules, the student's one case reaches the student health team's channel as one card,
nobody answers and it is raised once more, a member of the team acknowledges it, and it is never
raised again.

A platform joins by implementing `ScenarioDriver` (eight small methods) and adding itself to
`DRIVERS`. People are short names ("admin", "anna"); "admin" is a configured coordinator and the
organisation's admin. A recipient is "@name" for a person or "#eht" (a second school: "#eht2") for
an EHT channel. Texts are what a reader sees.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs

import pytest
import time_machine
from PIL import Image
from sqlalchemy import func, select

from bot.config import Settings
from bot.i18n import translate
from bot.render_text import render_content, render_reply
from bot.reports.chat import write_chart
from bot.runtime import build_notifier
from bot.slack.blocks import ACTION_ALERT_ACK, ACTION_GUARDIANS_NOT_TOLD, ACTION_GUARDIANS_TOLD
from handlers.actors import Caller, SchoolDefaults
from handlers.attendance import AttendanceRecord, store_attendance
from handlers.courses import CourseRecord, store_course_signals
from handlers.dispatch import Core
from handlers.results import Destination, MonthReport, Notification, OpenCheckIn, Outcome, RecipientKind
from models import AlertCase, AuditEvent, CheckIn, OutboxMessage, OutboxStatus, School
from models.course import SignalKind
from models.db import Database
from schedules.clock import Clock
from tests.clock_support import at, start_mentorships
from tests.fake_slack import start_fake_slack
from tests.slack.conftest import SlackSim, initial_values, modal_values, serve, slack_settings, text_of
from tests.teams_support import TeamsWorld, aad_of, buttons, card_inputs, card_of, teams_world, texts_in


class ScenarioDriver(Protocol):
    db: Database

    def say(self, user: str, text: str) -> str:
        """A command in the shared command language, as `user` types it; the bot's reply as text."""

    def set_eht_channel(self, user: str, channel: str = "#eht") -> str:
        """`user` makes the platform's channel (#eht, #eht2) the one that gets their school's alerts
        (Slack: `eht #eht`)."""

    def check_in(self, user: str, code: str, answers: Mapping[str, str]) -> str:
        """`user` opens the check-in form for `code`, fills in `answers` and submits; the reply.

        A question not in `answers` keeps what the form starts from (the figures the school's
        system registered), as a mentor who confirms them leaves them be."""

    def open_check_in(self, user: str, code: str) -> tuple[str, dict[str, str]]:
        """`user` opens the check-in form for `code`: what it says, and the answers it starts from."""

    def answer_guardians(self, user: str, told: bool) -> str:
        """`user` answers the latest question whether a mentee's guardians were told (Yes or No, a
        button where there is one); the reply."""

    def check_in_twice(self, user: str, code: str, answers: Mapping[str, str]) -> tuple[str, str]:
        """The same filled-in form arrives twice (a double click, or the platform re-sending it)."""

    def acknowledge(self, user: str, alert_id: int) -> str:
        """`user` acknowledges the case as the platform offers it (a button where there is one)."""

    def tick(self, now: datetime) -> None:
        """One pass of the clock at `now`, delivering through this platform's notifier."""

    def sent_to(self, recipient: str) -> list[str]:
        """What the bot sent to "@name" or a channel ("#eht", "#eht2") on its own, oldest first, as
        it reads now (with updates)."""

    def report_chart(self, user: str) -> bytes:
        """The chart image `user` got with their latest `report`, as the platform gave it (a file
        the console wrote, a file uploaded to a Slack DM, an image in a Teams card)."""


WORRYING = {
    "met": "yes",
    "absent_days": "0",
    "absent_lessons": "0",
    "late_arrivals": "0",
    "behavioural": "3",
    "academic": "3",
    "cognitive": "3",
    "affective": "1",
    "strengths": "Came to football practice",
    "concern": "no",
    "note": "Private worry about home",
}
# Crosses two rules at once: low engagement (affective 1) and late arrivals (5 in a month).
TWO_RULES = {**WORRYING, "late_arrivals": "5"}


# -- console (the handlers and plain-text rendering) --------------------------------------------


class TextRecorder:
    """A notifier that keeps each message as text, per recipient, updating in place like a chat would."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}
        self.where: dict[str, tuple[str, int]] = {}

    def deliver(self, destination: Destination, notification: Notification) -> str | None:
        sigil = "@" if notification.to.kind is RecipientKind.PERSON else "#"
        recipient = f"{sigil}{notification.to.id}"
        text = "\n".join(render_content(notification.language or "en", notification.content))
        if notification.replaces in self.where:
            box, index = self.where[notification.replaces]
            self.messages[box][index] = text
            return notification.replaces
        self.messages.setdefault(recipient, []).append(text)
        ref = f"ref-{len(self.where) + 1}"
        self.where[ref] = (recipient, len(self.messages[recipient]) - 1)
        return ref


class ConsoleDriver:
    def __init__(self, db: Database, report_dir: Path) -> None:
        self.db = db
        self.defaults = SchoolDefaults("Europe/Stockholm", "en", frozenset({"admin"}), frozenset({"admin"}))
        self.notifier = TextRecorder()
        self.core = Core(db, self.defaults, self.notifier)
        self.report_dir = report_dir
        self.charts: dict[str, Path] = {}

    def _caller(self, user: str) -> Caller:
        return Caller("console", "local", user, user)

    def _shown(self, outcome: Outcome) -> str:
        lines = [line for reply in outcome.reply for line in render_reply(outcome.language, reply)]
        lines += [translate(outcome.language, error) for error in outcome.form_errors.values()]
        return "\n".join(lines)

    def say(self, user: str, text: str) -> str:
        outcome = self.core.command(self._caller(user), text)
        for reply in outcome.reply:
            if isinstance(reply, MonthReport):
                self.charts[user] = write_chart(outcome.language, reply, self.report_dir)
        return self._shown(outcome)

    def set_eht_channel(self, user: str, channel: str = "#eht") -> str:
        return self.say(user, f"eht {channel}")

    def _form(self, user: str, code: str) -> tuple[str, dict[str, str]]:
        outcome = self.core.command(self._caller(user), f"checkin {code}")
        forms = [reply for reply in outcome.reply if isinstance(reply, OpenCheckIn)]
        return self._shown(outcome), {name: str(v) for form in forms for name, v in form.prefilled.items()}

    def check_in(self, user: str, code: str, answers: Mapping[str, str]) -> str:
        _shown, prefilled = self._form(user, code)  # the console offers each figure; Enter keeps it
        return self._shown(self.core.check_in(self._caller(user), code, {**prefilled, **answers}))

    def open_check_in(self, user: str, code: str) -> tuple[str, dict[str, str]]:
        return self._form(user, code)

    def answer_guardians(self, user: str, told: bool) -> str:
        question = next(t for t in reversed(self.sent_to(f"@{user}")) if "Answer with: guardians" in t)
        number = re.findall(r"guardians (\d+) yes\|no", question)[-1]
        return self.say(user, f"guardians {number} {'yes' if told else 'no'}")

    def check_in_twice(self, user: str, code: str, answers: Mapping[str, str]) -> tuple[str, str]:
        self.say(user, f"checkin {code}")
        key = f"console:{user}:form-1"  # the console keys each form it opens
        first = self.core.check_in(self._caller(user), code, answers, key=key)
        return self._shown(first), self._shown(self.core.check_in(self._caller(user), code, answers, key=key))

    def acknowledge(self, user: str, alert_id: int) -> str:
        return self.say(user, f"alert ack {alert_id}")

    def tick(self, now: datetime) -> None:
        Clock(self.db, self.notifier, worker="scenario").tick(now)

    def sent_to(self, recipient: str) -> list[str]:
        return list(self.notifier.messages.get(recipient, []))

    def report_chart(self, user: str) -> bytes:
        return self.charts[user].read_bytes()


# -- Teams (over HTTP against the fake Bot Framework) ------------------------------------------

EHT_CHANNEL = "19:eht-scenario@thread.tacv2"
TEAMS_CHANNELS = {"#eht": EHT_CHANNEL, "#eht2": "19:eht2-scenario@thread.tacv2"}


class TeamsDriver:
    def __init__(self, world: TeamsWorld) -> None:
        self.world = world
        self.db = world.db

    def _user(self, name: str) -> Any:
        new = name not in self.world.users
        user = self.world.user(name)
        if new:
            user.install()  # the school's IT installs the app for everyone
        return user

    def say(self, user: str, text: str) -> str:
        person = self._user(user)
        mentioned = [self._user(word[1:]) for word in text.split() if word.startswith("@")]
        before = len(self.world.fake.in_conversation(person.personal_chat))
        person.say(text, mentions=mentioned)
        return "\n".join(p.text for p in self.world.fake.in_conversation(person.personal_chat)[before:])

    def set_eht_channel(self, user: str, channel: str = "#eht") -> str:
        conversation = TEAMS_CHANNELS[channel]
        self._user(user).say_in_channel("eht", conversation, channel.removeprefix("#").upper())
        return self.world.fake.in_conversation(f"{conversation};messageid=root")[-1].text

    def _form(self, user: str, code: str) -> dict[str, Any]:
        person = self._user(user)
        self.say(user, f"checkin {code}")
        form = card_of(self.world.fake.in_conversation(person.personal_chat)[-1].activity)
        assert form is not None, "the check-in form was not shown"
        return form

    def check_in(self, user: str, code: str, answers: Mapping[str, str]) -> str:
        form = self._form(user, code)
        # Teams submits every input's value, those the mentor left as the card filled them in too.
        filled = {**card_inputs(form), **answers}
        return self._user(user).press(buttons(form)["Save check-in"], filled).text

    def open_check_in(self, user: str, code: str) -> tuple[str, dict[str, str]]:
        form = self._form(user, code)
        return "\n".join(texts_in(form)), {k: str(v) for k, v in card_inputs(form).items()}

    def answer_guardians(self, user: str, told: bool) -> str:
        person = self._user(user)
        for post in reversed(self.world.fake.in_conversation(person.personal_chat)):
            card = card_of(post.current)
            action = buttons(card).get("Yes" if told else "No") if card else None
            if action and action.get("do") == "guardians.told":
                return person.press(action).text
        raise AssertionError(f"no question about guardians in {user}'s chat")

    def check_in_twice(self, user: str, code: str, answers: Mapping[str, str]) -> tuple[str, str]:
        first = self.check_in(user, code, answers)
        return first, self._user(user).resend().text

    def acknowledge(self, user: str, alert_id: int) -> str:
        for post in self.world.fake.in_conversation(EHT_CHANNEL):
            card = card_of(post.current)
            action = buttons(card).get("Acknowledge") if card else None
            if action and action.get("alert") == alert_id:
                return self._user(user).press(action, channel=EHT_CHANNEL).text
        raise AssertionError(f"no Acknowledge button for alert #{alert_id}")

    def tick(self, now: datetime) -> None:
        Clock(self.db, self.world.notifier, worker="scenario").tick(now)

    def sent_to(self, recipient: str) -> list[str]:
        if recipient.startswith("#"):
            conversation = TEAMS_CHANNELS[recipient]
        else:
            conversation = self._user(recipient.removeprefix("@")).personal_chat
        # Proactive messages are the ones that do not answer anything.
        return [p.text for p in self.world.fake.in_conversation(conversation) if p.reply_to is None]

    def report_chart(self, user: str) -> bytes:
        for post in reversed(self.world.fake.in_conversation(self._user(user).personal_chat)):
            body = (card_of(post.current) or {}).get("body", [])
            images = [item for item in body if item["type"] == "Image"]
            if images:
                prefix, _, data = images[0]["url"].partition(",")
                assert prefix == "data:image/png;base64"
                return base64.b64decode(data)
        raise AssertionError(f"no card with an image in {user}'s chat")


# -- Slack (signed HTTP to the real web app, a fake Web API recording what it sends) ------------

SLACK_EHT = "C0EHT"


class SlackDriver:
    """People are Slack member ids "U" + NAME; what they read is the fake Web API's calls, as text."""

    def __init__(self, sim: SlackSim, settings: Settings) -> None:
        self.sim = sim
        self.db = sim.db
        self.notifier = build_notifier(settings, sim.db, sys.stdout)

    @staticmethod
    def _id(name: str) -> str:
        return "U" + name.upper()

    @staticmethod
    def _channel(name: str) -> str:
        """#eht is C0EHT, #eht2 is C0EHT2."""
        return "C0" + name.removeprefix("#").upper()

    def _escaped(self, text: str) -> str:
        """Mentions as Slack sends them in a slash command: <@U123|name>, <#C123|name>."""
        words = []
        for word in text.split():
            if word.startswith("@"):
                word = f"<@{self._id(word[1:])}|{word[1:]}>"
            elif word.startswith("#"):
                word = f"<#{self._channel(word)}|{word[1:]}>"
            words.append(word)
        return " ".join(words)

    def _settled(self, text: str) -> str:
        """Wait until the app has delivered what the action put in the outbox (it does so after answering)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with self.db.transaction() as session:
                waiting = session.scalar(
                    select(func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
                )
            if not waiting:
                break
            time.sleep(0.02)
        return self._readable(text)

    def _readable(self, text: str) -> str:
        """As a person reads it: mentions by name, and mrkdwn's escapes (&lt;) as the characters."""
        named = re.sub(r"<@U([A-Z0-9]+)(?:\|[^>]*)?>", lambda m: "@" + m.group(1).lower(), text)
        return html.unescape(named)

    def say(self, user: str, text: str) -> str:
        return self._settled(self.sim.reply_to(self.sim.command(self._id(user), self._escaped(text))))

    def set_eht_channel(self, user: str, channel: str = "#eht") -> str:
        return self.say(user, f"eht {channel}")

    def _modal(self, user: str, code: str) -> dict[str, Any]:
        response = self.sim.command(self._id(user), f"checkin {code}")
        trigger = parse_qs(response.request.content.decode())["trigger_id"][0]
        view = self.sim.fake.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger).args["view"]
        return json.loads(view) if isinstance(view, str) else view

    def open_check_in(self, user: str, code: str) -> tuple[str, dict[str, str]]:
        view = self._modal(user, code)
        texts = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
        return self._readable("\n".join(texts)), initial_values(view)

    def answer_guardians(self, user: str, told: bool) -> str:
        member = self._id(user)
        action_id = ACTION_GUARDIANS_TOLD if told else ACTION_GUARDIANS_NOT_TOLD
        for post in reversed(self.sim.fake.of("chat.postMessage")):
            blocks = post.args.get("blocks") or []
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            for block in blocks:
                pressed = [e for e in block.get("elements", []) if e.get("action_id") == action_id]
                if post.args["channel"] == member and pressed:
                    ts, channel = post.answer["ts"], post.answer.get("channel") or member
                    response = self.sim.click(
                        member, action_id, pressed[0]["value"], ts, channel, block_id=block["block_id"]
                    )
                    return self._settled(self.sim.reply_to(response))
        raise AssertionError(f"no question about guardians to {user}")

    def check_in(self, user: str, code: str, answers: Mapping[str, str]) -> str:
        member = self._id(user)
        view = self._modal(user, code)
        before = len(self.sim.fake.of("chat.postMessage"))
        # Slack submits an input's initial value when the mentor leaves it as it is.
        submitted = self.sim.submit_view(member, view, modal_values({**initial_values(view), **answers}))
        if submitted.content and submitted.json().get("response_action") == "errors":
            return "\n".join(submitted.json()["errors"].values())
        # Saving happens after the ack; the confirmation arrives as a direct message.
        confirmation = self.sim.fake.wait_for(
            "chat.postMessage",
            lambda c: c.args["channel"] == member and c in self.sim.fake.of("chat.postMessage")[before:],
        )
        return self._settled(text_of(confirmation))

    def check_in_twice(self, user: str, code: str, answers: Mapping[str, str]) -> tuple[str, str]:
        member = self._id(user)
        response = self.sim.command(member, f"checkin {code}")
        trigger = parse_qs(response.request.content.decode())["trigger_id"][0]
        view = self.sim.fake.wait_for("views.open", lambda c: c.args["trigger_id"] == trigger).args["view"]
        replies = []
        for _ in range(2):  # Slack retries a submission it thinks timed out, with the same view
            before = len(self.sim.fake.of("chat.postMessage"))
            self.sim.submit_view(member, view, modal_values(dict(answers)))
            reply = self.sim.fake.wait_for(
                "chat.postMessage",
                lambda c, before=before: (
                    c.args["channel"] == member and c in self.sim.fake.of("chat.postMessage")[before:]
                ),
            )
            replies.append(self._settled(text_of(reply)))
        return replies[0], replies[1]

    def acknowledge(self, user: str, alert_id: int) -> str:
        with self.db.transaction() as session:
            ref = session.get_one(AlertCase, alert_id).message_ref
        channel, _, ts = str(ref).rpartition(":")
        response = self.sim.click(self._id(user), ACTION_ALERT_ACK, str(alert_id), ts, channel)
        return self._settled(self.sim.reply_to(response))

    def tick(self, now: datetime) -> None:
        Clock(self.db, self.notifier, worker="scenario").tick(now)

    def sent_to(self, recipient: str) -> list[str]:
        channel = (
            self._channel(recipient) if recipient.startswith("#") else self._id(recipient.removeprefix("@"))
        )
        posts = [c for c in self.sim.fake.of("chat.postMessage") if c.args["channel"] == channel]
        # A direct message is posted to the member and updated in the DM channel Slack answered with.
        latest = {(c.args["channel"], c.args["ts"]): c for c in self.sim.fake.of("chat.update")}
        return [
            self._readable(
                text_of(latest.get((post.answer.get("channel", channel), post.answer.get("ts")), post))
            )
            for post in posts
        ]

    def report_chart(self, user: str) -> bytes:
        direct = "D" + user.upper()  # the fake's DM channel with U + NAME
        return [f.content for f in self.sim.fake.shared if f.channel == direct][-1]


@contextmanager
def slack(db: Database) -> Iterator[ScenarioDriver]:
    fake, server = start_fake_slack()
    settings = slack_settings(fake, MENTORBOT_ADMINS="UADMIN")
    try:
        for base_url in serve(settings, db):
            sim = SlackSim(base_url, fake, db)
            yield SlackDriver(sim, settings)
            sim.http.close()
        assert fake.rejected == [], [(c.method, c.error) for c in fake.rejected]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def console(db: Database) -> Iterator[ScenarioDriver]:
    with tempfile.TemporaryDirectory() as report_dir:
        yield ConsoleDriver(db, Path(report_dir))


@contextmanager
def teams(db: Database) -> Iterator[ScenarioDriver]:
    with teams_world(db, frozenset({aad_of("admin")}), admins=frozenset({aad_of("admin")})) as world:
        yield TeamsDriver(world)


DRIVERS: dict[str, Callable[[Database], AbstractContextManager[ScenarioDriver]]] = {
    "console": console,
    "slack": slack,
    "teams": teams,
}


@pytest.fixture(params=sorted(DRIVERS))
def platform(request: pytest.FixtureRequest, db: Database) -> Iterator[ScenarioDriver]:
    with DRIVERS[request.param](db) as driver:
        yield driver


def case_cards(platform: ScenarioDriver, case: int = 1) -> list[str]:
    """The cards of a case in the EHT channel, as they read now."""
    return [text for text in platform.sent_to("#eht") if f"Case #{case} " in text]


def test_assign_prompt_check_in_one_case_acknowledge_never_again(platform: ScenarioDriver) -> None:
    # The coordinator sets up the school.
    assert "Student 7B-03 registered" in platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    assert "7B-03 is now mentored by" in platform.say("admin", "assign 7B-03 @anna")
    assert any("You are now the mentor of 7B-03" in text for text in platform.sent_to("@anna"))
    assert "now has the role" in platform.say("admin", "role add @erik eht")
    assert "will be posted in" in platform.set_eht_channel("admin")

    # Monday 08:30 the clock prompts anna.
    start_mentorships(platform.db, at(2026, 10, 18, 12))
    platform.tick(at(2026, 10, 19, 8, 31))
    prompt = platform.sent_to("@anna")[-1]
    assert "Time to check in" in prompt and "7B-03 Alex" in prompt

    # A wrong answer is a question again; then the worrying check-in crosses two rules.
    assert "Enter a whole number from 1 to 5." in platform.check_in(
        "anna", "7B-03", {**TWO_RULES, "affective": "7"}
    )
    with time_machine.travel(at(2026, 10, 19, 9), tick=True):
        reply = platform.check_in("anna", "7B-03", TWO_RULES)
    assert "Check-in for 7B-03 saved" in reply
    assert "raised an alert for the student health team" in reply
    # Exactly one card for the student, the risk first, both rules with their numbers.
    [card] = case_cards(platform)
    assert card.index("At risk") < card.index("Case #1") < card.index("7B-03")
    assert "Late arrivals" in card and "5 late arrivals in the last 30 days" in card
    assert "Low engagement" in card and "affective engagement rated 1" in card
    assert "Private worry" not in card and "football" not in card

    # Nobody acknowledges it: after a school week it is raised once more, as a new post.
    platform.tick(at(2026, 10, 23, 9))
    assert len(case_cards(platform)) == 1
    platform.tick(at(2026, 10, 26, 9))
    cards = case_cards(platform)
    assert len(cards) == 2 and "raised again" in cards[-1]

    # Only the student health team acknowledges; the card is updated in place.
    assert "Only the student health team" in platform.acknowledge("anna", 1)
    assert "acknowledged" in platform.acknowledge("erik", 1)
    assert "acknowledged by @erik" in case_cards(platform)[-1].lower()

    # Acknowledged: never raised again, and the coordinators are not asked to step in.
    for moment in (at(2026, 10, 27, 9), at(2026, 10, 29, 9), at(2026, 11, 2, 9), at(2026, 11, 9, 9)):
        platform.tick(moment)
    assert len(case_cards(platform)) == 2
    assert not any("Nobody in the student health team" in text for text in platform.sent_to("@admin"))
    assert not any("Private worry" in text for text in platform.sent_to("#eht"))


def test_the_eht_prepares_its_weekly_meeting_with_the_agenda(platform: ScenarioDriver) -> None:
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    platform.say("admin", "role add @erik eht")
    platform.set_eht_channel("admin")
    with time_machine.travel(at(2026, 10, 19, 9), tick=True):
        platform.check_in("anna", "7B-03", TWO_RULES)

    with time_machine.travel(at(2026, 10, 20, 13), tick=True):
        agenda = platform.say("erik", "agenda")
        refused = platform.say("anna", "agenda")

    assert "Agenda for the EHT meeting: 1 open case (changes in the last 7 days)" in agenda
    assert "7B-03" in agenda and "Late arrivals" in agenda and "open 1 day" in agenda
    assert "since then: case opened" in agenda
    assert "Private worry" not in agenda and "football" not in agenda
    assert "Agenda" not in refused and "7B-03" not in refused


def test_attendance_from_the_school_s_system_counts_and_the_coordinator_sees_the_import(
    platform: ScenarioDriver,
) -> None:
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    platform.say("admin", "role add @erik eht")
    platform.set_eht_channel("admin")
    assert "updated" in platform.say("admin", "student edit 7B-03 id=S-1001")
    # The school's system: Monday 19 to Friday 23 October, three full days away; one other child.
    week = [date(2026, 10, 19) + timedelta(days=n) for n in range(5)]
    away = week[:3]
    records = [AttendanceRecord("S-1001", d, 300, 300 if d in away else 0, 0, 0, d in away) for d in week]
    records.append(AttendanceRecord("S-2002", week[0], 300, 0))
    with platform.db.transaction() as session:
        school = session.scalars(select(School)).one()
        store_attendance(session, school, at(2026, 10, 23, 6), source="SS 12000", records=records)
    status = platform.say("admin", "attendance")
    assert "SS 12000: last import Friday 23 October at 06:00: 6 rows read, 5 stored" in status
    assert "not matched: 1." in status
    assert "Only coordinators" in platform.say("anna", "attendance")
    # The mentor types no absence; the registered days raise the case.
    with time_machine.travel(at(2026, 10, 23, 14), tick=True):
        reply = platform.check_in("anna", "7B-03", {**WORRYING, "affective": "3"})
    assert "raised an alert for the student health team" in reply
    [card] = case_cards(platform)
    assert "3 full days absent in the last 30 days" in card


def test_a_warning_of_f_reaches_the_eht_the_next_school_day_and_the_coordinator_sees_the_read(
    platform: ScenarioDriver,
) -> None:
    platform.say("admin", "student add 9A-07 Bea grade=9 class=9A")
    platform.say("admin", "assign 9A-07 @anna")
    platform.say("admin", "role add @erik eht")
    platform.set_eht_channel("admin")
    assert "updated" in platform.say("admin", "student edit 9A-07 id=S-1001")
    start_mentorships(platform.db, at(2026, 10, 18, 12))
    # Monday night the school's system gives a warning of F in mathematics, and an F for another child.
    warning = CourseRecord("MA", SignalKind.WARNING, date(2026, 10, 19), "grade-1", person_id="S-1001")
    other = CourseRecord("EN", SignalKind.GRADE_F, date(2026, 10, 19), "grade-2", person_id="S-2002")
    with platform.db.transaction() as session:
        school = session.scalars(select(School)).one()
        store_course_signals(
            session, school, at(2026, 10, 20, 3), source="SS 12000", records=[warning, other]
        )
    status = platform.say("admin", "attendance")
    assert "Grades and F warnings from SS 12000: last read Tuesday 20 October at 03:00: 2 rows read" in status
    assert "1 stored, not matched: 1." in status

    # The clock's daily run on Tuesday morning: one card, at risk, naming the subject and the date.
    platform.tick(at(2026, 10, 20, 7, 30))
    [card] = case_cards(platform)
    assert "At risk" in card and "9A-07" in card and "Risk of F in a core subject" in card
    assert "a warning of F in mathematics (Monday 19 October)" in card


def test_a_form_that_arrives_twice_is_saved_once(platform: ScenarioDriver) -> None:
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    answers = {**WORRYING, "absent_days": "5", "unexcused_days": "0"}
    first, again = platform.check_in_twice("anna", "7B-03", answers)
    assert "Check-in for 7B-03 saved" in first
    assert "already done" in again and "saved" not in again
    with platform.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
        assert session.scalar(select(func.sum(CheckIn.absent_days))) == 5


def test_unexcused_absence_is_never_more_than_the_absence_given(platform: ScenarioDriver) -> None:
    platform.say("admin", "student add 7B-03 Alex")
    assert "7B-03 is now mentored by" in platform.say("admin", "assign 7B-03 @anna")
    # One lesson missed but two unexcused; no days absent but two unexcused days: both are questions,
    # shown at the answer that is wrong, and nothing is saved.
    lessons, days = {"absent_lessons": "1", "unexcused_lessons": "2"}, {"unexcused_days": "2"}
    for wrong, total in ((lessons, 1), (days, 0)):
        reply = platform.check_in("anna", "7B-03", {**WORRYING, **wrong})
        assert f"Cannot be more than the absences given ({total})." in reply
        assert "saved" not in reply
    with platform.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CheckIn)) == 0
    reply = platform.check_in("anna", "7B-03", {**WORRYING, "absent_lessons": "2", "unexcused_lessons": "2"})
    assert "Check-in for 7B-03 saved" in reply


def test_a_snooze_on_friday_asks_again_on_monday_at_the_cadence_time(platform: ScenarioDriver) -> None:
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    platform.say("admin", "cadence 7B-03 weekly fri 08:30")
    start_mentorships(platform.db, at(2026, 10, 11, 12))
    platform.tick(at(2026, 10, 16, 8, 31))  # Friday 16 October
    prompts = len(platform.sent_to("@anna"))
    assert "Time to check in" in platform.sent_to("@anna")[-1]

    # Anna snoozes on Friday morning: people act at the same (simulated) moment as the clock.
    with time_machine.travel(at(2026, 10, 16, 9, 15), tick=True):
        reply = platform.say("anna", "snooze 7B-03")
    assert "again on Monday 19 October at 08:30" in reply

    # Not on Saturday or Sunday; once on Monday at the cadence's time; the cadence keeps its Friday.
    for moment in (at(2026, 10, 17, 9), at(2026, 10, 18, 9), at(2026, 10, 19, 8, 0)):
        platform.tick(moment)
    assert len(platform.sent_to("@anna")) == prompts
    platform.tick(at(2026, 10, 19, 8, 31))
    platform.tick(at(2026, 10, 19, 9, 31))
    assert len(platform.sent_to("@anna")) == prompts + 1
    assert "7B-03 Alex" in platform.sent_to("@anna")[-1]
    platform.tick(at(2026, 10, 23, 8, 31))  # the regular Friday round still comes
    assert len(platform.sent_to("@anna")) == prompts + 2


def test_two_schools_in_one_workspace_keep_to_their_own(platform: ScenarioDriver) -> None:
    # The week before, the organisation's admin names the first school and adds a second.
    with time_machine.travel(at(2026, 10, 16, 10), tick=True):
        assert "now called Ekskolan" in platform.say("admin", "school rename Ekskolan")
        assert "Björkskolan is added" in platform.say("admin", "school add Björkskolan @bea")
        assert any("coordinator of Björkskolan" in text for text in platform.sent_to("@bea"))
        # Each school registers a student with the same code, its own mentor, EHT and channel.
        for coordinator, name, mentor, eht, channel in (
            ("admin", "Alex", "anna", "erik", "#eht"),
            ("bea", "Bo", "mia", "eva", "#eht2"),
        ):
            assert "registered" in platform.say(coordinator, f"student add 7B-03 {name} grade=7 class=7B")
            assert "now mentored by" in platform.say(coordinator, f"assign 7B-03 @{mentor}")
            assert "now has the role" in platform.say(coordinator, f"role add @{eht} eht")
            assert "will be posted in" in platform.set_eht_channel(coordinator, channel)

    # Monday 08:30 each mentor is prompted about their own school's 7B-03.
    start_mentorships(platform.db, at(2026, 10, 18, 12))
    platform.tick(at(2026, 10, 19, 8, 31))
    assert "7B-03 Alex" in platform.sent_to("@anna")[-1]
    assert "7B-03 Bo" in platform.sent_to("@mia")[-1]

    # Worrying check-ins: each alert lands in its own school's channel only.
    with time_machine.travel(at(2026, 10, 19, 9), tick=True):
        assert "saved" in platform.check_in("anna", "7B-03", WORRYING)
        bo = {**WORRYING, "affective": "3", "behavioural": "1"}
        assert "saved" in platform.check_in("mia", "7B-03", bo)
    ek_alerts = [text for text in platform.sent_to("#eht") if "Case #" in text]
    bjork_alerts = [text for text in platform.sent_to("#eht2") if "Case #" in text]
    assert ek_alerts and bjork_alerts
    assert all("affective engagement rated 1" in text for text in ek_alerts)
    assert not any("affective engagement rated 1" in text for text in bjork_alerts)

    # Each team sees its own school's alerts; erik, EHT in both, switches and sees each in turn.
    assert "Alex" not in platform.say("eva", "alerts") and "7B-03" in platform.say("eva", "alerts")
    platform.say("bea", "role add @erik eht")
    ek = platform.say("erik", "alerts")
    assert "now act in Björkskolan" in platform.say("erik", "school Björkskolan")
    bjork = platform.say("erik", "alerts")
    assert ek != bjork and "Björkskolan" in platform.say("erik", "schools")
    assert "now act in Ekskolan" in platform.say("erik", "school Ekskolan")
    assert platform.say("erik", "alerts") == ek

    # Coordinators see only their own roster; the Friday digest goes to each school's coordinator.
    assert "Bo" not in platform.say("admin", "students") and "Alex" not in platform.say("bea", "students")
    platform.tick(at(2026, 10, 23, 14, 1))
    assert any("Weekly digest" in text for text in platform.sent_to("@admin"))
    assert any("Weekly digest" in text for text in platform.sent_to("@bea"))


def shown_figure(reply: str, label: str) -> str:
    """A key figure's value as shown: after its label on the line (text) or below it (a card's fact)."""
    found = re.search(rf"^\s*{re.escape(label)}(?::\s*|\n)(.+)$", reply, re.MULTILINE)
    assert found, f"no {label!r} in {reply!r}"
    return found.group(1).strip()


def test_a_coordinator_gets_the_months_figures_with_a_chart_a_mentor_is_refused(
    platform: ScenarioDriver,
) -> None:
    codes = [f"7B-0{n}" for n in range(1, 6)]
    with time_machine.travel(at(2026, 11, 9, 9), tick=True):  # a Monday
        for code in codes:
            platform.say("admin", f"student add {code} grade=7 class=7B")
            platform.say("admin", f"assign {code} @anna")
        for code in codes[:4]:
            assert "saved" in platform.check_in("anna", code, WORRYING)
        reply = platform.say("admin", "report")
        refused = platform.say("anna", "report")

    # This month's key figures; a figure from fewer than 5 students reads "< 5", as in the report.
    assert "Key figures, 1 November 2026 to 9 November 2026" in reply
    assert shown_figure(reply, "students in the programme") == "5"
    assert shown_figure(reply, "check-ins") == "< 5"
    assert 'mentorbot report --school "' in reply
    assert "Private worry" not in reply and "7B-0" not in reply
    # One chart, a real PNG.
    chart = platform.report_chart("admin")
    assert chart.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(chart))
    image.verify()
    assert image.format == "PNG" and image.size[0] >= 600

    # A mentor is told, politely, who may; nothing about the school is shown.
    assert "Only coordinators can do that." in refused and "Key figures" not in refused
    with platform.db.transaction() as session:
        reports = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.school")).all()
    assert len(reports) == 1


def test_worrying_check_in_one_card_plan_review_prompt_on_its_date_close(platform: ScenarioDriver) -> None:
    goal = "Alex kommer i tid tre morgnar i veckan"
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    platform.say("admin", "role add @erik eht")
    platform.set_eht_channel("admin")
    start_mentorships(platform.db, at(2026, 10, 18, 12))
    with time_machine.travel(at(2026, 10, 19, 9), tick=True):
        assert "raised an alert" in platform.check_in("anna", "7B-03", WORRYING)
    assert len(case_cards(platform)) == 1

    # Monday: erik records a Check & Connect plan, to be reviewed on Thursday; he owns the case.
    with time_machine.travel(at(2026, 10, 19, 10), tick=True):
        reply = platform.say("erik", f"plan 1 cc-basic 2026-10-22 {goal}")
        assert "Plan recorded on case #1 for 7B-03." in reply
        # The mentor learns that there is a plan, not what it says.
        told = "7B-03 has an intervention plan with the student health team, reviewed on 2026-10-22."
        assert told in platform.say("anna", "plan show 7B-03")
    [card] = case_cards(platform)
    assert "owner @erik" in card.lower() and "review 2026-10-22" in card and goal not in card

    # The owner is asked on the review date, not before, and once.
    platform.tick(at(2026, 10, 21, 9))
    assert not any("Review today" in text for text in platform.sent_to("@erik"))
    platform.tick(at(2026, 10, 22, 9))
    platform.tick(at(2026, 10, 22, 10))
    [question] = [text for text in platform.sent_to("@erik") if "Review today" in text]
    assert "7B-03" in question and "is the goal met?" in question and goal not in question

    # The goal was met: the plan and the case close together, and the card says how.
    with time_machine.travel(at(2026, 10, 22, 11), tick=True):
        assert "Case #1 for 7B-03 resolved." in platform.say("erik", "plan close 1 met")
    [card] = case_cards(platform)
    assert "outcome: talked with the student" in card
    assert not any(goal in text for text in [*platform.sent_to("#eht"), *platform.sent_to("@erik")])


def test_imported_absence_fills_in_the_check_in_form_the_mentor_confirms_and_is_asked_about_guardians(
    platform: ScenarioDriver,
) -> None:
    platform.say("admin", "student add 7B-03 Alex grade=7 class=7B")
    platform.say("admin", "assign 7B-03 @anna")
    assert "updated" in platform.say("admin", "student edit 7B-03 id=S-1001")
    # A Skola24 export: Monday 19 October away all day without a reason, Tuesday two lessons
    # missed (one unexcused), Wednesday late once. Imported on Wednesday afternoon.
    monday = date(2026, 10, 19)
    records = [
        AttendanceRecord("S-1001", monday, 300, 300, 300, 0, True),
        AttendanceRecord("S-1001", monday + timedelta(days=1), 300, 120, 60, 0, False),
        AttendanceRecord("S-1001", monday + timedelta(days=2), 300, 0, 0, 1, False),
    ]
    with platform.db.transaction() as session:
        school = session.scalars(select(School)).one()
        store_attendance(session, school, at(2026, 10, 21, 15), source="Skola24", records=records)

    # Thursday the form says what Skola24 registered and starts from it; anna confirms and saves.
    with time_machine.travel(at(2026, 10, 22, 10), tick=True):
        shown, starts_from = platform.open_check_in("anna", "7B-03")
        confirmed = {
            k: v for k, v in WORRYING.items() if k not in ("absent_days", "absent_lessons", "late_arrivals")
        }
        reply = platform.check_in("anna", "7B-03", {**confirmed, "affective": "3", "guardians_told": "yes"})
    assert (
        "Skola24: 1 day absent, 1 unexcused day, 2 lessons missed, 1 unexcused lesson, 1 late arrival "
        "in the last school week."
    ) in shown
    figures = {"absent_days": "1", "unexcused_days": "1", "absent_lessons": "2", "unexcused_lessons": "1"}
    assert {k: starts_from.get(k) for k in [*figures, "late_arrivals"]} == {**figures, "late_arrivals": "1"}
    assert "Check-in for 7B-03 saved" in reply and "differ" not in reply
    with platform.db.transaction() as session:
        check_in = session.scalars(select(CheckIn)).one()
        absent = (check_in.absent_days, check_in.unexcused_days, check_in.absent_lessons)
        assert (*absent, check_in.unexcused_lessons, check_in.late_arrivals) == (1, 1, 2, 1, 1)

    # The unexcused absence also asks anna, at the start of the next school day, whether the
    # guardians were told (Skollagen 7 kap. 17 §): once per absence day, answered with a button.
    platform.tick(at(2026, 10, 22, 7, 1))
    platform.tick(at(2026, 10, 22, 9))
    asked = [text for text in platform.sent_to("@anna") if "Were the guardians told that day?" in text]
    assert len(asked) == 2
    assert "on Monday 19 October" in asked[0] and "on Tuesday 20 October" in asked[1]
    with time_machine.travel(at(2026, 10, 22, 10, 30), tick=True):
        answered = platform.answer_guardians("anna", told=True)
    assert (
        "Noted: the guardians of 7B-03 were told about the unexcused absence on Tuesday 20 October."
        in answered
    )
    # The question answered reads as answered, without its buttons; the other still asks.
    asked = [text for text in platform.sent_to("@anna") if "Were the guardians told that day?" in text]
    assert "Answered: the guardians were told." in asked[1] and "\nYes" not in asked[1]
    assert "Answered" not in asked[0]
    with platform.db.transaction() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "guardians.told")) == 1
