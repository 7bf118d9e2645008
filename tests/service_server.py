"""The real service in a subprocess: ``kad-spec serve`` on a free loopback port, driven over HTTP.

``service`` is one server for the whole test session (default options); ``start_service`` is a
factory for a test that needs its own options or environment:

    def test_small_limit(start_service):
        server = start_service("--max-body-mb", "0.01", env={...})
        httpx.post(server.url + "/api/v1/validering", content=b"...")
        server.log()   # what the server wrote to standard error so far

Each server is stopped (SIGTERM, then SIGKILL) when its test or the session ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

START_SECONDS = 60  # the first start may compile the code lists and the model into the cache


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/api/v1/helse", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@contextlib.contextmanager
def running_service(*options, env: dict | None = None, cwd: Path | None = None):
    """A server started with ``options`` (after ``kad-spec serve``) and ``env`` on top of this one's."""
    with tempfile.TemporaryDirectory(prefix="kad-serve-") as folder:
        log_path = Path(folder) / "server.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "kad_spec", "serve", "--port", str(port), *map(str, options)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {})}, cwd=cwd or folder)
        server = Server(url, process, log_path)
        try:
            _wait_until_up(server)
            yield server
        finally:
            _stop(process)


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"kad-spec serve stopped at start (exit {server.process.returncode}):\n{server.log()}")
        if _answers(server.url):
            return
        time.sleep(0.1)
    raise RuntimeError(f"kad-spec serve did not answer within {START_SECONDS} s:\n{server.log()}")


@pytest.fixture(scope="session")
def service():
    """One server with the default options, shared by the session's tests."""
    with running_service() as server:
        yield server


@pytest.fixture
def start_service():
    """Start servers with options of the test's own; each is stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda *options, env=None: stack.enter_context(running_service(*options, env=env))
