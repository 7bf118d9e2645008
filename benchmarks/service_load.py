"""A bounded load test of the validation service: many requests, some at once, every answer checked.

    python benchmarks/service_load.py                          # 200 requests, 16 at a time, own server
    python benchmarks/service_load.py --requests 40 --concurrency 8
    python benchmarks/service_load.py --url http://127.0.0.1:8080   # a server already running

The messages are a mix of valid ones (the bundled examples: JSON, XML, enveloped), invalid ones
(examples/ugyldig/) and hostile ones (entities, deep nesting, binary, empty, truncated). Each is
posted to ``POST /api/v1/validering`` in turn; every answer must be 200 with the JSON report the
service's own job function gives for the same bytes in this process (so a report mixed up with
another request's, or a 5xx, fails the run). Prints p50/p95 latency and the throughput; exit
code 1 if any answer was wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NS = "urn:kad-spec:kad-kpr:1"


def hostile_samples() -> dict[str, bytes]:
    """Files the validator must refuse with a finding: the classes the CLI's robustness tests use."""
    laughs = "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    message = f'<KadMelding xmlns="{NS}"><meldingsinfo><melding_id>%s</melding_id></meldingsinfo></KadMelding>'
    base = (EXAMPLES / "kad-melding.json").read_bytes()
    return {
        "billion-laughs.xml": f'<?xml version="1.0"?><!DOCTYPE KadMelding [<!ENTITY l0 "lol">{laughs}]>'
                              .encode() + (message % "&l9;").encode(),
        "xxe.xml": b'<?xml version="1.0"?><!DOCTYPE KadMelding [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   + (message % "&x;").encode(),
        "dyp-nesting.json": b'{"opphold": [{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]}",
        "dyp-nesting.xml": f'<KadMelding xmlns="{NS}">'.encode() + b"<a>" * 100_000 + b"</a>" * 100_000
                           + b"</KadMelding>",
        "tom.json": b"",
        "tilfeldig.xml": bytes(range(256)) * 4,
        "avkortet.json": base[: len(base) // 2],
        "utf16.json": base.decode("utf-8").encode("utf-16"),
    }


def samples() -> dict[str, bytes]:
    """name -> bytes: valid, invalid and hostile messages."""
    found = {path.name: path.read_bytes() for path in (EXAMPLES / "kad-melding.json", EXAMPLES / "kad-melding.xml",
                                                         EXAMPLES / "konvolutt-kad-melding.xml")}
    found.update({path.name: path.read_bytes() for path in sorted((EXAMPLES / "ugyldig").iterdir())})
    found.update(hostile_samples())
    return found


def expected_reports(messages: dict[str, bytes]) -> dict[str, bytes]:
    """The JSON report of each message by the service's job function, here in this process."""
    from kad_spec.service import jobs

    jobs.setup(None)
    reports = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, data in messages.items():
            path = Path(folder) / name
            path.write_bytes(data)
            reports[name] = jobs.report(path, "json", "nb", name).content
    return reports


@dataclass
class Figures:
    requests: int
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items()))
        return [f"{self.requests} forespørsler, {self.concurrency} om gangen, {self.seconds:.2f} s",
                f"p50 {self.percentile(0.5) * 1000:.0f} ms, p95 {self.percentile(0.95) * 1000:.0f} ms, "
                f"gjennomstrømning {self.throughput:.1f} forespørsler/s",
                f"statuser: {statuses}; feil svar: {len(self.wrong)}"]


async def load(url: str, requests: int, concurrency: int, messages: dict[str, bytes],
               expected: dict[str, bytes]) -> Figures:
    import httpx

    names = sorted(messages)
    order = [names[i % len(names)] for i in range(requests)]
    figures = Figures(requests, concurrency, 0.0)
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        async def one(name: str) -> None:
            async with gate:
                started = time.perf_counter()
                answer = await client.post("/api/v1/validering", content=messages[name], params={"navn": name})
                figures.latencies.append(time.perf_counter() - started)
            figures.statuses[answer.status_code] = figures.statuses.get(answer.status_code, 0) + 1
            if answer.status_code != 200 or answer.content != expected[name]:
                figures.wrong.append(f"{name}: {answer.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(one(name) for name in order))
        figures.seconds = time.perf_counter() - started
    return figures


def run(url: str, requests: int = 200, concurrency: int = 16) -> Figures:
    messages = samples()
    return asyncio.run(load(url, requests, concurrency, messages, expected_reports(messages)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def own_server(workers: int, queue_time: float) -> tuple[subprocess.Popen, str]:
    """``kad-spec serve`` on a free loopback port; returns when it answers."""
    import urllib.request

    port = _free_port()
    command = [sys.executable, "-m", "kad_spec", "serve", "--port", str(port), "--queue-time", str(queue_time)]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/v1/helse", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    process.kill()
    raise SystemExit("kad-spec serve svarte ikke")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="en tjeneste som alt kjører (ellers startes en her)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0, help="--workers for tjenesten som startes (0: én per kjerne)")
    parser.add_argument("--queue-time", type=float, default=60,
                        help="--queue-time for tjenesten som startes: så lenge venter en forespørsel i kø")
    args = parser.parse_args(argv)
    process = None
    url = args.url
    if url is None:
        process, url = own_server(args.workers, args.queue_time)
    try:
        figures = run(url, args.requests, args.concurrency)
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
    print("\n".join(figures.lines()))
    for wrong in figures.wrong[:20]:
        print(f"  feil svar: {wrong}")
    return 1 if figures.wrong else 0


if __name__ == "__main__":
    sys.exit(main())
