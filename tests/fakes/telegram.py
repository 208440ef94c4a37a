"""A fake Telegram Bot API server on 127.0.0.1, strict where Telegram is strict.

python-telegram-bot talks to it unmodified (`Bot(token, base_url=f"{fake.url}/bot")`).
It parses HTML like Telegram (only Telegram's tags; an unknown or unclosed tag is a 400
"can't parse entities"), counts lengths in UTF-16 units after parsing, enforces a
per-chat rate (and optionally an overall one) with real 429 answers, can be told to fail
the next calls (5xx, 400, 403, or hang past the client's timeout), and records every call
and every message as it stands after edits.

Private chats: `add_user(id)` declares a user who has opened a chat with the bot;
`user_says(id, "/follow ...")` and `user_presses(id, data)` queue the updates a bot
fetches with `getUpdates` (long polling, acknowledged by `offset`; a newer getUpdates
ends one still waiting with 409 Conflict, counted in `conflicts`); `block(id)` makes
every later message to that user a 403 "bot was blocked by the user". After `setWebhook`
the updates are POSTed to its URL with its secret_token header instead (`webhook_answers`
records the statuses), and getUpdates is refused until `deleteWebhook`.

    with FakeTelegram(token="123:abc", chats=["@alqst_en"], rate=(20, 60.0)) as fake:
        ...  # point the bot at fake.url
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from feeds.server_thread import ServerThread

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# Tags Telegram's HTML parse mode accepts (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "tg-emoji", "span",
})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# Methods that post into a chat, and so count against its rate.
RATED_METHODS = frozenset({
    "sendMessage", "sendPhoto", "editMessageText", "editMessageCaption", "pinChatMessage",
})


class EntityError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's own wording."""


class _Refusal(Exception):
    """An error answer, raised by a method handler."""

    def __init__(self, status: int, description: str,
                 parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the entity starting at text[i] == '&': (character, next index) or None."""
    end = text.find(";", i + 1)
    if end == -1 or end - i > 12:
        return None
    body = text[i + 1:end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    try:
        if body[:2] in ("#x", "#X") and len(body) > 2:
            code = int(body[2:], 16)
        elif body[:1] == "#" and body[1:].isdigit():
            code = int(body[1:])
        else:
            return None
    except ValueError:
        return None
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


def _decode_entities(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_entity(value, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
                continue
        out.append(value[i])
        i += 1
    return "".join(out)


def parse_html(text: str) -> str:
    """The text Telegram would show for `text` in HTML parse mode, or EntityError.

    Modelled on tdlib's parse_html: `&` that starts no known entity stays literal; every
    `<` must open a supported tag or close the innermost open one.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                out.append(decoded[0])
                i = decoded[1]
            else:
                out.append("&")
                i += 1
            continue
        if ch != "<":
            out.append(ch)
            i += 1
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            close = text.find(">", i)
            if close == -1:
                raise EntityError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
            name = text[i + 2:close].strip().lower()
            if not stack:
                raise EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
            if name != stack[-1]:
                raise EntityError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"')
            stack.pop()
            i = close + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">/":
            j += 1
        name = text[i + 1:j].lower()
        if j >= n:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if name not in ALLOWED_TAGS:
            raise EntityError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[j] == ">":
                j += 1
                break
            start = j
            while j < n and not text[j].isspace() and text[j] not in "=>":
                j += 1
            attr = text[start:j].lower()
            if not attr:
                raise EntityError(f'Empty attribute name in the tag "{name}" at byte offset '
                                  f"{_byte_offset(text, begin)}")
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] != "=":
                if attr == "expandable" and name == "blockquote":
                    attrs[attr] = ""
                    continue
                raise EntityError(f'Expected equal sign in declaration of an attribute of the '
                                  f'tag "{name}" at byte offset {_byte_offset(text, begin)}')
            j += 1
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
            if text[j] in "\"'":
                quote = text[j]
                end = text.find(quote, j + 1)
                if end == -1:
                    raise EntityError(f"Unclosed start tag at byte offset "
                                      f"{_byte_offset(text, begin)}")
                value = text[j + 1:end]
                j = end + 1
            else:
                start = j
                while j < n and not text[j].isspace() and text[j] != ">":
                    j += 1
                value = text[start:j]
            attrs[attr] = _decode_entities(value)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}")
        stack.append(name)
        i = j
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


