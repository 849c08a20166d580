"""A Swedish reader sees no English word: every notification, card, form and list, on every platform.

Each notification type, card and form is rendered in Swedish for the console (plain text), Slack
(Block Kit) and Teams (Adaptive Cards); none may show an English command word or answer. Typed
commands appear only in plain text, in Swedish, and the command parser understands them; numbers
are written the Swedish way (3,3 and 25 %).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.console import _hint
from bot.i18n import catalogue, translate
from bot.render_text import render_content, render_reply
from bot.slack.blocks import (
    checkin_modal,
    home_view,
    import_modal,
    notification_content,
    reply_blocks,
    resolve_modal,
)
from bot.teams.cards import card_json, check_in_form, help_card
from bot.teams.messages import content_activity, reply_activities
from handlers.checkin_form import FIELDS, FIELDS_BY_NAME, parse_field
from handlers.commands import parse
from handlers.home import CaseloadRow, HomeSummary, OverdueRow, SchoolOverview
from handlers.results import (
    AlertList,
    AlertNotice,
    AlertRow,
    AlertSummary,
    CheckInHistory,
    CrossedRule,
    Digest,
    DueMentee,
    DuePrompt,
    Help,
    HistoryRow,
    MenteeList,
    MenteeRow,
    MentorOverdue,
    Notification,
    Recipient,
    StudentList,
    StudentRow,
    ThresholdList,
    ThresholdRow,
)
from models.flagged import why_flagged
from models.messages import Refused, msg
from models.rules import PARAMETERS, RULES_BY_ID, evidence_message, parse_threshold, thresholds_for
from models.trends import Direction
from tests.teams_support import card_of, nested, texts_in

WHEN = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
TZ = "Europe/Stockholm"

# Words of the English command language and its answers, which never belong in a Swedish text.
ENGLISH = {
    "help",
    "add",
    "edit",
    "remove",
    "students",
    "assign",
    "unassign",
    "mentees",
    "checkin",
    "check-in",
    "snooze",
    "notmet",
    "alerts",
    "alert",
    "ack",
    "own",
    "resolve",
    "investigation",
    "history",
    "thresholds",
    "threshold",
    "set",
    "role",
    "cadence",
    "break",
    "retention",
    "attendance",
    "language",
    "individual",
    "home",
    "school",
    "yes",
    "no",
    "talked",
    "guardians",
    "eht_meeting",
    "referral",
    "OUTCOME",
    "CODE",
    *(p.name for p in PARAMETERS),
}
_ENGLISH = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, ENGLISH), key=len, reverse=True)) + r")(?![\w-])"
)


def english_in(texts: list[str]) -> list[str]:
    return [f"{m.group(0)!r} in {text!r}" for text in texts for m in _ENGLISH.finditer(text)]


def slack_texts(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        found += [value["text"]] if isinstance(value.get("text"), str) else []
        for inner in value.values():
            found += slack_texts(inner)
    elif isinstance(value, list):
        for inner in value:
            found += slack_texts(inner)
    return found


def teams_texts(activity: dict[str, Any], fallback: bool = True) -> list[str]:
    """What a Teams user reads: the text, the card's texts, labels, buttons and choices (and fallback)."""
    card = card_of(activity)
    texts = [activity.get("text") or ""]
    if card is not None:
        texts += texts_in(card.get("body", []) + card.get("actions", []))
        # The choices' titles are read too (their values are not shown).
        texts += [c["title"] for c in nested(card) if isinstance(c, dict) and "title" in c]
        texts += [activity.get("summary") or "", card.get("fallbackText", "")] if fallback else []
    return texts


def crossed(rule: str, evidence: dict[str, Any], state: str = "steady") -> CrossedRule:
    return CrossedRule(
        rule=rule,
        title=msg(RULES_BY_ID[rule].title),
        explanation=why_flagged(rule, evidence, thresholds_for({})),
        evidence=evidence_message(rule, evidence),
        sparkline="▆▃",
        state=state,
    )


DROP = crossed("rating_drop", {"dimension": "affective", "rating": 1, "average": 3.3})
ATTENDANCE = crossed("attendance", {"percent": 84.5, "school_days": 20, "absent": 3, "threshold": 90})


def notice(**changes: Any) -> AlertNotice:
    base = AlertNotice(
        case_id=7,
        student_code="7B-02",
        grade=7,
        class_name="7B",
        risk="watch",
        status="open",
        timezone=TZ,
        rules=[DROP],
    )
    return replace(base, **changes)


