"""The school on Slack messages and views: its id on every block with buttons, its name on top.

Stamping happens after a message is built, so every surface (prompts, alerts, replies, App Home,
modals) gets it the same way and no new button can be forgotten. A block with buttons gets
`|school:ID` at the end of its block_id, which Slack sends back with every press of a button in
it (`action.block_id`); a modal keeps the id in its metadata instead (`blocks.checkin_metadata`).
Where the reader works in several schools (`Destination.school_name` is set), a small context
line with the school's name comes first.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_sdk.models.blocks import ContextBlock, PlainTextObject
from slack_sdk.models.views import View

from bot.schools import school_id, school_id_in_text, school_name
from bot.slack.blocks import MESSAGE_BLOCKS_MAX, VIEW_BLOCKS_MAX, Content
from handlers.results import Destination

# Slack allows 255 characters in a block_id; ours are short, and the stamp fits after any of them.
BLOCK_ID_BASE_MAX = 200
_STAMP = re.compile(r"\|school:([^|]{0,20})$")
NAME_BLOCK_ID = "school_name"


def stamped_block_id(block_id: str, school: int) -> str:
    return f"{block_id[:BLOCK_ID_BASE_MAX]}|school:{school}"


def school_of_block(block_id: object) -> int | None:
    """The school a pressed button's block carries; None for an unstamped or unreadable one."""
    if not isinstance(block_id, str):
        return None
    found = _STAMP.search(block_id[: BLOCK_ID_BASE_MAX + 30])
    return school_id_in_text(found.group(1)) if found else None


def _has_buttons(block: dict[str, Any]) -> bool:
    if block.get("type") == "actions":
        return True
    accessory = block.get("accessory")
    return isinstance(accessory, dict) and accessory.get("type") == "button"


def stamp_blocks(
    blocks: list[dict[str, Any]], destination: Destination | None, limit: int
) -> list[dict[str, Any]]:
    """The blocks with the school's id on each block of buttons and its name on top (see above)."""
    school = school_id(destination)
    stamped = []
    for place, block in enumerate(blocks):
        if school is not None and _has_buttons(block):
            block = {**block, "block_id": stamped_block_id(str(block.get("block_id") or f"b{place}"), school)}
        stamped.append(block)
    name = school_name(destination)
    if name and stamped:
        line = ContextBlock(block_id=NAME_BLOCK_ID, elements=[PlainTextObject(text=name[:150])])
        stamped = [line.to_dict(), *stamped[: limit - 1]]
    return stamped


def stamp(content: Content, destination: Destination | None) -> Content:
    """A message (notification or reply) stamped with its school."""
    return replace(content, blocks=stamp_blocks(content.blocks, destination, MESSAGE_BLOCKS_MAX))


def stamp_view(view: View, destination: Destination | None) -> View:
    """A view (App Home, a modal) stamped with its school."""
    if destination is None:
        return view
    data = view.to_dict()
    data["blocks"] = stamp_blocks(data.get("blocks") or [], destination, VIEW_BLOCKS_MAX)
    stamped = View(**data)
    stamped.validate_json()
    return stamped
