"""The benchmark harness: a smoke run on tiny files writes the report with every target row.

Speed itself is never asserted here; the harness prints the figures (docs/performance.md).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "benchmarks" / "run.py"
TARGET_ROWS = [
    "300 opphold JSON (én linje), standardvalg, mot `json.load` (gc av)",
    "300 opphold XML, standardvalg, mot `lxml.etree.parse`",
    "200 opphold: `linkml-validate` delt på kad-spec",
    "Høyeste RSS, 400 opphold JSON på én linje (`json.dump`)",
    "Høyeste RSS, 400 opphold JSON med innrykk",
    "Én liten fil (kad-melding.json, 4 opphold)",
    "5 filer à 2 opphold i ett kall",
]
OPTIONS = ["--quick", "--stays", "300", "--linkml-stays", "200", "--huge-stays", "400",
           "--files", "5", "--stays-per-file", "2"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    folder = tmp_path_factory.mktemp("bench")
    report, data = folder / "performance.md", folder / "data"
    done = subprocess.run([sys.executable, str(HARNESS), *OPTIONS, "--data", str(data), "--out", str(report)],
                          capture_output=True, text=True, timeout=300)
    return done, report, data


def section(text: str, heading: str) -> str:
    return text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]


def table_rows(text: str) -> dict[str, list[str]]:
    rows = [line.strip("|").split(" | ") for line in text.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [cell.strip() for cell in cells[1:]] for cells in rows}


def test_smoke_run_writes_every_target_row_measured(smoke_run):
    done, report, _ = smoke_run
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Ytelse\n")
    targets = table_rows(section(text, "Mål"))
    assert list(targets)[1:] == TARGET_ROWS  # the header row first, then the targets in order
    for row in TARGET_ROWS:
        limit, figure, verdict = targets[row]
        assert figure != "ikke målt" and figure[0].isdigit(), (row, figure)
        assert verdict == "– (ikke vurdert)", "a smoke run is never judged against the targets"


def test_report_names_machine_profile_and_command(smoke_run):
    _, report, data = smoke_run
    text = report.read_text(encoding="utf-8")
    machine = section(text, "Maskin")
    for label in ("Prosessor:", "kjerner", "Minne:", "Python ", "Startet "):
        assert label in machine
    profile = table_rows(section(text, "Profil per regelfamilie"))
    assert any(name.startswith("regel: ") for name in profile), profile
    assert {"lesing", "motor", "i alt"} <= set(profile)
    command = section(text, "Kommando")
    assert "python benchmarks/run.py --quick --stays 300" in command


def test_one_line_file_is_what_json_dump_writes(smoke_run):
    _, _, data = smoke_run
    indented = data / "kad-300-indented.json"
    one_line = (data / "kad-300-one-line.json").read_bytes()
    assert one_line == json.dumps(json.loads(indented.read_bytes())).encode("ascii")
    assert b"\n" not in one_line


def load_profile_module():
    """The harness's grouping module, loaded from its file (benchmarks/ is not a package)."""
    if "bench_profile" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_profile", ROOT / "benchmarks" / "bench_profile.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_profile"] = module  # dataclasses look their module up here
        spec.loader.exec_module(module)
    return sys.modules["bench_profile"]


@pytest.mark.parametrize("filename, group", [
    ("/v/site-packages/kad_spec/rules/times.py", "regel: times"),
    ("/v/site-packages/kad_spec/validation/rules/identity/batch.py", "regel: identity"),
    ("/v/site-packages/kad_spec/rules/__init__.py", "motor"),
    ("/src/kad_spec/readers/json_reader.py", "lesing"),
    ("/src/kad_spec/message/sniffing.py", "lesing"),
    ("/src/kad_spec/validation/engine.py", "motor"),
    ("/src/kad_spec/codelists/store.py", "kodeverk"),
    ("/src/kad_spec/ids/personnr.py", "ids"),
    ("/v/site-packages/numpy/core/fromnumeric.py", None),
    ("~", None),
])
def test_profile_groups_follow_module_names_wherever_they_move(filename, group):
    assert load_profile_module().own_group(filename, "f") == group
