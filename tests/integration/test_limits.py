"""Limits with clear answers: bodies (413, 408), the journal's size, and slow or stuck clients.

The body limit is checked in-process; what only a real connection shows (memory while a big
upload is refused, slow-loris heads, half-sent bodies, SIGTERM) against a real server on a
free port, over raw sockets. Time limits are generous: they say "dropped at all", not "fast".
"""

from __future__ import annotations

import asyncio
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pytest

from mock_server.app import MockApplication
from mock_server.handlers.journal import Journal
from mock_server.messages import MockRequest
from mock_server.settings import DEFAULT_MAX_BODY, Settings

if TYPE_CHECKING:
    from conftest import ASGIClient

CUSTOM_INSTRUCTION = "/api/ai-mentor/orgs/main/users/alice/custom-instruction/"
LIMIT = 4096
TOO_LARGE = {"detail": f"Request body exceeds the {LIMIT}-byte limit."}
DROPPED_WITHIN = 30.0  # seconds: the server's deadlines are a few seconds; this is the slack
START_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def limited_app(mock_app: MockApplication) -> MockApplication:
    return MockApplication(Settings(max_body=LIMIT), loaded=mock_app.loaded)


@pytest.fixture(scope="module")
def limited(limited_app: MockApplication, make_client: Callable[[Any], ASGIClient]) -> ASGIClient:
    return make_client(limited_app.asgi)


def _profession(size: int) -> bytes:
    """A valid JSON body of exactly `size` bytes."""
    frame = b'{"profession": ""}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


# --- the body limit, in-process ----------------------------------------------------------------


def test_a_declared_length_over_the_limit_is_413(limited: ASGIClient) -> None:
    response = limited.post(
        CUSTOM_INSTRUCTION, content=b"x" * (LIMIT + 1), headers={"content-type": "text/plain"}
    )
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    entry = limited.get("/__mock__/requests").json()["results"][0]
    assert (entry["path"], entry["status"], entry["problems"]) == (
        CUSTOM_INSTRUCTION,
        413,
        [TOO_LARGE["detail"]],
    )


