"""Shared test helpers: the real CLI, in-process, and the bundled examples."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

# The register's stores (SQLite and PostgreSQL) for every test that takes ``register_url``.
from register_stores import postgres_database, register_url  # noqa: F401
# The real service (kad-spec serve) in a subprocess, for every test that takes ``service`` or ``start_service``.
from service_server import service, start_service  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


def pytest_configure(config):
    """Compiled code lists and model files go to a folder of this test run, not the user's cache.

    Set before collection: some test modules load the catalogue when they are imported."""
    if "KAD_SPEC_CACHE_DIR" not in os.environ:
        config.kad_spec_cache = tempfile.mkdtemp(prefix="kad-spec-cache-")
        os.environ["KAD_SPEC_CACHE_DIR"] = config.kad_spec_cache


def pytest_unconfigure(config):
    folder = getattr(config, "kad_spec_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        del os.environ["KAD_SPEC_CACHE_DIR"]


def invoke(*args):
    """Run ``kad-spec`` in-process with arguments; the click Result (exit_code, stdout, stderr)."""
    from kad_spec.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def cli():
    """:func:`invoke` as a fixture.

    Session-wide so that module-scoped fixtures can use it too; each call runs on its own."""
    return invoke


def run_cli(*args) -> tuple[int, str, str]:
    """Run ``kad-spec``; (exit code, stdout, stderr)."""
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


def json_report(*args) -> tuple[int, dict]:
    """``kad-spec validate --format json`` with arguments; (exit code, parsed report)."""
    code, out, _ = run_cli("validate", "--format", "json", *args)
    return code, json.loads(out)


@pytest.fixture
def validate_json():
    """Validate paths and return (exit code, parsed JSON report)."""

    def run(*paths, extra=()):
        return json_report(*extra, *paths)

    return run


def base_message() -> dict:
    """A fresh copy of the base example examples/kad-melding.json."""
    return json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))


def rule_ids(report: dict, severity: str | None = None) -> list[str]:
    return [
        f["rule_id"]
        for file in report["files"]
        for f in file["findings"]
        if severity is None or f["severity"] == severity
    ]
