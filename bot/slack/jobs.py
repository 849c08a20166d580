"""Slack's side of the job queue: a listener that changes something queues its work and returns,
so Bolt acks at once; the worker runs the work here, with a client for the caller's workspace.

What is stored is only what the work reads later: who acted, the answer's way back (the
response_url, the channel) and what they sent (the command's text, the button, the form's state).
A full queue is answered at once, in the person's language, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.answer import answer
from bot.slack.blocks import Content, message_content
from bot.slack.deps import PLATFORM, Deps, SlackWork, log, off_loop
from bot.worker import Runner
from handlers.actors import Caller
from handlers.dispatch import ALREADY_DONE
from handlers.jobs import BUSY, Accepted, QueuedJob
from handlers.results import Outcome
from models import Member
from models.messages import Refused, msg

# What the work needs of Slack's request: where to answer, and the message or view acted on.
KEPT = (
    "response_url",
    "channel_id",
    "channel",
    "container",
    "user_id",
    "team_id",
    "user",
    "team",
    "trigger_id",
)


def kept(body: Mapping[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in KEPT if name in body}


def kept_view(view: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted modal as its work reads it: which one, its metadata and the answers in it."""
    return {name: view.get(name) for name in ("id", "private_metadata", "state")}


def register_work(deps: Deps, kind: str, work: SlackWork) -> None:
    deps.work[kind] = work


async def queue(deps: Deps, key: str, kind: str, caller: Caller, payload: dict[str, Any]) -> Accepted:
    return await deps.queue.put(key, PLATFORM, kind, {"caller": asdict(caller), **payload})


async def busy(deps: Deps, caller: Caller, accepted: Accepted = Accepted.BUSY) -> Content:
    """The polite "busy, try again" (or, for a repeat, "already done") in the person's own language."""
    said = BUSY if accepted is Accepted.BUSY else ALREADY_DONE

    def refuse(_session: Any, _actor: Member, _now: Any) -> Outcome:
        raise Refused(said)

    outcome = await off_loop(deps.core.run, caller, refuse)
    return message_content(outcome.language, msg(said))


def runner(deps: Deps) -> Runner:
    async def run(job: QueuedJob) -> None:
        caller = Caller(**job.payload["caller"])
        work = deps.work.get(job.kind)
        if work is None or deps.client_for is None:
            log.warning("a Slack job of an unknown kind was dropped: %s", job.kind[:40])
            return
        await work(await deps.client_for(caller), caller, job.payload, job.key)

    return run


async def queue_form(
    deps: Deps,
    ack: AsyncAck,
    client: AsyncWebClient,
    caller: Caller,
    key: str,
    kind: str,
    view: Mapping[str, Any],
) -> None:
    """A submitted form, stored as a job under `key` and acked: the modal closes and the worker
    answers when done. Too busy: "busy" on the form, which stays open. Sent twice while the first
    waits (a second Save, Slack's retry): closed, and said once that it is being done, done once."""
    accepted = await queue(deps, key, kind, caller, {"view": kept_view(view)})
    if accepted is Accepted.BUSY:
        await ack(response_action="errors", errors=await busy_errors(deps, caller, view))
        return
    await ack()
    if accepted is Accepted.REPEAT:
        await answer({}, client, caller.user_id, await busy(deps, caller, accepted))


async def busy_errors(deps: Deps, caller: Caller, view: Mapping[str, Any]) -> dict[str, str]:
    """ "Busy" shown on the form's first field: the modal stays open, its answers there to send again."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    first = next(iter(values), "") if isinstance(values, Mapping) else ""
    return {str(first): (await busy(deps, caller)).text}
