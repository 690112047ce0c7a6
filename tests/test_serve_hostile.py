"""Hostile and malformed requests to a real `signalbrief serve`, sent over raw sockets (http.client
cannot send most of them): each gets a status line and a short body, never a traceback."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import BETA, VALID


class Served:
    """`signalbrief serve --port 0` in a subprocess, its stderr collected as it comes."""

    def __init__(self, root: Path, tmp_path: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "signalbrief", "-C", str(root), "serve", "--port", "0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SIGNALBRIEF_MODELS": str(tmp_path / "no-models")},
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.port = self._wait_for_port()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            for line in self.lines:
                found = re.search(r"previewing on http://127\.0\.0\.1:(\d+)/", line)
                if found:
                    return int(found.group(1))
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"the preview did not start: {self.stderr}")

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def interrupt(self, seconds: float = 10) -> int:
        """Press Ctrl+C; return the exit code."""
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"Ctrl+C did not stop the preview within {seconds} s") from None
        self.reader.join(5)
        return code


def exchange(port: int, raw: bytes) -> bytes:
    """Send raw bytes to the server and return everything it answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def request(method: str, target: str, host: str | None = "HOST", extra: str = "") -> bytes:
    host_line = f"Host: {host}\r\n" if host is not None else ""
    return f"{method} {target} HTTP/1.1\r\n{host_line}{extra}\r\n".encode("latin-1")


# (request, expected status); "HOST" is replaced by the server's own host and port.
CORPUS: list[tuple[bytes, int]] = [
    (request("GET", "/%00"), 400),
    (request("GET", "/public/en/%00/"), 400),
    (request("GET", "/public/en/index.html%00.md"), 400),
    (request("GET", "/%ff"), 400),
    (request("GET", "/public/%c0%ae%c0%ae/signalbrief.yaml"), 400),  # overlong UTF-8 dots
    (request("GET", "/%01"), 400),
    (request("GET", "/%7f"), 400),
    (request("GET", "/../../etc/passwd"), 400),
    (request("GET", "/%2e%2e/%2e%2e/etc/passwd"), 400),
    (request("GET", "/%2E%2E/signalbrief.yaml"), 400),
    (request("GET", "/..%2f..%2fetc%2fpasswd"), 400),
    (request("GET", "/public/..%2f..%2f..%2fsignalbrief.yaml"), 400),
    (request("GET", "/public/en/%2e%2e/%2e%2e/%2e%2e/briefs/alpha.yaml"), 400),
    (request("GET", "/..\\..\\etc\\passwd"), 400),
    (request("GET", "/%5c..%5c..%5cetc%5cpasswd"), 400),
    (request("GET", "/..%5c..%5csignalbrief.yaml"), 400),
    (request("GET", "/./public/en/"), 400),
    (request("GET", "/%252e%252e/signalbrief.yaml"), 404),  # double encoding: a literal name
    (request("GET", "//etc/passwd"), 404),
    (request("GET", "/.signalbrief-output"), 404),
    (request("GET", "/public/en/alpha/index.html/x"), 404),
    (request("GET", "/" + "a" * 300), 404),  # a name longer than the file system allows
    (request("GET", "/" + "a/" * 1500), 414),
    (request("GET", "/caf\u00e9"), 400),  # raw non-ASCII in the request line
    (request("GET", "http://127.0.0.1/public/en/"), 400),  # absolute form
    (request("GET", "http://evil.example/"), 400),
    (request("GET", "*"), 400),
    (request("GET", "public/en/"), 400),
    (request("POST", "/"), 405),
    (request("PUT", "/public/en/x.html", extra="Content-Length: 0\r\n"), 405),
    (request("DELETE", "/public/en/"), 405),
    (request("PATCH", "/"), 405),
    (request("OPTIONS", "*"), 405),
    (request("TRACE", "/"), 405),
    (request("CONNECT", "evil.example:443"), 405),
    (request("BREW", "/"), 501),
    (request("GET", "/", host="evil.example"), 400),
    (request("GET", "/public/en/", host="attacker.example:PORT"), 400),
    (request("GET", "/public/en/", host="127.0.0.1:1"), 400),
    (request("GET", "/public/en/", host="127.0.0.1.nip.io:PORT"), 400),
    (request("GET", "/public/en/", host=""), 400),
    (request("GET", "/public/en/", host=None), 400),
    (request("GET", "/public/en/", extra="Host: evil.example\r\n"), 400),  # a second Host
    (request("GET", "/__signalbrief__/reload"), 400),
    (request("GET", "/__signalbrief__/reload?since=%3Cscript%3E"), 400),
    (request("GET", "/__signalbrief__/nothing"), 404),
    (b"GET / HTTP/9.9\r\nHost: HOST\r\n\r\n", 505),
    (b"GET / HTTP/1.1 extra\r\nHost: HOST\r\n\r\n", 400),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n", 400),  # TLS hello
    (request("GET", "/public/en/", extra="X-Long: " + "a" * 70000 + "\r\n"), 431),
]