def test_a_body_at_the_limit_goes_through(limited: ASGIClient) -> None:
    body = _profession(LIMIT)
    response = limited.post(
        CUSTOM_INSTRUCTION, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400  # the engine read it: profession is too long for DRF
    assert "profession" in response.json()


def test_a_chunked_body_is_read_up_to_the_limit_then_413(limited: ASGIClient) -> None:
    async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    response = limited.post(CUSTOM_INSTRUCTION, content=chunks(*[b"x" * 1024] * 8))
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    small = limited.post(
        CUSTOM_INSTRUCTION,
        content=chunks(b'{"profession": ', b'"Surveyor"}'),
        headers={"content-type": "application/json"},
    )
    assert small.status_code in (200, 201), small.text


def _call(app: Any, headers: list[tuple[bytes, bytes]], messages: list[dict[str, Any]]) -> Any:
    """Drive the ASGI app directly: the status it answers and how many body messages it read."""
    pulled: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if len(pulled) == len(messages):
            await asyncio.sleep(3600)
        pulled.append(messages[len(pulled)])
        return pulled[-1]

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CUSTOM_INSTRUCTION,
        "raw_path": CUSTOM_INSTRUCTION.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    return sent[0]["status"], len(pulled)


def test_the_413_comes_before_the_body_is_read(limited_app: MockApplication) -> None:
    body = {"type": "http.request", "body": b"x" * (LIMIT + 1), "more_body": False}
    status, pulled = _call(limited_app.asgi, [(b"content-length", b"%d" % (LIMIT + 1))], [body])
    assert (status, pulled) == (413, 0)


def test_an_endless_chunked_body_is_read_no_further_than_the_limit(
    limited_app: MockApplication,
) -> None:
    chunk = {"type": "http.request", "body": b"x" * 1024, "more_body": True}
    status, pulled = _call(limited_app.asgi, [(b"transfer-encoding", b"chunked")], [chunk] * 1000)
    assert (status, pulled) == (413, LIMIT // 1024 + 1)


def test_the_default_limit_is_10_mib(mock_app: MockApplication) -> None:
    assert Settings().max_body == DEFAULT_MAX_BODY == 10 * 1024 * 1024
    body = {"type": "http.request", "body": b"", "more_body": False}
    status, pulled = _call(mock_app.asgi, [(b"content-length", b"%d" % (10 * 2**20 + 1))], [body])
    assert (status, pulled) == (413, 0)


# --- the journal's size ------------------------------------------------------------------------


def test_a_malformed_body_is_not_kept_in_the_journal(limited: ASGIClient) -> None:
    body = b'{"profession": "' + b"A" * (LIMIT - 100)
    response = limited.post(
        CUSTOM_INSTRUCTION, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    entry = limited.get("/__mock__/requests").json()["results"][0]
    assert entry["status"] == 400
    assert sum(map(len, entry["problems"])) <= 2048


def test_journal_entries_are_clipped() -> None:
    journal = Journal(field_chars=100)
    request = MockRequest(
        "get", "/p/" + "a" * 10_000, "", query=(("q", "b" * 10_000), ("r", "c") * 1) * 50
    )
    journal.record(request, None, 400, ["d" * 10_000, "e" * 10_000])
    entry = journal.entries()[0]
    assert len(entry["path"]) <= 100 and entry["path"].startswith("/p/aaa")
    assert sum(len(name) + len(value) for name, value in entry["query"]) <= 100
    assert sum(map(len, entry["problems"])) <= 100
    assert len(orjson.dumps(entry)) < 1000


def test_the_journal_stays_under_its_byte_budget() -> None:
    journal = Journal(size=200, max_chars=50_000, field_chars=2048)
    request = MockRequest("post", "/" + "p" * 5000, "", query=(("q", "v" * 5000),))
    for _ in range(500):
        journal.record(request, "op", 400, ["x" * 5000])
    assert journal.chars <= 50_000
    assert len(orjson.dumps(journal.entries())) <= 50_000
    assert 5 < len(journal.entries()) < 200  # bytes, not entries, bound it here


def test_the_default_journal_is_bounded_in_bytes(mock_app: MockApplication) -> None:
    assert type(mock_app.engine.journal) is Journal
    journal = Journal()  # the engine's defaults, without filling the session's journal
    request = MockRequest("post", "/" + "p" * 100_000, "", query=(("q", "v" * 100_000),))
    for _ in range(300):
        journal.record(request, None, 400, ["x" * 100_000])
    assert len(orjson.dumps(journal.entries())) < 4 * 1024 * 1024


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"profession": "' + b"s3cr3t-" * 500),
        ("application/json", b"s3cr3t-" * 500 + b"\xff"),
        ("application/x-www-form-urlencoded", b"profession=" + b"s3cr3t-" * 500 + b"&%zz"),
        ("multipart/form-data; boundary=zz", b"--zz\r\n" + b"s3cr3t-" * 500),
        ("multipart/form-data", b"s3cr3t-" * 500),
    ],
)
def test_a_malformed_body_is_not_echoed_in_the_answer(
    client: ASGIClient, content_type: str, body: bytes
) -> None:
    response = client.post(CUSTOM_INSTRUCTION, content=body, headers={"content-type": content_type})
    assert 400 <= response.status_code < 500
    assert b"s3cr3t" not in response.content


# --- a real server -----------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    kept = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("IBL_MOCK_") or k == "IBL_MOCK_CACHE_DIR"
    }
    return {**kept, "PYTHONUNBUFFERED": "1"}


