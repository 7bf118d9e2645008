"""The service's limits, on a real server: body size, validations at once, the time limit, the event loop kept free."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from hostile import EXAMPLES, one_line_message

VALIDATE = "/api/v1/validering"
SMALL = (EXAMPLES / "kad-melding.json").read_bytes()


@pytest.fixture(scope="module")
def slow_message(tmp_path_factory) -> bytes:
    """A message of 100 000 stays (about 44 MB): a second or more of validation."""
    return one_line_message(tmp_path_factory.mktemp("stor") / "stor.json", stays=100_000).read_bytes()


def test_a_body_said_to_be_too_large_is_refused_before_it_is_read(start_service):
    server = start_service("--max-body-mb", "0.01")
    answer = httpx.post(server.url + VALIDATE, content=b" " * 20_000)
    assert answer.status_code == 413
    assert "10000 byte" in answer.json()["feil"] and "10000 bytes" in answer.json()["error"]
    assert httpx.post(server.url + VALIDATE, content=SMALL).status_code == 200  # within the limit


def test_a_chunked_body_is_refused_at_the_limit_without_the_rest_being_sent(start_service):
    """The 413 comes while the client still has most of the body to send: the server stopped reading."""
    server = start_service("--max-body-mb", "0.01")
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"POST /api/v1/validering HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b" " * 4096
        for _ in range(4):  # 16 KB of the 100 MB this client claims to have
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        answer = b""
        while part := connection.recv(65536):  # the server closes the connection after its answer
            answer += part
        answer = answer.decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413"), answer
    assert '"feil"' in answer and "connection: close" in answer.lower()


def test_excess_validations_wait_then_get_503_with_retry_after(start_service, slow_message):
    server = start_service("--workers", "1", "--queue-time", "0.2")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.post(server.url + VALIDATE, content=slow_message, timeout=120),
                                range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) == {200, 503} and statuses.count(503) >= 2, statuses
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["retry-after"] == "1" and refused.json()["error"]
    assert httpx.post(server.url + VALIDATE, content=SMALL).status_code == 200


def test_a_validation_over_the_time_limit_is_stopped_and_the_service_goes_on(start_service, slow_message):
    server = start_service("--workers", "1", "--time-limit", "0.5")
    started = time.monotonic()
    answer = httpx.post(server.url + VALIDATE, content=slow_message, timeout=120)
    assert answer.status_code == 504 and "0.5" in answer.json()["feil"]
    assert time.monotonic() - started < 5
    # The worker was stopped and a new one started in its place; the next message is validated.
    assert httpx.post(server.url + VALIDATE, content=SMALL, timeout=60).status_code == 200
    assert "Traceback" not in server.log()


def test_a_large_validation_does_not_stall_the_others(start_service, slow_message):
    server = start_service("--workers", "1")
    done = threading.Event()

    def large():
        httpx.post(server.url + VALIDATE, content=slow_message, timeout=120)
        done.set()

    threading.Thread(target=large, daemon=True).start()
    time.sleep(0.3)  # the large one is being read or validated
    waits = []
    while not done.is_set() and len(waits) < 20:
        started = time.monotonic()
        assert httpx.get(server.url + "/api/v1/helse", timeout=10).status_code == 200
        waits.append(time.monotonic() - started)
        time.sleep(0.05)
    assert done.wait(120)
    assert waits and max(waits) < 0.5, waits


def test_beyond_the_waiting_places_a_request_gets_503_at_once(start_service, slow_message):
    """Bodies wait in memory: past --max-waiting more are refused before their body is read."""
    server = start_service("--workers", "1", "--max-waiting", "0", "--queue-time", "60")
    first = ThreadPoolExecutor(1).submit(httpx.post, server.url + VALIDATE, content=slow_message, timeout=120)
    time.sleep(0.5)  # the first is being read or validated
    started = time.monotonic()
    refused = httpx.post(server.url + VALIDATE, content=SMALL, timeout=60)
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert time.monotonic() - started < 1
    assert first.result().status_code == 200
    assert httpx.post(server.url + VALIDATE, content=SMALL).status_code == 200


def worker_pids(server) -> list[int]:
    """The server's validation processes (its children started by multiprocessing)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_a_worker_that_died_between_requests_is_replaced_and_no_request_fails(start_service):
    import os
    import signal

    server = start_service("--workers", "1")
    (worker,) = worker_pids(server)
    os.kill(worker, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    time.sleep(0.2)
    answer = httpx.post(server.url + VALIDATE, content=SMALL, timeout=60)
    assert answer.status_code == 200, answer.text
    assert worker not in worker_pids(server) and len(worker_pids(server)) == 1


def test_sigterm_stops_the_server_and_its_workers(start_service):
    import os

    server = start_service("--workers", "2")
    workers = worker_pids(server)
    assert len(workers) == 2
    server.process.terminate()
    assert server.process.wait(30) in (0, -15)  # uvicorn shuts down, then ends by the signal it was sent
    assert "Application shutdown complete" in server.log()
    for pid in workers:
        assert not os.path.exists(f"/proc/{pid}") or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    assert "Traceback" not in server.log()


# -- the upload form, bounded as the API ----------------------------------------------------------
LIMIT = 10_000  # --max-body-mb 0.01


def padded(size: int) -> bytes:
    """The example, valid, padded with spaces to exactly ``size`` bytes."""
    assert len(SMALL) < size
    return SMALL + b" " * (size - len(SMALL))


def upload(server, data: bytes, lang: str | None = None, timeout: float = 60) -> httpx.Response:
    return httpx.post(server.url + "/sjekk", params={"lang": lang} if lang else {},
                      files={"fil": ("melding.json", data, "application/json")}, timeout=timeout)


def chunks(data: bytes):
    """``data`` as a stream: no Content-Length, so the limit is found while reading."""
    for start in range(0, len(data), 1024):
        yield data[start:start + 1024]


def test_one_byte_over_the_limit_is_413_from_the_api_and_the_form_and_at_the_limit_is_not(start_service):
    server = start_service("--max-body-mb", "0.01")
    at, over = padded(LIMIT), padded(LIMIT + 1)
    assert len(at) == LIMIT and len(over) == LIMIT + 1
    for body in (at, chunks(at)):
        answer = httpx.post(server.url + VALIDATE, content=body, timeout=60)
        assert answer.status_code == 200 and answer.headers["kad-feil"] == "0", answer.text
    for body in (over, chunks(over)):
        answer = httpx.post(server.url + VALIDATE, content=body, timeout=60)
        assert answer.status_code == 413
        assert answer.json()["feil"] == "meldingen er større enn grensen på 0.01 MB (10000 byte)"

    page = upload(server, at)
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert '<p class="ingen-funn">Ingen funn' in page.text
    for lang, expected in (("nb", "Filen er større enn grensen på 0.01 MB (10000 byte)."),
                           ("en", "The file is larger than the limit of 0.01 MB (10000 bytes).")):
        refused = upload(server, over, lang=lang)
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "text/html; charset=utf-8"
        assert f'<html lang="{lang}"' in refused.text and expected in refused.text
        assert 'class="opplasting"' in refused.text  # the form again, to choose another file
    assert "Traceback" not in server.log()


def test_the_form_waits_for_a_validation_and_gets_503_with_retry_after_as_the_api(start_service, slow_message):
    server = start_service("--workers", "1", "--queue-time", "0.2")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: upload(server, slow_message, lang="en", timeout=120), range(4)))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) == {200, 503} and statuses.count(503) >= 2, statuses
    refused = next(a for a in answers if a.status_code == 503)
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "text/html; charset=utf-8" and "Try again shortly" in refused.text
    assert upload(server, SMALL).status_code == 200


