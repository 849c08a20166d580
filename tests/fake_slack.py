"""A small fake of Slack's Web API on 127.0.0.1, for tests: records every call, answers like Slack.

It is strict where real Slack is strict: a call without a bot token, without a channel, or with
blocks or a view that do not pass slack_sdk's validation is refused (`{"ok": false, "error": ...}`)
and recorded in `rejected`, so a test can assert that the app only made calls Slack would accept.
Requests to `/response/<id>` stand in for a slash command's or button's response_url. A file is
shared as Slack's upload flow has it: files.getUploadURLExternal names an upload URL here
(`/upload/<file id>`), the bytes are POSTed to it, and files.completeUploadExternal shares the
uploaded files in a channel (`shared`); a file not uploaded, or of another length than announced,
is refused.
An OAuth install answers with `install` (one workspace by default; a workspace of an Enterprise
Grid org, or a whole org, in tests), and its bot token is accepted from then on; every call
records the token it came with.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

BOT_TOKEN = "xoxb-test-token"
TEAM = "T0SCHOOL"
JSON_FIELDS = ("blocks", "view", "attachments")
# What each method must be given, as Slack documents it.
REQUIRED = {
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "views.open": ("trigger_id", "view"),
    "views.update": ("view",),
    "views.publish": ("user_id", "view"),
    "users.info": ("user",),
    "conversations.open": ("users",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files", "channel_id"),
}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool = True
    error: str = ""
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered (e.g. a message's ts)
    token: str = ""  # the bot token the call came with


@dataclass(frozen=True)
class SharedFile:
    """A file shared by files.completeUploadExternal: where, and its bytes as uploaded."""

    channel: str
    filename: str
    title: str
    content: bytes
    initial_comment: str = ""


@dataclass(frozen=True)
class Install:
    """What oauth.v2.access answers: who installed the app where, and the bot token it gets.

    A workspace install has a team (and, inside an Enterprise Grid org, the org too); an org-wide
    install has only the org: Slack answers `"team": null` and `is_enterprise_install: true`.
    """

    token: str = BOT_TOKEN
    team: str | None = TEAM
    enterprise: str | None = None
    org_wide: bool = False


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    oauth_user: str = "UINSTALLER"
    install: Install = field(default_factory=Install)
    tokens: set[str] = field(default_factory=lambda: {BOT_TOKEN})
    shared: list[SharedFile] = field(default_factory=list)
    # Method -> the error Slack answers it with, for tests of what the app does then.
    failing: dict[str, str] = field(default_factory=dict)
    # File id -> (filename, announced length, the bytes once uploaded).
    _files: dict[str, tuple[str, int, bytes | None]] = field(default_factory=dict)
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    @property
    def rejected(self) -> list[Call]:
        return [c for c in self.calls if not c.ok]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.ok]

    def wait_for(
        self, method: str, where: Callable[[Call], bool] = lambda c: True, timeout: float = 10
    ) -> Call:
        """The first accepted call of `method` matching `where`, waiting for the app's work after its ack."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.of(method):
                if where(call):
                    return call
            time.sleep(0.02)
        seen = [(c.method, c.error) for c in self.calls]
        raise AssertionError(f"no {method} call matched within {timeout}s; calls: {seen}")

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- answering -----------------------------------------------------------------------------

    def upload(self, path: str, content: bytes) -> dict[str, Any]:
        """The bytes of a file, POSTed to the URL files.getUploadURLExternal gave."""
        file_id = path.removeprefix("/upload/")
        with self._lock:
            announced = self._files.get(file_id)
            fresh = announced is not None and announced[2] is None
            if announced is not None and fresh:
                self._files[file_id] = (announced[0], announced[1], content)
        call = Call("upload", {"file_id": file_id, "length": len(content)})
        return self._record(call, None if fresh else "invalid_upload")

    def handle(self, path: str, headers: dict[str, str], args: dict[str, Any]) -> dict[str, Any]:
        if path.startswith("/response/"):
            args["_name"] = path.removeprefix("/response/")
            return self._record(Call("response_url", args), self._check_blocks(args))
        method = path.split("?", 1)[0].removeprefix("/api/")
        if method == "oauth.v2.access":
            return self._record(Call(method, args), None) | self._oauth_access()
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return self._record(Call(method, args, token=token), "invalid_auth")
        missing = [name for name in REQUIRED.get(method, ()) if not args.get(name)]
        if missing:
            error = "channel_not_found" if "channel" in missing else f"missing_argument:{missing[0]}"
            return self._record(Call(method, args, token=token), error)
        error = (
            self.failing.get(method)
            or (self._check_blocks(args) if method.startswith("chat.") else None)
            or self._check_view(method, args)
            or self._check_files(method, args)
        )
        call = Call(method, args, token=token)
        result = self._record(call, error)
        if error:
            return result
        call.answer = self._answer(method, args)
        return result | call.answer

    def _record(self, call: Call, error: str | None) -> dict[str, Any]:
        if error:
            call.ok, call.error = False, error
        with self._lock:
            self.calls.append(call)
        return {"ok": False, "error": error} if error else {"ok": True}

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT", "url": "https://school.slack.com/"}
        if method in ("chat.postMessage", "chat.update"):
            channel = args["channel"]
            # Slack answers a post to a user id with the id of the DM channel it used.
            if channel.startswith("U"):
                channel = "D" + channel[1:]
            return {"channel": channel, "ts": args.get("ts") or f"1700000000.{next(self._ts):06d}"}
        if method == "chat.postEphemeral":
            return {"message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.open", "views.publish", "views.update"):
            return {"view": {**args["view"], "id": f"V{next(self._ts):06d}"}}
        if method == "users.info":
            return {"user": {"id": args["user"], "name": args["user"].lower(), "tz": "Europe/Stockholm"}}
        if method == "conversations.open":
            return {"channel": {"id": "D" + str(args["users"])[1:]}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts):08d}"
            with self._lock:
                self._files[file_id] = (args["filename"], int(args["length"]), None)
            return {"file_id": file_id, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return self._share(args)
        return {}

    def _check_files(self, method: str, args: dict[str, Any]) -> str | None:
        if method == "files.getUploadURLExternal" and not str(args["length"]).isdigit():
            return "invalid_arguments"
        if method != "files.completeUploadExternal":
            return None
        try:
            files = json.loads(args["files"])
            ids = [f["id"] for f in files]
        except (ValueError, TypeError, KeyError):
            return "invalid_arguments"
        for file_id in ids:
            known = self._files.get(file_id)
            if known is None or known[2] is None or len(known[2]) != known[1]:
                return "file_not_found"  # never uploaded, or not the length announced
        return None

    def _share(self, args: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(args["files"])
        with self._lock:
            for item in files:
                filename, _length, content = self._files.pop(item["id"])
                assert content is not None
                self.shared.append(
                    SharedFile(
                        args["channel_id"],
                        filename,
                        item.get("title", filename),
                        content,
                        args.get("initial_comment") or "",
                    )
                )
        return {"files": [{"id": item["id"], "title": item.get("title", "")} for item in files]}

    def _oauth_access(self) -> dict[str, Any]:
        install = self.install
        with self._lock:
            self.tokens.add(install.token)
        return {
            "app_id": "A0APP",
            "authed_user": {"id": self.oauth_user},
            "scope": "commands,chat:write,im:write,files:write",
            "token_type": "bot",
            "access_token": install.token,
            "bot_user_id": "UBOT",
            "team": None if install.org_wide else {"id": install.team, "name": "Skolan"},
            "enterprise": {"id": install.enterprise, "name": "Kommunen"} if install.enterprise else None,
            "is_enterprise_install": install.org_wide,
        }

    @staticmethod
    def _check_blocks(args: dict[str, Any]) -> str | None:
        blocks = args.get("blocks")
        if blocks is None:
            return None if args.get("text") else "no_text"
        try:
            if not isinstance(blocks, list) or len(blocks) > 50:
                return "invalid_blocks"
            for raw in blocks:
                block = Block.parse(raw)
                if block is None:
                    return "invalid_blocks"
                block.validate_json()
        except (SlackObjectFormationError, TypeError, KeyError, AttributeError):
            return "invalid_blocks"
        return None

    @staticmethod
    def _check_view(method: str, args: dict[str, Any]) -> str | None:
        if not method.startswith("views."):
            return None
        raw = args.get("view")
        try:
            view = View(**raw)
            view.validate_json()
            if method == "views.publish" and view.type != "home":
                return "invalid_arguments"
            if method == "views.open" and view.type != "modal":
                return "invalid_arguments"
            limit = 100
            if len(raw.get("blocks", [])) > limit:
                return "invalid_arguments"
            for block in raw.get("blocks", []):
                parsed = Block.parse(block)
                if parsed is None:
                    return "invalid_arguments"
                parsed.validate_json()
        except (SlackObjectFormationError, TypeError, KeyError, AttributeError):
            return "invalid_arguments"
        return None


def _parse(body: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        data = json.loads(body or b"{}")
        return data if isinstance(data, dict) else {}
    args: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(args[name])
    return args


def start_fake_slack() -> tuple[FakeSlack, ThreadingHTTPServer]:
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.path.startswith("/upload/"):
                answer = json.dumps(fake.upload(self.path, body)).encode()
            else:
                # slack_sdk sends some methods' arguments (the files.* ones) in the query string.
                url = urlsplit(self.path)
                args = dict(parse_qsl(url.query)) | _parse(body, self.headers.get("content-type") or "")
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = json.dumps(fake.handle(url.path, headers, args)).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