class RealServer:
    def __init__(self, *args: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        command = [sys.executable, "-m", "mock_server", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--log-level", "warning", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_environment(),
        )
        self._output = b""
        self._await_ready()

    def _await_ready(self) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        while b"ibl-mock ready:" not in self._output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"ibl-mock did not start: {self._output.decode(errors='replace')}")
            ready, _, _ = select.select([self.process.stdout], [], [], 1.0)
            if ready:
                self._output += os.read(self.process.stdout.fileno(), 65536)

    def memory_kib(self, field: str) -> int:
        """VmRSS (now) or VmHWM (peak) of the server process, in KiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.process.pid}/status")

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=DROPPED_WITHIN)
        return sock

    def head(self, method: str, path: str, *headers: str) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", *headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture(scope="module")
def server() -> Iterator[RealServer]:
    running = RealServer()
    try:
        yield running
    finally:
        running.stop()


def _response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "closed in the middle of the answer"
        body += chunk
    return int(status_line.split()[1]), headers, body


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes the connection within `seconds` (what it sends is skipped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
    return False


def test_a_100_mb_upload_is_refused_with_flat_memory(server: RealServer) -> None:
    size, chunk = 100 * 1024 * 1024, b"x" * (1024 * 1024)
    with server.connect() as warm:  # the first answer's one-off allocations, out of the way
        warm.sendall(server.head("GET", "/__mock__/state"))
        assert _response(warm)[0] == 200
    peak_before = server.memory_kib("VmHWM")
    with server.connect() as sock:
        sock.sendall(
            server.head(
                "POST",
                CUSTOM_INSTRUCTION,
                "Authorization: Api-Key test-key",
                "Content-Type: multipart/form-data; boundary=x",
                f"Content-Length: {size}",
            )
        )
        for _ in range(size // len(chunk)):
            sock.sendall(chunk)  # the server reads and drops it: the client can finish
        status, _, body = _response(sock)
        assert (status, orjson.loads(body)) == (
            413,
            {"detail": f"Request body exceeds the {DEFAULT_MAX_BODY}-byte limit."},
        )
        sock.sendall(server.head("GET", "/__mock__/state"))  # and the connection goes on
        assert _response(sock)[0] == 200
    growth_mib = (server.memory_kib("VmHWM") - peak_before) / 1024
    assert growth_mib < 50, f"peak RSS grew {growth_mib:.0f} MiB for a refused 100 MiB body"


def test_a_chunked_body_over_the_limit_is_refused(server: RealServer) -> None:
    chunk = b"x" * (1024 * 1024)
    with server.connect() as sock:
        sock.sendall(
            server.head(
                "POST",
                CUSTOM_INSTRUCTION,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
            )
        )
        for _ in range(11):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        status, _, body = _response(sock)
        assert status == 413, body
        assert b"-byte limit" in body


def test_an_idle_new_connection_is_dropped(server: RealServer) -> None:
    with server.connect() as sock:
        assert _closed_within(sock, DROPPED_WITHIN)


def test_an_idle_keep_alive_connection_is_dropped(server: RealServer) -> None:
    with server.connect() as sock:
        sock.sendall(server.head("GET", "/__mock__/state"))
        assert _response(sock)[0] == 200
        assert _closed_within(sock, DROPPED_WITHIN)


def test_a_head_sent_slowly_is_dropped(server: RealServer) -> None:
    head = server.head("GET", "/__mock__/state", *(f"X-Slow-{i}: {i}" for i in range(200)))
    with server.connect() as sock:
        deadline = time.monotonic() + DROPPED_WITHIN
        for byte in head[:-4]:  # never complete
            assert time.monotonic() < deadline, "a slow-loris head held the connection"
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                return
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable and _closed_within(sock, 0.1):
                return
        pytest.fail("the whole head was accepted byte by byte")


def test_an_oversized_head_is_refused(server: RealServer) -> None:
    with server.connect() as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Big: ".encode())
        try:
            for _ in range(64):
                sock.sendall(b"a" * 16384)
        except (BrokenPipeError, ConnectionResetError):
            return
        status, _, _ = _response(sock)
        assert status == 431


def test_a_half_sent_body_is_answered_408_and_dropped(server: RealServer) -> None:
    with server.connect() as sock:
        sock.sendall(
            server.head(
                "POST",
                CUSTOM_INSTRUCTION,
                "Content-Type: application/json",
                "Content-Length: 1000",
            )
        )
        sock.sendall(b'{"profession": "')
        status, headers, body = _response(sock)
        assert status == 408
        assert headers["connection"] == "close"
        assert orjson.loads(body)["detail"].startswith("Request body not received in time")
        assert _closed_within(sock, DROPPED_WITHIN)


def test_a_refused_body_read_to_its_end_leaves_an_idle_connection_that_is_dropped(
    server: RealServer,
) -> None:
    size = DEFAULT_MAX_BODY + 1
    with server.connect() as sock:
        sock.sendall(server.head("POST", CUSTOM_INSTRUCTION, f"Content-Length: {size}"))
        sock.sendall(b"x" * size)
        assert _response(sock)[0] == 413
        assert _closed_within(sock, DROPPED_WITHIN)


def test_sigterm_stops_the_server_whatever_clients_do() -> None:
    server = RealServer()
    try:
        stuck = [server.connect() for _ in range(3)]
        stuck[0].sendall(server.head("POST", CUSTOM_INSTRUCTION, "Content-Length: 1000")[:-2])
        stuck[1].sendall(server.head("POST", CUSTOM_INSTRUCTION, "Content-Length: 1000") + b"{")
        stuck[2].sendall(server.head("GET", "/__mock__/state"))  # answered, then idle
        assert _response(stuck[2])[0] == 200
        time.sleep(0.5)  # the half-sent body is being waited for
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=DROPPED_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail("SIGTERM did not stop the server while clients held connections")
        assert server.process.returncode in (0, -signal.SIGTERM)
        for sock in stuck:
            sock.close()
    finally:
        server.stop()