@dataclass
class Call:
    """One request as the fake saw it, and what it answered."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request was handled
    wall: float = field(default_factory=time.time)  # the same moment, as epoch seconds
    status: int = 200
    description: str = ""
    message_id: int | None = None

    @property
    def chat(self) -> str | None:
        chat = self.params.get("chat_id")
        return None if chat is None else str(chat)

    @property
    def text(self) -> str | None:
        value = self.params.get("text", self.params.get("caption"))
        return None if value is None else str(value)

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return _json_param(self.params.get("reply_markup"))

    @property
    def link_preview_options(self) -> dict[str, Any] | None:
        return _json_param(self.params.get("link_preview_options"))

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.reply_markup or {}
        return [(b.get("text", ""), b.get("url", ""))
                for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Message:
    """A message in a fake chat, as it stands now (after edits)."""

    chat: str
    message_id: int
    kind: str  # "text" or "photo"
    html: str
    text: str  # after parsing
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    photo: str | None = None
    silent: bool = False
    edits: int = 0
    pinned: bool = False
    history: list[str] = field(default_factory=list)


@dataclass
class Fault:
    method: str | None  # None: any method
    status: int
    description: str
    hang: float = 0.0
    deliver: bool = False  # after a hang: process the call anyway (the lost-answer case)
    retry_after: int | None = None


def _json_param(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


class _Chat:
    def __init__(self, name: str, chat_id: int, kind: str = "channel") -> None:
        self.name = name
        self.id = chat_id
        self.kind = kind  # channel | private | group
        self.state = "ok"  # ok | removed | not-admin | no-pin | blocked (a private chat)

    def json(self) -> dict[str, Any]:
        if self.kind == "private":
            return {"id": self.id, "type": "private", "first_name": f"User {self.id}"}
        data: dict[str, Any] = {"id": self.id, "type": self.kind, "title": self.name}
        if self.name.startswith("@"):
            data["username"] = self.name[1:]
        return data


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None  # the test output stays clean; calls are recorded instead

    def do_GET(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        ctype = self.headers.get("Content-Type", "")
        if body:
            if ctype.startswith("application/json"):
                params.update(json.loads(body))
            elif ctype.startswith("multipart/form-data"):
                message = BytesParser(policy=HTTP).parsebytes(
                    f"Content-Type: {ctype}\r\n\r\n".encode() + body)
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    if name:
                        payload = part.get_payload(decode=True)
                        if isinstance(payload, bytes):
                            params[str(name)] = payload.decode("utf-8", "replace")
            else:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        status, answer = self.server.fake._dispatch(parts.path, params)
        if status == -1:  # a hang that ends with no answer at all
            self.close_connection = True
            return
        data = json.dumps(answer).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout fault): what a real server would see


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Alerts to many private chats open tens of connections at once; the default backlog
    # of 5 makes the kernel drop handshakes, which the client sees as reset connections.
    request_queue_size = 128
    fake: FakeTelegram


class FakeTelegram:
    """The fake Bot API. `url` is what goes in `api_base_url`.

    `rate=(n, seconds)` answers 429 to the n+1-th rated call to one chat within any
    `seconds` window. Chats must be declared (`chats=[...]` or `add_chat`); any other
    chat answers "chat not found", as Telegram does for a wrong @name.
    """

    def __init__(self, token: str = "123456:TEST-token", *, chats: Iterable[str] = (),
                 rate: tuple[int, float] | None = None,
                 overall: tuple[int, float] | None = None) -> None:
        self.token = token
        self.rate = rate
        # `overall=(n, seconds)`: the n+1-th rated call to any chats within one window is
        # a 429 (Telegram's ~30 a second across chats).
        self.overall = overall
        self.overall_limited = 0
        self._overall_stamps: deque[float] = deque()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 0
        self._updates_ready = threading.Condition()
        self._poll_generation = 0  # the newest getUpdates; an older one still waiting: 409
        self.conflicts = 0  # getUpdates answered 409 Conflict
        # setWebhook's url and secret_token; while set, updates are POSTed there and
        # getUpdates is a 409, as on Telegram.
        self.webhook: dict[str, str] | None = None
        self.webhook_answers: list[int] = []  # the webhook's HTTP status per delivery
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, int], Message] = {}
        self.rate_limited = 0
        self._chats: dict[str, _Chat] = {}
        self._faults: deque[Fault] = deque()
        self._rated: dict[int, deque[float]] = {}
        self._next_message_id = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ServerThread | None = None
        for chat in chats:
            self.add_chat(chat)

    # ---- lifecycle --------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeTelegram:
        """Listen on `port` (any free one by default: a test can start the fake late,
        on the port a service was told, to play a Bot API that comes up after it)."""
        server = _Server(("127.0.0.1", port), _Handler)
        server.fake = self
        self._server = ServerThread(server, "fake-telegram", poll_interval=0.05).start()
        return self

    def stop(self) -> None:
        self._release.set()  # wake hanging handlers
        with self._updates_ready:
            self._updates_ready.notify_all()  # and long polls
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        host, port = self._server.server.server_address[:2]
        return f"http://{host!s}:{port}"

    # ---- configuration ----------------------------------------------------------------

    def add_chat(self, name: str, state: str = "ok", *, kind: str = "channel") -> None:
        """Declare a chat ("@channel" or a numeric id) in which the bot can post; `kind`
        "group" for a group, whose members' messages reach the bot."""
        with self._lock:
            chat = self._chats.get(name)
            if chat is None:
                chat_id = int(name) if name.lstrip("-").isdigit() else -1001000000000 - len(
                    self._chats)
                chat = _Chat(name, chat_id, kind)
                self._chats[name] = chat
                self._chats[str(chat_id)] = chat
            chat.state = state

    def add_user(self, user_id: int) -> None:
        """A user who opened a private chat with the bot (the chat id is the user id)."""
        with self._lock:
            chat = _Chat(str(user_id), user_id, "private")
            self._chats[str(user_id)] = chat

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sending to them answers 403 from now on."""
        with self._lock:
            self._chats[str(user_id)].state = "blocked"

    def user_says(self, user_id: int, text: str, *, chat: str | None = None) -> None:
        """Queue a message from `user_id`: in their private chat, or in the declared group
        or channel `chat` (a channel's message arrives as a `channel_post`)."""
        with self._lock:
            if chat is None:
                where = self._chats.get(str(user_id)) or _Chat(str(user_id), user_id,
                                                               "private")
                self._chats.setdefault(str(user_id), where)
            else:
                where = self._chats[chat]
            self._next_message_id += 1
            message: dict[str, Any] = {"message_id": self._next_message_id,
                                       "date": int(time.time()), "chat": where.json(),
                                       "text": text}
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": utf16_len(command)}]
            if where.kind != "channel":
                message["from"] = {"id": user_id, "is_bot": False,
                                   "first_name": f"User {user_id}"}
        self._push_update({"channel_post" if where.kind == "channel" else "message": message})

    def user_presses(self, user_id: int, data: str) -> None:
        """Queue the press of an inline button carrying `data` under the last message the
        bot sent to `user_id`."""
        with self._lock:
            chat = self._chats[str(user_id)]
            mine = [m for m in self.messages.values() if m.chat == chat.name]
            message = self._message_json(chat, max(mine, key=lambda m: m.message_id))
        self._push_update({"callback_query": {
            "id": f"cb{user_id}-{time.monotonic_ns()}", "chat_instance": str(user_id),
            "from": {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"},
            "message": message, "data": data}})

    def _push_update(self, update: dict[str, Any]) -> None:
        with self._updates_ready:
            self._next_update_id += 1
            update = {"update_id": self._next_update_id, **update}
            webhook = self.webhook
            if webhook is None:
                self._updates.append(update)
                self._updates_ready.notify_all()
                return
        # A webhook is set: POSTed to it, as Telegram does, from a thread of its own (the
        # test's event loop may be the one that answers).
        threading.Thread(target=self._post_to_webhook, args=(webhook, update),
                         daemon=True).start()

    def _post_to_webhook(self, webhook: dict[str, str], update: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook["secret_token"]} \
            if webhook["secret_token"] else {}
        try:
            status = httpx.post(webhook["url"], json=update, headers=headers,
                                timeout=15).status_code
        except httpx.HTTPError:
            status = 0
        with self._lock:
            self.webhook_answers.append(status)

    def wait_webhook_answers(self, count: int, timeout: float = 20.0) -> list[int]:
        """The statuses the webhook answered, once `count` deliveries have ended."""
        deadline = time.monotonic() + timeout
        while len(self.webhook_answers) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.webhook_answers)

    def pending_updates(self) -> int:
        """Updates not yet acknowledged by a getUpdates offset."""
        with self._updates_ready:
            return len(self._updates)

    def set_chat_state(self, name: str, state: str) -> None:
        """"ok", "removed" (403 not a member), "not-admin" (400 need administrator
        rights) or "no-pin" (can post, cannot pin)."""
        self.add_chat(name, state)

    def fail_next(self, method: str | None = None, count: int = 1, *, status: int = 500,
                  description: str | None = None, hang: float = 0.0,
                  deliver: bool = False, retry_after: int | None = None) -> None:
        """The next `count` calls to `method` (any method if None) fail.

        `hang` holds the answer that many seconds first (past the client's timeout);
        with `deliver` the call is then carried out anyway (Telegram posted, the answer
        was lost) and with `status=0` it is the normal answer, arriving late.
        """
        default = {500: "Internal Server Error", 502: "Bad Gateway", 403: "Forbidden",
                   400: "Bad Request", 429: "Too Many Requests"}.get(status, "Error")
        with self._lock:
            for _ in range(count):
                self._faults.append(Fault(method, status, description or default, hang,
                                          deliver, retry_after))

    # ---- what happened ----------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls
                    if c.method == method and (ok is None or c.ok == ok)]

    def sent(self, chat: str | None = None) -> list[Message]:
        """Messages posted (in order), optionally in one chat, as they stand now."""
        with self._lock:
            found = sorted(self.messages.values(), key=lambda m: m.message_id)
        return [m for m in found if chat is None or self._same_chat(m.chat, chat)]

    def _same_chat(self, a: str, b: str) -> bool:
        ca, cb = self._chats.get(a), self._chats.get(b)
        return a == b or (ca is not None and ca is cb)

    # ---- the protocol -----------------------------------------------------------------

    def _error(self, status: int, description: str,
               parameters: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        answer: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            answer["parameters"] = parameters
        return status, answer

    def _dispatch(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix = "/bot"
        if not path.startswith(prefix) or path.count("/") != 2:
            return self._error(404, "Not Found")
        token, _, method = path[len(prefix):].partition("/")
        call = Call(method=method, params=params, at=time.monotonic())
        fault = self._take_fault(method)
        if fault is not None and fault.hang:
            self._release.wait(fault.hang)
            if not fault.deliver and fault.status:
                return self._record(call, -1, {})
        if token != self.token:
            return self._record(call, *self._error(401, "Unauthorized"))
        if fault is not None and fault.status and not fault.deliver:
            params_out = {"retry_after": fault.retry_after} if fault.retry_after else None
            return self._record(call, *self._error(fault.status, fault.description, params_out))
        if method == "getUpdates" and self.webhook is not None:
            return self._record(call, *self._error(
                409, "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first"))
        if method == "getUpdates":  # a long poll: waits without holding the lock
            updates = self._get_updates(params)
            if updates is None:
                self.conflicts += 1
                return self._record(call, *self._error(
                    409, "Conflict: terminated by other getUpdates request; make sure that "
                    "only one bot instance is running"))
            return self._record(call, 200, {"ok": True, "result": updates})
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._record(call, *self._error(404, "Not Found: method not found"))
        try:
            with self._lock:
                result = handler(params, call)
        except _Refusal as refusal:
            return self._record(call, *self._error(refusal.status, refusal.description,
                                                   refusal.parameters))
        return self._record(call, 200, {"ok": True, "result": result})

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method is None or fault.method == method:
                    self._faults.remove(fault)
                    return fault
        return None

    def _record(self, call: Call, status: int,
                answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        call.status = status
        call.description = str(answer.get("description", ""))
        with self._lock:
            self.calls.append(call)
        return status, answer

    def _chat(self, params: dict[str, Any]) -> _Chat:
        name = str(params.get("chat_id", ""))
        chat = self._chats.get(name)
        if chat is None:
            raise _Refusal(400, "Bad Request: chat not found")
        if chat.state == "blocked":
            raise _Refusal(403, "Forbidden: bot was blocked by the user")
        if chat.state == "removed":
            raise _Refusal(403, "Forbidden: bot is not a member of the channel chat")
        if chat.state == "not-admin":
            raise _Refusal(400, "Bad Request: need administrator rights in the channel chat")
        return chat

    def _rate_check(self, chat: _Chat, call: Call) -> None:
        if self.overall is not None:
            limit, window = self.overall
            stamps = self._overall_stamps
            while stamps and call.at - stamps[0] >= window:
                stamps.popleft()
            if len(stamps) >= limit:
                self.rate_limited += 1
                self.overall_limited += 1
                wait = max(1, math.ceil(stamps[0] + window - call.at))
                raise _Refusal(429, f"Too Many Requests: retry after {wait}",
                               {"retry_after": wait})
        self._chat_rate_check(chat, call)
        if self.overall is not None:
            self._overall_stamps.append(call.at)

    def _chat_rate_check(self, chat: _Chat, call: Call) -> None:
        if self.rate is None:
            return
        limit, window = self.rate
        stamps = self._rated.setdefault(chat.id, deque())
        while stamps and call.at - stamps[0] >= window:
            stamps.popleft()
        if len(stamps) >= limit:
            self.rate_limited += 1
            wait = max(1, math.ceil(stamps[0] + window - call.at))
            raise _Refusal(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        stamps.append(call.at)

    def _message_json(self, chat: _Chat, message: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": chat.json(),
        }
        if message.kind == "photo":
            data["photo"] = [{"file_id": f"photo-{message.message_id}",
                              "file_unique_id": f"u{message.message_id}",
                              "width": 800, "height": 450}]
            if message.text:
                data["caption"] = message.text
        else:
            data["text"] = message.text
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _text(self, params: dict[str, Any], key: str, limit: int) -> tuple[str, str]:
        """(raw, as shown) for the `text` or `caption` parameter, validated."""
        raw = str(params.get(key, ""))
        parse_mode = params.get("parse_mode")
        if parse_mode and str(parse_mode).upper() == "HTML":
            try:
                shown = parse_html(raw)
            except EntityError as exc:
                raise _Refusal(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode:
            raise _Refusal(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        else:
            shown = raw
        if utf16_len(shown) > limit:
            raise _Refusal(400, "Bad Request: message caption is too long"
                           if key == "caption" else "Bad Request: message is too long")
        if key == "text" and not shown.strip():
            raise _Refusal(400, "Bad Request: message text is empty")
        return raw, shown

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = _json_param(params.get("reply_markup"))
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                url = str(button.get("url", ""))
                if not button.get("text"):
                    raise _Refusal(400, "Bad Request: text buttons are unallowed in the "
                                        "inline keyboard")
                if "callback_data" in button:
                    if not 1 <= len(str(button["callback_data"]).encode()) <= 64:
                        raise _Refusal(400, "Bad Request: BUTTON_DATA_INVALID")
                    continue
                if not url.startswith(("http://", "https://", "tg://")):
                    raise _Refusal(400, "Bad Request: BUTTON_URL_INVALID")
        return dict(markup)

    def _new_message(self, chat: _Chat, kind: str, raw: str, shown: str,
                     params: dict[str, Any], markup: dict[str, Any] | None,
                     call: Call) -> dict[str, Any]:
        self._next_message_id += 1
        message = Message(
            chat=chat.name, message_id=self._next_message_id, kind=kind, html=raw, text=shown,
            parse_mode=params.get("parse_mode"), reply_markup=markup,
            photo=params.get("photo"), silent=str(params.get("disable_notification")) == "true")
        self.messages[(chat.name, message.message_id)] = message
        call.message_id = message.message_id
        return self._message_json(chat, message)

    # Each _m_<method> runs under self._lock and returns the `result` of a good answer.

    def _m_getMe(self, params: dict[str, Any], call: Call) -> Any:
        return {"id": 4242, "is_bot": True, "first_name": "Fake feedbot",
                "username": "fake_feedbot", "can_join_groups": False,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_getChat(self, params: dict[str, Any], call: Call) -> Any:
        chat = self._chat(params)
        return {"id": chat.id, "type": "channel", "title": chat.name, "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _m_sendMessage(self, params: dict[str, Any], call: Call) -> Any:
        chat = self._chat(params)
        self._rate_check(chat, call)
        raw, shown = self._text(params, "text", MESSAGE_LIMIT)
        markup = self._markup(params)
        return self._new_message(chat, "text", raw, shown, params, markup, call)

    def _m_sendPhoto(self, params: dict[str, Any], call: Call) -> Any:
        chat = self._chat(params)
        self._rate_check(chat, call)
        photo = str(params.get("photo", ""))
        if not photo.startswith(("http://", "https://")):
            raise _Refusal(400, "Bad Request: wrong remote file identifier specified")
        raw, shown = self._text(params, "caption", CAPTION_LIMIT)
        markup = self._markup(params)
        return self._new_message(chat, "photo", raw, shown, params, markup, call)

    def _edit(self, params: dict[str, Any], call: Call, key: str) -> Any:
        chat = self._chat(params)
        self._rate_check(chat, call)
        message = self.messages.get((chat.name, int(params.get("message_id", 0))))
        if message is None:
            raise _Refusal(400, "Bad Request: message to edit not found")
        if key == "text" and message.kind != "text":
            raise _Refusal(400, "Bad Request: there is no text in the message to edit")
        if key == "caption" and message.kind != "photo":
            raise _Refusal(400, "Bad Request: there is no caption in the message to edit")
        raw, shown = self._text(params, key, MESSAGE_LIMIT if key == "text" else CAPTION_LIMIT)
        markup = self._markup(params)
        if shown == message.text and markup == message.reply_markup:
            raise _Refusal(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a content "
                                "and reply markup of the current message")
        message.history.append(message.html)
        message.html, message.text, message.reply_markup = raw, shown, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        call.message_id = message.message_id
        return self._message_json(chat, message)

    def _m_editMessageText(self, params: dict[str, Any], call: Call) -> Any:
        return self._edit(params, call, "text")

    def _m_editMessageCaption(self, params: dict[str, Any], call: Call) -> Any:
        return self._edit(params, call, "caption")

    def _m_pinChatMessage(self, params: dict[str, Any], call: Call) -> Any:
        chat = self._chat(params)
        if chat.state == "no-pin":
            raise _Refusal(400, "Bad Request: not enough rights to manage pinned messages in "
                                "the chat")
        self._rate_check(chat, call)
        message = self.messages.get((chat.name, int(params.get("message_id", 0))))
        if message is None:
            raise _Refusal(400, "Bad Request: message to pin not found")
        message.pinned = True
        call.message_id = message.message_id
        return True

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Updates from `offset` on, waiting up to `timeout` seconds for one; an offset
        acknowledges (forgets) every update before it, as Telegram does. None (a 409
        Conflict) for a long poll ended by a newer one: Telegram allows one consumer."""
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        allowed = _json_param(params.get("allowed_updates"))
        deadline = time.monotonic() + timeout
        with self._updates_ready:
            self._poll_generation += 1
            mine = self._poll_generation
            self._updates_ready.notify_all()  # a poll still waiting is the older one
            while True:
                if self._poll_generation != mine:
                    return None
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                found = [u for u in self._updates
                         if not allowed or any(k in u for k in allowed)]
                left = deadline - time.monotonic()
                if found or left <= 0 or self._release.is_set():
                    return found[:limit]
                self._updates_ready.wait(min(left, 0.5))

    def _m_deleteWebhook(self, params: dict[str, Any], call: Call) -> Any:
        self.webhook = None
        return True

    def _m_setWebhook(self, params: dict[str, Any], call: Call) -> Any:
        url = str(params.get("url", ""))
        if not url:  # Telegram: an empty url removes the webhook
            self.webhook = None
            return True
        self.webhook = {"url": url, "secret_token": str(params.get("secret_token", ""))}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], call: Call) -> Any:
        return {"url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _m_setMyCommands(self, params: dict[str, Any], call: Call) -> Any:
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], call: Call) -> Any:
        return True
