"""A real OpenAI-compatible HTTP server on 127.0.0.1 whose replies the test scripts.

Tests `enqueue` what the next requests get (a chat reply, an HTTP error, a delay) and read
back what arrived in `requests`. When the queue is empty the server answers 500 with a body
that says so, so a test that forgot to script a reply fails loudly instead of hanging.
"""

import email
import email.policy
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] | None = None
    delay: float = 0.0
    stream_chunks: list[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunk_delay: float = 0.0  # pause before each streamed chunk, e.g. to stall a stream mid-way
    trickle: float = 0.0  # send the body one byte at a time with this pause between bytes
    close_after: int | None = None  # send only this many bytes (or stream chunks), then drop the connection
    raw: bytes | None = None  # sent as the body instead of `body`: a cut-off or empty JSON body, a malformed stream
    content_type: str = "application/json"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def form(self) -> dict[str, tuple[str | None, bytes]]:
        """A multipart/form-data body as {field: (filename or None, content)}."""
        content_type = next(v for k, v in self.headers.items() if k.lower() == "content-type")
        message = email.message_from_bytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + self.body, policy=email.policy.HTTP
        )
        return {
            part.get_param("name", header="content-disposition"): (part.get_filename(), part.get_payload(decode=True))
            for part in message.iter_parts()
        }


def chat_completion(
    content: str, *, prompt_tokens: int = 100, completion_tokens: int = 50, model: str = "scripted-model"
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) refuses connections when dozens of client threads connect at once.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its deadline passed) resets the connection: expected, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ScriptedOpenAIServer:
    """Start with `with ScriptedOpenAIServer() as server:`; point clients at `server.base_url`."""

    def __init__(self, default: Reply | None = None, respond: "Callable[[Received], Reply] | None" = None) -> None:
        """`respond`, when given, answers every request from what it asked (e.g. by its response_format)."""
        self.queues: dict[str, deque[Reply]] = {}
        self.default = default
        self.respond = respond
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown (and so every test's teardown) fast.
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def enqueue(
        self, reply: Reply | dict[str, Any] | str, *, path: str = "/v1/chat/completions", times: int = 1
    ) -> None:
        """Script the next reply for `path`. A str is a chat message content; a dict a JSON body."""
        if isinstance(reply, str):
            reply = Reply(body=chat_completion(reply))
        elif isinstance(reply, dict):
            reply = Reply(body=reply)
        with self._lock:
            queue = self.queues.setdefault(path, deque())
            for _ in range(times):
                queue.append(reply)

    def received(self, path: str = "/v1/chat/completions") -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _next(self, path: str, received: "Received") -> Reply:
        if self.respond is not None:
            return self.respond(received)
        with self._lock:
            queue = self.queues.get(path)
            if queue:
                return queue.popleft()
        if self.default is not None:
            return self.default
        return Reply(status=500, body={"error": {"message": f"nothing scripted for {path}"}})

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.path, dict(self.headers), body)
                with server._lock:
                    server.requests.append(received)
                reply = server._next(self.path, received)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    if reply.stream_chunks is not None:
                        self._stream(reply)
                    else:
                        self._send_json(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            # GET /v1/models is how a client checks the server answers: scripted like any other path.
            do_GET = do_POST

            def _send_json(self, reply: Reply) -> None:
                data = reply.raw if reply.raw is not None else json.dumps(reply.body or {}).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if reply.close_after is not None:
                    self.wfile.write(data[: reply.close_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if not reply.trickle:
                    self.wfile.write(data)
                    return
                for i in range(len(data)):
                    self.wfile.write(data[i : i + 1])
                    self.wfile.flush()
                    time.sleep(reply.trickle)

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for i, chunk in enumerate(reply.stream_chunks or []):
                    if reply.close_after is not None and i >= reply.close_after:
                        self.close_connection = True
                        return
                    if reply.chunk_delay and i:
                        time.sleep(reply.chunk_delay)
                    event = {
                        "id": "chatcmpl-scripted",
                        "object": "chat.completion.chunk",
                        "created": 0,
                        "model": "scripted-model",
                        "choices": [{"index": 0, "delta": {"content": chunk}, "finish_reason": None}],
                    }
                    if i == 0:
                        event["choices"][0]["delta"]["role"] = "assistant"
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                done = {
                    "id": "chatcmpl-scripted",
                    "object": "chat.completion.chunk",
                    "created": 0,
                    "model": "scripted-model",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

        return Handler

    def __enter__(self) -> "ScriptedOpenAIServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
