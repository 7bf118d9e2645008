"""`kad-spec diff`: one model edit per check id (tests/fixtures/diff/), run through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from kad_spec.spec.resources import model_dir
from kad_spec.tools.diff import CHECKS, bump, check_version
from kad_spec.tools.diff.regex_widening import is_widening

FIXTURES = Path(__file__).parent / "fixtures" / "diff"
BUMPS = {"breaking": "2.0.0", "non-breaking": "1.1.0", "documentation": "1.0.1"}


def copy_repo(target: Path, codelists: bool = False) -> Path:
    root = model_dir().parent
    for name in ("model", "examples") + (("codelists",) if codelists else ()):
        shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target / "model"


def apply_edits(model: Path, edits: list[dict]) -> None:
    for edit in edits:
        path = model / edit["file"]
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        node = doc
        for key in edit["path"][:-1]:
            node = node.setdefault(key, {})
        if edit["op"] == "remove":
            del node[edit["path"][-1]]
        else:
            node[edit["path"][-1]] = edit["value"]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def set_version(model: Path, version: str) -> None:
    apply_edits(model, [{"file": "kad.yaml", "op": "set", "path": ["version"], "value": version}])


def worst(kinds) -> str:
    return max(kinds, key=["documentation", "non-breaking", "breaking"].index)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return copy_repo(tmp_path / "old"), copy_repo(tmp_path / "new")


FIXTURE_FILES = sorted(FIXTURES.glob("DIFF-*.yaml"))


def test_every_change_check_has_a_fixture():
    covered = {p.name[:8] for p in FIXTURE_FILES}
    assert covered == set(CHECKS) - {"DIFF-013"}  # DIFF-013 is the version check, tested below


def test_identical_models_have_no_changes(cli, pair):
    old, new = pair
    result = cli("diff", old, new, "--format", "json", "--fail-on", "documentation")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["changes"] == [] and doc["version_check"]["ok"]


def import_edition(cli, lists: Path, edit: dict, work: Path) -> None:
    """A new edition of one list, made and imported with the real export and import commands."""
    exported = work / f"{edit['list']}-{edit['edition']}.json"
    assert cli("codelists", "export", edit["list"], "--format", "navikt-json", "--from", lists, "-o", exported).exit_code == 0
    records = [r for r in json.loads(exported.read_text(encoding="utf-8")) if r["code"] not in edit.get("drop", [])]
    for record in records:
        record["text"] = edit.get("rename", {}).get(record["code"], record["text"])
    records += [{"code": code, "text": text} for code, text in edit.get("add", {}).items()]
    exported.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    done = cli("codelists", "import", exported, "--format", "navikt-json", "--list", edit["list"],
               "--edition", edit["edition"], "--into", lists, *edit.get("options", ()))
    assert done.exit_code == 0, done.output


@pytest.mark.parametrize("fixture", FIXTURE_FILES, ids=lambda p: p.stem)
def test_each_edit_is_classified(cli, tmp_path, fixture):
    spec = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    with_lists = bool(spec.get("codelist_edits"))
    old, new = copy_repo(tmp_path / "old", with_lists), copy_repo(tmp_path / "new", with_lists)
    apply_edits(old, spec.get("old_edits") or [])
    apply_edits(new, spec.get("edits") or [])
    for edit in spec.get("codelist_edits") or []:
        import_edition(cli, new.parent / "codelists", edit, tmp_path)
    expected = spec["expect"]
    set_version(new, BUMPS[worst(e["kind"] for e in expected)])
    result = cli("diff", old, new, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    found = sorted((c["check_id"], c["kind"], c["element"]) for c in doc["changes"])
    assert found == sorted((e["check"], e["kind"], e["element"]) for e in expected)
    for e in expected:
        if "message_contains" in e:
            assert any(e["message_contains"] in c["message"] for c in doc["changes"])
    assert doc["version_check"]["ok"]


def test_version_bump_too_small_is_a_finding_and_fails(cli, pair):
    old, new = pair
    apply_edits(new, [{"file": "kad.yaml", "op": "remove", "path": ["classes", "Pasient", "attributes", "kjonn"]}])
    set_version(new, "1.1.0")
    result = cli("diff", old, new)
    assert result.exit_code == 1
    assert "DIFF-013" in result.output and "major" in result.output
    doc = json.loads(cli("diff", old, new, "--format", "json").output)
    assert doc["version_check"] == {
        "old": "1.0.0", "new": "1.1.0", "actual": "minor", "required": "major", "ok": False, "check_id": "DIFF-013",
        "message": "Versjonen er økt fra 1.0.0 til 1.1.0 (minor), men endringene krever minst en ny major-versjon.",
    }


def test_fail_on_levels(cli, pair):
    old, new = pair
    apply_edits(new, [{"file": "kad.yaml", "op": "set", "path": ["enums", "UtTil", "permissible_values", "40"],
                       "value": {"description": "Ny", "annotations": {"title_en": "New"}}}])
    set_version(new, "1.1.0")
    assert cli("diff", old, new, "--fail-on", "breaking").exit_code == 0
    assert cli("diff", old, new, "--fail-on", "non-breaking").exit_code == 1
    assert cli("diff", old, new, "--fail-on", "documentation").exit_code == 1


def test_markdown_report(cli, pair):
    old, new = pair
    apply_edits(new, [{"file": "kad.yaml", "op": "remove", "path": ["enums", "UtTil", "permissible_values", "34"]}])
    set_version(new, "2.0.0")
    result = cli("diff", old, new)
    assert result.exit_code == 0
    assert "# Endringer i spesifikasjonen 1.0.0 → 2.0.0" in result.output
    assert "## Brytende endringer" in result.output
    assert "| DIFF-004 | `UtTil.34` |" in result.output


def test_changelog_entry_has_the_change_log_shape(cli, pair):
    old, new = pair
    apply_edits(new, [{"file": "kad.yaml", "op": "set", "path": ["classes", "Pasient", "attributes", "alder", "maximum_value"], "value": 150}])
    set_version(new, "1.1.0")
    result = cli("diff", old, new, "--changelog")
    assert result.exit_code == 0
    (entry,) = yaml.safe_load(result.output)
    assert set(entry) == {"version", "date", "status", "summary", "changes"}
    assert entry["version"] == "1.1.0"
    assert entry["changes"] == [{"kind": "non-breaking", "check": "DIFF-012", "element": "Pasient.alder",
                                 "description": entry["changes"][0]["description"]}]
    logged = yaml.safe_load((model_dir() / "endringslogg.yaml").read_text(encoding="utf-8"))["versions"][0]
    assert set(entry) <= set(logged) | {"summary"}


def test_git_refs(cli, tmp_path):
    repo = tmp_path / "repo"
    copy_repo(repo)
    git = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.no", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.no", "commit", "-q", "-m", "1.0.0")
    apply_edits(repo / "model", [{"file": "kad.yaml", "op": "remove", "path": ["classes", "Pasient", "attributes", "kjonn"]}])
    set_version(repo / "model", "2.0.0")
    git("-c", "user.name=t", "-c", "user.email=t@example.no", "commit", "-q", "-am", "2.0.0")
    result = cli("diff", "HEAD~1", "HEAD", "--repo", repo, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(c["check_id"], c["element"]) for c in doc["changes"]] == [("DIFF-001", "Pasient.kjonn")]
    assert doc["old"]["version"] == "1.0.0" and doc["new"]["version"] == "2.0.0"
    # A ref against a working folder works too.
    assert cli("diff", "HEAD", repo / "model", "--repo", repo, "--format", "json").exit_code == 0


def test_unknown_side_is_usage_error(cli, tmp_path):
    result = cli("diff", tmp_path / "nope", model_dir())
    assert result.exit_code == 2
    assert "verken som modellmappe eller som git-ref" in result.output


@pytest.mark.parametrize("old, new, expected", [
    ("1.0.0", "2.0.0", "major"), ("1.0.0", "1.1.0", "minor"), ("1.0.0", "1.0.1", "patch"),
    ("1.0.0", "1.0.0", "none"), ("1.1.0", "1.0.9", "lower"), ("1.0", "1.1.0", "invalid"),
])
def test_bump(old, new, expected):
    assert bump(old, new) == expected


def test_version_rules():
    assert check_version("1.0.0", "2.0.0", "breaking").ok
    assert not check_version("1.0.0", "1.9.0", "breaking").ok
    assert check_version("1.0.0", "1.1.0", "non-breaking").ok
    assert not check_version("1.0.0", "1.0.1", "non-breaking").ok
    assert check_version("1.0.0", "1.0.1", "documentation").ok
    assert check_version("1.0.0", "1.0.0", None).ok
    assert not check_version("1.0.0", "0.9.0", None).ok


@pytest.mark.parametrize("old, new, widening", [
    (r"^[0-9]{4}$", r"^[0-9]{4,5}$", True),
    (r"^[0-9]{4,5}$", r"^[0-9]{4}$", False),
    (r"^[0-9]{4}$", r"^[0-9A-Z]{4}$", True),
    (r"^([A-Z][0-9]{2,3}|-[0-9]{2})$", r"^([A-Z][0-9]{2,4}|-[0-9]{2})$", True),
    (r"^([A-Z][0-9]{2,3}|-[0-9]{2})$", r"^([A-Z][0-9]{2,3})$", False),
    (r"^[0-9]$", r"^[0-9]{1,2}$", True),
    (r"^\d$", r"^[0-9]$", False),
    (r"^a+$", r"^a*$", True),
    (r"^a*$", r"^a+$", False),
    (r"^[1-9][0-9]{0,8}$", r"^[0-9]{1,9}$", False),  # a real widening, but not by the simple rules: breaking
    (r"^[0-9]{4}$", r"[0-9]{4}", False),  # anchors dropped: not structurally the same
])
def test_pattern_widening_heuristic(old, new, widening):
    assert is_widening(old, new) is widening


def test_every_check_is_documented():
    text = (Path(__file__).parents[1] / "docs" / "verktoy.md").read_text(encoding="utf-8")
    for check_id in CHECKS:
        assert f"| {check_id} |" in text, check_id


def test_broken_model_yaml_is_named_with_line(cli, pair):
    old, new = pair
    (new / "kad.yaml").write_text("id: x\nversion: [\n", encoding="utf-8")
    result = cli("diff", old, new)
    assert result.exit_code == 2
    assert f"{new / 'kad.yaml'}: ikke gyldig YAML (linje" in result.output
    assert "Traceback" not in result.output