def test_beyond_the_waiting_places_an_upload_gets_503_at_once_as_the_api(start_service, slow_message):
    server = start_service("--workers", "1", "--max-waiting", "0", "--queue-time", "60")
    first = ThreadPoolExecutor(1).submit(httpx.post, server.url + VALIDATE, content=slow_message, timeout=120)
    time.sleep(0.5)  # the first is being read or validated
    started = time.monotonic()
    refused = upload(server, SMALL)
    assert refused.status_code == 503 and refused.headers["retry-after"]
    assert "validerer så mange meldinger" in refused.text
    assert time.monotonic() - started < 1
    assert first.result().status_code == 200
    # and the other way round: an upload holds the one place, the API waits its turn
    second = ThreadPoolExecutor(1).submit(upload, server, slow_message, None, 120)
    time.sleep(0.5)
    assert httpx.post(server.url + VALIDATE, content=SMALL, timeout=60).status_code == 503
    assert second.result().status_code == 200
    assert upload(server, SMALL).status_code == 200


def test_an_upload_over_the_time_limit_is_stopped_with_a_page_and_the_service_goes_on(start_service, slow_message):
    server = start_service("--workers", "1", "--time-limit", "0.5")
    for lang, expected in (("nb", "tidsgrensen på 0.5 sekunder"), ("en", "time limit of 0.5 seconds")):
        started = time.monotonic()
        answer = upload(server, slow_message, lang=lang, timeout=120)
        assert answer.status_code == 504, answer.text[:300]
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert f'<html lang="{lang}"' in answer.text and expected in answer.text
        assert time.monotonic() - started < 5
    api = httpx.post(server.url + VALIDATE, content=slow_message, timeout=120)
    assert api.status_code == 504 and "0.5" in api.json()["feil"]  # the API's answer stays JSON
    assert upload(server, SMALL).status_code == 200
    assert "Traceback" not in server.log()