ABSENCE = {"rules": [ATTENDANCE], "risk": "at_risk", "asks_investigation": True}
NOTICES = {
    "open": notice(),
    "reraised": notice(reraised=True),
    "acknowledged": notice(status="acknowledged", acknowledged_by="eva"),
    "owned": notice(status="owned", acknowledged_by="eva", owner="lis"),
    "resolved": notice(status="resolved", owner="lis", outcome=msg("referral")),
    "absence open": notice(**ABSENCE),
    "absence answered": notice(**ABSENCE, status="owned", owner="lis", investigation_started=False),
    "absence resolved": notice(**ABSENCE, status="resolved", owner="lis", outcome=msg("other")),
    "updated": notice(
        risk="urgent",
        rules=[
            crossed("concern", {"domain": "home"}, "new"),
            replace(ATTENDANCE, state="updated"),
            replace(DROP, state="cleared"),
            crossed("late_arrivals", {"count": 5}, "withdrawn"),
        ],
        asks_investigation=True,
    ),
}
ALERT_ROWS = [
    AlertRow("7B-02", ["attendance", "concern"], "owned", WHEN, 7, "urgent", owner="lis", age_days=3),
    AlertRow("7B-03", ["late_arrivals"], "open", WHEN, case_id=8, risk="watch", age_days=1),
    AlertRow("7B-04", ["low_rating"], "open", WHEN, case_id=9, risk="at_risk", age_days=0),
]
CONTENTS = {
    **{f"alert {name}": content for name, content in NOTICES.items()},
    "prompt": DuePrompt(TZ, [DueMentee("7B-02", "7B-02 Alex", WHEN)]),
    "reminder": DuePrompt(TZ, [DueMentee("7B-02", "7B-02 Alex", WHEN)], reminder=True),
    "digest": Digest(TZ, WHEN, WHEN, 4, 1, 1, [MentorOverdue("anna", 3)], 2),
    "summary": AlertSummary(TZ, ALERT_ROWS),
    "empty summary": AlertSummary(TZ, []),
    "message": msg("You are now the mentor of {code}. Check in with: checkin {code}", code="7B-02"),
}


def rendered(content: Any) -> dict[str, list[str]]:
    notification = Notification(Recipient.channel("C1"), content, language="sv")
    slack = notification_content("en", notification)
    return {
        "console": render_content("sv", content),
        "slack": [slack.text, *slack_texts(slack.blocks)],
        "teams": teams_texts(content_activity("sv", content)),
    }


@pytest.mark.parametrize("kind", CONTENTS)
def test_every_notification_is_swedish_on_every_platform(kind: str) -> None:
    for platform, texts in rendered(CONTENTS[kind]).items():
        assert not english_in(texts), platform


def test_typed_commands_only_in_plain_text_in_swedish_and_they_work() -> None:
    prompt = rendered(CONTENTS["prompt"])
    assert "avstämning 7B-02 | skjut upp 7B-02 | träffades inte 7B-02" in "\n".join(prompt["console"])
    alert = rendered(NOTICES["absence open"])
    console = "\n".join(alert["console"])
    assert (
        "larm kvittera 7 | larm ta 7 | åtgärdsplan 7 TYP ÅÅÅÅ-MM-DD mål | larm avsluta 7 UTFALL · "
        "historik 7B-02" in console
    )
    assert "larm utredning 7 ja|nej" in console
    # Next to buttons, no typed commands at all (only a Teams card's fallback, for clients without cards).
    for content in (CONTENTS["prompt"], NOTICES["absence open"]):
        notification = Notification(Recipient.channel("C1"), content, language="sv")
        slack = slack_texts(notification_content("sv", notification).blocks)
        teams = teams_texts(content_activity("sv", content), fallback=False)
        assert not [t for t in slack + teams if "larm kvittera 7" in t or "skjut upp 7B-02" in t]
        assert not [t for t in slack + teams if "larm utredning 7" in t]
    # Every Swedish hint is a command the parser knows.
    typed = {
        "avstämning 7B-02": "checkin",
        "skjut upp 7B-02": "snooze",
        "träffades inte 7B-02": "notmet",
        "larm kvittera 7": "alert ack",
        "larm ta 7": "alert own",
        "larm avsluta 7 remiss": "alert resolve",
        "åtgärdsplan 7 cc-bas 2031-01-15 Alex kommer i tid": "plan",
        "larm utredning 7 ja": "alert investigation",
        "historik 7B-02": "history",
    }
    for text, command in typed.items():
        assert parse(text).spec.name == command


def test_numbers_are_written_the_swedish_way() -> None:
    digest = "\n".join(rendered(CONTENTS["digest"])["console"])
    assert "25\xa0% av 4" in digest
    drop = rendered(NOTICES["open"])
    attendance = rendered(NOTICES["absence open"])
    for platform in ("console", "slack", "teams"):
        assert "från ett snitt på 3,3" in "\n".join(drop[platform]), platform
        assert "närvaro 84,5 %" in "\n".join(attendance[platform]), platform
    english = "\n".join(render_content("en", CONTENTS["digest"]) + render_content("en", NOTICES["open"]))
    assert "25% of 4" in english and "average of 3.3" in english


