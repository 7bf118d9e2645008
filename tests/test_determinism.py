"""Same input, same report, byte for byte; and validation leaves the inputs as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from hostile import EXAMPLES, hostile_files, hostile_json, hostile_xml, run_cli

FORMATS = ("json", "sarif", "junit", "text")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A copy of the examples and the hostile files (the big ones left out), in one folder."""
    folder = tmp_path_factory.mktemp("inndata")
    shutil.copytree(EXAMPLES, folder / "examples")
    for builder in (hostile_json, hostile_xml, hostile_files):
        own = folder / builder.__name__
        own.mkdir()
        for path in builder(own).values():
            if path.stat().st_size > (4 << 20):
                path.unlink()
    (folder / "hostile_xml" / "hemmelig.txt").unlink()
    return folder


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under the folder: kind, size, modification time and content hash."""
    state = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            info = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            state[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return state


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_input_gives_identical_report(cli, inputs, fmt):
    first = cli("validate", "--format", fmt, inputs)
    second = cli("validate", "--format", fmt, inputs)
    assert first.exit_code == second.exit_code == 1
    assert first.stdout.encode() == second.stdout.encode()
    assert "KAD-FIL-001" in first.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit"])
def test_identical_across_processes(inputs, fmt):
    """Fresh processes with different hash seeds write the same bytes. (SARIF paths are relative
    to the working directory by design, so both runs start in the same one.)"""
    runs = [run_cli("validate", "--format", fmt, inputs, cwd=inputs.parent, env={"PYTHONHASHSEED": seed})
            for seed in ("1", "2")]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[0].stdout == runs[1].stdout


def test_validation_leaves_inputs_untouched(cli, inputs, tmp_path):
    before = snapshot(inputs)
    for fmt in FORMATS:
        cli("validate", "--format", fmt, inputs)
    cli("validate", "--format", "json", "--output", tmp_path / "rapport.json", inputs)
    run_cli("validate", inputs, cwd=inputs)
    assert snapshot(inputs) == before
