"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for the http: judge's tests.

Modes: ok (answers the letter of the answer that mentions `prefer`), flaky (503 for the first
`fail_first` requests), stall (sleeps past any client timeout), garbage (not JSON), chatty (free text).
It counts requests, the most in flight at once, and the Authorization headers it saw.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JudgeServer:
    def __init__(self, mode: str = "ok", fail_first: int = 0, delay_s: float = 0.0, prefer: str = "Stockholm"):
        self.mode, self.fail_first, self.delay_s, self.prefer = mode, fail_first, delay_s, prefer
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.auth: list[str | None] = []
        self.models: list[str] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                with server._lock:
                    server.requests += 1
                    n = server.requests
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.auth.append(self.headers.get("Authorization"))
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                    server.models.append(body.get("model"))
                    self._answer(n, body)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, n: int, body: dict[str, Any]) -> None:
                if server.delay_s:
                    time.sleep(server.delay_s)
                if server.mode == "stall":
                    time.sleep(10)
                    return
                if server.mode == "flaky" and n <= server.fail_first:
                    self._send(503, b'{"error": "overloaded"}')
                    return
                if server.mode == "garbage":
                    self._send(200, b"<html>502 bad gateway</html>")
                    return
                prompt = body["messages"][-1]["content"]
                a = prompt.split("Answer A:")[-1].split("Answer B:")[0]
                letter = "A" if server.prefer in a else "B"
                content = "I think both are fine." if server.mode == "chatty" else letter
                reply = {"id": "x", "object": "chat.completion", "model": body.get("model"),
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                      "finish_reason": "stop"}]}
                self._send(200, json.dumps(reply).encode())

            def _send(self, code: int, data: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> JudgeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