def swedish_replies() -> list[Any]:
    return [
        Help(),
        Help("threshold set"),
        ThresholdList(
            [ThresholdRow(p.name, p.default, p.default, p.low, p.high, msg(p.meaning)) for p in PARAMETERS]
        ),
        AlertList(TZ, ALERT_ROWS),
        StudentList([StudentRow("7B-02", "Alex", 7, "7B", "anna")]),
        MenteeList("anna", True, TZ, [MenteeRow("7B-02", "Alex", 7, "7B", WHEN, False, WHEN)]),
        CheckInHistory(
            "7B-02", TZ, "▆▃", [HistoryRow(WHEN, True, 1, 1, 2, 0, 1, (4, 3, None, 2), True, False)]
        ),
    ]


def test_every_list_and_reply_is_swedish() -> None:
    replies = swedish_replies()
    console = [line for reply in replies for line in render_reply("sv", reply)]
    slack = slack_texts(reply_blocks("sv", replies).blocks)
    teams = [t for activity in reply_activities("sv", replies) for t in teams_texts(activity)]
    for platform, texts in {"console": console, "slack": slack, "teams": teams}.items():
        assert not english_in(texts), platform
    assert "närvaro" in "\n".join(console)


def test_every_form_is_swedish() -> None:
    summary = HomeSummary(
        TZ,
        [CaseloadRow("7B-02", "7B-02 Alex", WHEN, True, WHEN, "▆▃", Direction.DOWN, 1)],
        SchoolOverview(ALERT_ROWS, ["7B-09"], [OverdueRow("7B-02", "anna", WHEN)]),
    )
    slack = [
        checkin_modal("sv", "7B-02", "7B-02 Alex").to_dict(),
        resolve_modal(
            "sv", msg("Resolve case #{id} for {code}: {rules}", id=7, code="7B-02", rules="x"), "{}"
        ).to_dict(),
        import_modal("sv").to_dict(),
        home_view("sv", summary).to_dict(),
    ]
    teams = [
        card_json(check_in_form("sv", "7B-02", "7B-02 Alex", "adhoc")),
        card_json(help_card("sv", Help())),
    ]
    console = [_hint("sv", form_field, {"absent_days": 2, "absent_lessons": 1}) for form_field in FIELDS]
    assert not english_in(slack_texts(slack)), "slack"
    assert not english_in(
        [
            t
            for card in teams
            for t in teams_texts(
                {"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
            )
        ]
    ), "teams"
    assert not english_in(console), "console"
    assert "individ = eleven (individ), hem = hem och familj, skolan" in "\n".join(console)


def as_attachment_activity(card: dict[str, Any]) -> dict[str, Any]:
    return {"attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def refusal(text: str) -> str:
    with pytest.raises(Refused) as refused:
        parse(text)
    return translate("sv", refused.value.message)


def test_swedish_answers_are_accepted_and_refusals_list_the_swedish_words() -> None:
    assert parse_threshold("närvaro", "85") == ("attendance_percent", 85)
    assert parse_threshold("Narvaro", "85 %".replace(" ", "")) == ("attendance_percent", 85)
    for parameter in PARAMETERS:
        # The Swedish name a reader is shown is one they can type back.
        assert parse_threshold(catalogue("sv")[parameter.name], str(parameter.default))[0] == parameter.name
    with pytest.raises(Refused) as unknown:
        parse_threshold("närvarp", "85")
    listed = translate("sv", unknown.value.message)
    assert "närvaro, närvaroveckor" in listed and not english_in([listed])
    outcomes = refusal("larm avsluta 7 kanske")
    assert "samtal, vårdnadshavare, eht-möte, remiss, inte_relevant, annat" in outcomes
    assert not english_in([outcomes])
    domain = FIELDS_BY_NAME["concern_domain"]
    for word, key in (("individ", "individual"), ("hem", "home"), ("skola", "school"), ("skolan", "school")):
        assert parse_field(domain, word, {"concern": True}) == key
    with pytest.raises(ValueError) as wrong:
        parse_field(domain, "kanske", {"concern": True})
    said = translate("sv", wrong.value.args[0])
    assert said == "Välj en av: individ, hem, skolan." and not english_in([said])


def test_no_swedish_translation_contains_an_english_command_word() -> None:
    placeholder = re.compile(r"\{[^}]*\}")
    found = english_in([placeholder.sub("", text) for text in catalogue("sv").values()])
    # A Swedish text may name what the English reader types only when it names it in Swedish too.
    assert not found
