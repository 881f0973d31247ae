"""A fake OpenAI-compatible server: real HTTP on 127.0.0.1, scripted per test.

POST /v1/chat/completions answers from a script (a list of Step, consumed in order; the last
step repeats once the list is used up). Tool-call answers use the tool name from the request,
as instructor's TOOLS mode expects; JSON-mode requests (no tools) get the arguments as content.
A `schema_following()` step acts as a strict model: it answers with an instance of exactly the
schema the request carries (schema_model.py). Every request is recorded (method, path, headers,
JSON body) with its token count; steps with `usage=None` bill the counted tokens.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.fakes import schema_model


@dataclass(frozen=True)
class Step:
    status: int = 200
    arguments: dict[str, Any] | str | None = None  # str: sent verbatim (e.g. broken JSON)
    content: str | None = None  # a plain text answer with no tool call
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (slow endpoint)
    usage: tuple[int, int] | None = (120, 30)  # None: bill the counted tokens
    follow_schema: bool = False


def schema_following() -> Step:
    return Step(follow_schema=True, usage=None)


def answer(**arguments: Any) -> Step:
    return Step(arguments=arguments)


def broken_json() -> Step:
    return Step(arguments='{"category": "settlement_delay", "confidence": 0.9, "rationale": ')


def error(status: int, retry_after: str | None = None) -> Step:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Step(status=status, headers=headers)


def slow(seconds: float) -> Step:
    return Step(arguments={}, delay=seconds)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.body)

    @property
    def tokens_in(self) -> int:
        return schema_model.request_tokens(self.body)


class FakeOpenAI:
    """With `upstream` set it is a recording proxy in front of a real server instead."""

    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream.rstrip("/") if upstream else None
        self.script: list[Step] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._release = threading.Event()  # set on stop, so slow answers end promptly
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def set_script(self, *steps: Step) -> None:
        with self._lock:
            self.script = list(steps)

    def next_step(self, recorded: Recorded) -> Step:
        with self._lock:
            self.requests.append(recorded)
            if not self.script:
                return error(500)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def wait(self, seconds: float) -> None:
        self._release.wait(seconds)


def _completion(step: Step, body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": step.content}
    arguments = schema_model.follow(body)[1] if step.follow_schema else step.arguments
    if arguments is not None:
        text = arguments if isinstance(arguments, str) else json.dumps(arguments)
        tools = body.get("tools") or []
        if tools:
            name = tools[0]["function"]["name"]
            message["tool_calls"] = [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": text}}
            ]
        else:
            message["content"] = text
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    written = json.dumps(message.get("tool_calls") or message.get("content") or "")
    counted = (schema_model.request_tokens(body), schema_model.count_tokens(written))
    tokens_in, tokens_out = step.usage or counted
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
    }


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            body = json.loads(raw or b"{}")
            recorded = Recorded("POST", self.path, dict(self.headers), body)
            if fake.upstream:
                self._proxy(recorded)
                return
            step = fake.next_step(recorded)
            if step.delay:
                fake.wait(step.delay)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}}, {})
            elif step.status != 200:
                self._send(step.status, {"error": {"message": "scripted failure"}}, step.headers)
            else:
                self._answer(step, body)

        def _answer(self, step: Step, body: dict[str, Any]) -> None:
            try:
                payload = _completion(step, body)
            except (KeyError, TypeError, ValueError):
                # A real endpoint rejects a structured-output request it cannot follow.
                self._send(400, {"error": {"message": "no usable response schema"}}, {})
                return
            self._send(200, payload, step.headers)

        def _proxy(self, recorded: Recorded) -> None:
            with fake._lock:
                fake.requests.append(recorded)
            path = recorded.path.removeprefix("/v1")
            reply = httpx.post(f"{fake.upstream}{path}", json=recorded.body, timeout=600)
            self._send(reply.status_code, reply.json(), {})

        def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (timeout test)

    return Handler


def running(upstream: str | None = None) -> Iterator[FakeOpenAI]:
    """Generator for a pytest fixture: a started server, stopped afterwards."""
    fake = FakeOpenAI(upstream).start()
    try:
        yield fake
    finally:
        fake.stop()
