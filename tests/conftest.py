"""Shared test helpers: the real CLI, in-process, and the bundled examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def cli():
    """Run ``kad-spec`` with arguments; returns the click Result (exit_code, stdout, stderr).

    Session-wide so that module-scoped fixtures can use it too; each call runs on its own."""
    from kad_spec.cli import app

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def validate_json(cli):
    """Validate paths and return (exit code, parsed JSON report)."""

    def run(*paths, extra=()):
        result = cli("validate", "--format", "json", *extra, *paths)
        return result.exit_code, json.loads(result.stdout)

    return run


def rule_ids(report: dict, severity: str | None = None) -> list[str]:
    return [
        f["rule_id"]
        for file in report["files"]
        for f in file["findings"]
        if severity is None or f["severity"] == severity
    ]