def test_hostile_requests_get_a_status_line_and_never_a_traceback(publication, tmp_path):
    root = publication({"alpha": VALID, "beta": BETA})
    served = Served(root, tmp_path)
    try:
        failures = []
        for raw, status in CORPUS:
            raw = raw.replace(b"HOST", f"127.0.0.1:{served.port}".encode()).replace(b"PORT", str(served.port).encode())
            answer = exchange(served.port, raw)
            head, _, body = answer.partition(b"\r\n\r\n")
            if not re.match(rb"HTTP/1\.[01] %d " % status, head) or not body.strip():
                failures.append(f"{raw[:80]!r}: {answer[:200]!r}")
        assert not failures, "\n".join(failures)
        ok = exchange(served.port, request("GET", "/public/en/alpha/").replace(b"HOST", f"127.0.0.1:{served.port}".encode()))
        assert ok.startswith(b"HTTP/1.0 200 ")  # the server still answers after all of that
    finally:
        code = served.interrupt()
    assert "Traceback" not in served.stderr and "Error" not in served.stderr, served.stderr
    assert code == 0, served.stderr


def test_head_answers_like_get_without_a_body(publication, tmp_path):
    root = publication({"alpha": VALID, "beta": BETA})
    served = Served(root, tmp_path)
    try:
        host = f"127.0.0.1:{served.port}"
        got = exchange(served.port, request("GET", "/public/zh/alpha.md", host=host))
        head = exchange(served.port, request("HEAD", "/public/zh/alpha.md", host=host))
    finally:
        served.interrupt()
    _, _, got_body = got.partition(b"\r\n\r\n")
    head_head, _, head_body = head.partition(b"\r\n\r\n")
    assert head_head.startswith(b"HTTP/1.0 200 ") and head_body == b""
    assert f"Content-Length: {len(got_body)}".encode() in head_head
    assert b"Content-Type: text/markdown; charset=utf-8" in head_head


def test_ctrl_c_stops_the_preview_while_a_reload_poll_waits(publication, tmp_path):
    root = publication({"alpha": VALID, "beta": BETA})
    served = Served(root, tmp_path)
    host = f"127.0.0.1:{served.port}"
    page = exchange(served.port, request("GET", "/public/en/alpha/", host=host))
    generation = re.search(rb'data-generation="([0-9a-f.]+)"', page).group(1).decode()
    waiting = socket.create_connection(("127.0.0.1", served.port), timeout=30)
    try:
        waiting.sendall(request("GET", f"/__signalbrief__/reload?since={generation}", host=host))
        time.sleep(0.5)  # the poll is now held by the server
        started = time.monotonic()
        code = served.interrupt()
        assert time.monotonic() - started < 5
    finally:
        waiting.close()
    assert code == 0
    assert "Traceback" not in served.stderr and served.stderr.rstrip().endswith("stopped"), served.stderr
