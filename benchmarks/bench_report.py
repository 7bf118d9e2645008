"""The machine a benchmark ran on, and docs/performance.md in bokmål (decimal comma)."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from bench_measure import Bench
from bench_profile import Family

NOTES_HEADING = "\n## Merknader\n"


def nb(value: float, digits: int = 2) -> str:
    """A number as written in Norwegian: decimal comma, thin groups of thousands."""
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> str:
    try:
        line = next(row for row in Path("/proc/meminfo").read_text().splitlines() if row.startswith("MemTotal"))
        return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        return "ukjent"


def load_average() -> str:
    try:
        return " / ".join(nb(value) for value in os.getloadavg())
    except OSError:
        return "ukjent"


def command_output(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "ukjent"
    return done.stdout.strip() if done.returncode == 0 else "ukjent"


@dataclass
class Machine:
    """What the figures depend on, captured at the start of the run."""

    cpu: str
    cores: int
    memory: str
    python: str
    system: str
    started: str
    load_at_start: str
    kad_version: str
    commit: str

    @classmethod
    def here(cls, kad: str, root: Path) -> "Machine":
        commit = command_output(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
        if command_output(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"]):
            commit += " (med lokale endringer)"
        return cls(cpu_model(), os.cpu_count() or 0, memory_gib(), platform.python_version(),
                   platform.platform(), datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   load_average(), command_output([kad, "--version"]), commit)


@dataclass(frozen=True)
class Target:
    """One row of the targets table: the figure, the limit and whether the run measured it."""

    text: str
    limit: str
    figure: Callable[[dict[str, Bench]], tuple[str, bool] | None]
    full_size: bool


def target_rows(targets: list[Target], benches: dict[str, Bench]) -> list[str]:
    rows = []
    for target in targets:
        measured = target.figure(benches)
        if measured is None:
            rows.append(f"| {target.text} | {target.limit} | ikke målt | – |")
            continue
        figure, met = measured
        verdict = ("ja" if met else "nei") if target.full_size else "– (ikke vurdert)"
        rows.append(f"| {target.text} | {target.limit} | {figure} | {verdict} |")
    return rows


def bench_rows(benches: dict[str, Bench]) -> list[str]:
    rows = ["| Måling | Opphold | Kjøringer | Median | Opphold/s | Høyeste RSS | Exit |", "|---|---|---|---|---|---|---|"]
    for bench in benches.values():
        rate = nb(bench.stays / bench.median, 0) if bench.stays else ""
        stays = nb(bench.stays, 0) if bench.stays else ""
        codes = ", ".join(str(code) for code in sorted(bench.exit_codes))
        rows.append(f"| {bench.label} | {stays} | {len(bench.seconds)} | {nb(bench.median, 3)} s | {rate} |"
                    f" {bench.peak_rss:.0f} MB | {codes} |")
    return rows


def profile_rows(rows: list[Family], total: float, stays: int) -> list[str]:
    lines = ["| Del | Selv, µs per opphold | Andel | Selv, s | Samlet, µs per opphold |", "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row.name} | {nb(row.self_seconds * 1e6 / stays)} | {nb(100 * row.self_seconds / total, 1)} % |"
                     f" {nb(row.self_seconds, 3)} | {nb(row.cumulative_seconds * 1e6 / stays)} |")
    lines.append(f"| i alt | {nb(total * 1e6 / stays)} | 100 % | {nb(total, 3)} | |")
    return lines


def machine_lines(machine: Machine, load_at_end: str) -> list[str]:
    return [
        f"- Prosessor: {machine.cpu}, {machine.cores} kjerner",
        f"- Minne: {machine.memory}",
        f"- Python {machine.python}, {machine.system}",
        f"- {machine.kad_version}, commit {machine.commit}",
        f"- Startet {machine.started}; belastning (1/5/15 min) ved start {machine.load_at_start}, ved slutt {load_at_end}",
    ]


def write(path: Path, sections: list[str]) -> None:
    """Write the report; a hand-written "## Merknader" section of the old file is kept at the end."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    text = "\n".join(sections).rstrip("\n") + "\n"
    if NOTES_HEADING in existing:
        text += NOTES_HEADING + existing.split(NOTES_HEADING, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"skrev {path}")
