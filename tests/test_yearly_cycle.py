"""The directorate's yearly cycle, trap by trap, on a copy of the project run as its own checkout.

Each test copies the package, the model, the code lists, the generated files and the examples
to a temporary folder and runs ``python -m kad_spec`` there, so the copy's model is the one
the commands see (the same as a fresh clone).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

COPIED = ("kad_spec", "model", "codelists", "generated", "examples", "docs")


def make_checkout(target: Path) -> Path:
    for name in COPIED:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):  # the release builds a wheel from them
        shutil.copy(ROOT / name, target)
    return target


def run(checkout: Path, *args, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    path = [str(checkout)] + ([str(extra_path)] if extra_path else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    return subprocess.run([sys.executable, "-m", "kad_spec", *map(str, args)], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=300)


def edit_model(checkout: Path, **annotations) -> None:
    """Set version and date annotations in the copy's kad.yaml by text, keeping the file's layout."""
    path = checkout / "model" / "kad.yaml"
    text = path.read_text(encoding="utf-8")
    if "version" in annotations:
        text = re.sub(r"(?m)^version: .*$", f"version: {annotations.pop('version')}", text)
    for key, value in annotations.items():
        text = re.sub(rf"(?m)^  {key}: .*$", f'  {key}: "{value}"', text)
    path.write_text(text, encoding="utf-8")


def log_version(checkout: Path, version: str, day: str) -> None:
    path = checkout / "model" / "endringslogg.yaml"
    text = path.read_text(encoding="utf-8")
    entry = (f'  - version: {version}\n    date: "{day}"\n    status: høringsutkast\n    summary: Ny versjon.\n'
             f"    changes: []\n")
    path.write_text(text.replace("versions:\n", "versions:\n" + entry, 1), encoding="utf-8")


@pytest.fixture()
def checkout(tmp_path: Path) -> Path:
    return make_checkout(tmp_path / "kad-spec")


# -- 1. the version bump --------------------------------------------------------------------


def test_a_version_bump_alone_fails_lint_naming_the_fix(checkout):
    edit_model(checkout, version="2.0.0", publisert="2028-04-01", ikrafttredelse="2029-01-01")
    done = run(checkout, "lint", "--no-linkml")
    assert done.returncode == 1
    assert "LINT-017" in done.stdout and "ingen post for versjon 2.0.0" in done.stdout
    assert "kad-spec diff FORRIGE . --changelog" in done.stdout
    refused = run(checkout, "release", "--out", checkout / "dist")
    assert refused.returncode == 1 and "LINT-017" in refused.stderr
    assert not list((checkout / "dist").glob("*.zip")) if (checkout / "dist").exists() else True


def test_after_a_bump_the_validator_accepts_the_new_version_and_the_previous_one(checkout, tmp_path):
    edit_model(checkout, version="2.0.0", publisert="2028-04-01", ikrafttredelse="2029-01-01")
    log_version(checkout, "2.0.0", "2028-04-01")
    lint = run(checkout, "lint", "--no-linkml")
    assert lint.returncode == 0, lint.stdout
    assert run(checkout, "generate").returncode == 0
    made = tmp_path / "x.json"
    assert run(checkout, "example", "-o", made).returncode == 0
    done = run(checkout, "validate", made)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KAD-MLD-001" not in done.stdout and "advarsel" not in done.stderr
    old = json.loads(made.read_text(encoding="utf-8"))
    old["meldingsinfo"]["spesifikasjonsversjon"] = "1.0.0"  # created now, before the transition ends
    made.write_text(json.dumps(old), encoding="utf-8")
    assert "KAD-MLD-001" not in run(checkout, "validate", made).stdout


def test_the_previous_version_is_refused_after_the_first_tertial(checkout, tmp_path):
    # A new version in force since 1 January 2026: a 1.0.0 message made after 30 April 2026 is refused.
    edit_model(checkout, version="2.0.0", publisert="2025-04-01", ikrafttredelse="2026-01-01")
    message = json.loads((checkout / "examples" / "kad-melding.json").read_text(encoding="utf-8"))
    message["meldingsinfo"]["spesifikasjonsversjon"] = "1.0.0"
    found = {}
    for created in ("2026-04-30T12:00:00+02:00", "2026-05-01T12:00:00+02:00"):
        message["meldingsinfo"]["opprettet"] = created
        path = tmp_path / f"m-{created[:10]}.json"
        path.write_text(json.dumps(message), encoding="utf-8")
        report = json.loads(run(checkout, "validate", "--format", "json", path).stdout)
        found[created[:10]] = {f["rule_id"] for file in report["files"] for f in file["findings"]}
    assert "KAD-MLD-001" not in found["2026-04-30"]
    assert "KAD-MLD-001" in found["2026-05-01"]


def test_transition_rule():
    from kad_spec.spec.versions import LoggedVersion, accepted_versions

    logged = [LoggedVersion("1.0.0", "2027-04-01", ""), LoggedVersion("1.1.0", "2028-04-01", ""),
              LoggedVersion("0.9.0", "2026-04-01", "")]
    effective = date(2029, 1, 1)
    assert accepted_versions("1.1.0", effective, logged, date(2028, 6, 1)) == ("1.1.0", "1.0.0")
    assert accepted_versions("1.1.0", effective, logged, date(2029, 4, 30)) == ("1.1.0", "1.0.0")
    assert accepted_versions("1.1.0", effective, logged, date(2029, 5, 1)) == ("1.1.0",)
    assert accepted_versions("1.0.0", date(2028, 1, 1), logged, None) == ("1.0.0", "0.9.0")
    assert accepted_versions("0.9.0", date(2027, 1, 1), logged, None) == ("0.9.0",)
    # A patch is the same format: 1.1.0 stays accepted, and 1.0.0 only during the transition.
    patched = [*logged, LoggedVersion("1.1.1", "2028-10-01", "")]
    assert accepted_versions("1.1.1", effective, patched, date(2029, 4, 30)) == ("1.1.1", "1.1.0", "1.0.0")
    assert accepted_versions("1.1.1", effective, patched, date(2029, 5, 1)) == ("1.1.1", "1.1.0")
    assert accepted_versions("2.0.0", date(2030, 1, 1), [*patched, LoggedVersion("1.0.1", "", "")],
                             date(2029, 6, 1)) == ("2.0.0", "1.1.1", "1.1.0")


def test_the_bundled_model_has_no_hand_written_version_list():
    assert "supported_versions" not in (ROOT / "model" / "kad.yaml").read_text(encoding="utf-8")


# -- 2. without LinkML ----------------------------------------------------------------------


@pytest.fixture()
def no_linkml(tmp_path: Path) -> Path:
    """A folder that, first on the path, makes `import linkml` fail as it does when it is not installed."""
    fake = tmp_path / "without-linkml" / "linkml"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'linkml\'", name="linkml")\n', encoding="utf-8")
    return fake.parent


@pytest.mark.parametrize("command", [["lint"], ["generate"], ["generate", "--check"], ["release", "--out", "dist"]],
                         ids=" ".join)
def test_commands_needing_linkml_say_so_in_one_line_and_exit_2(checkout, no_linkml, command):
    done = run(checkout, *command, extra_path=no_linkml)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.splitlines()
    assert "krever LinkML" in line and "pip install 'kad-spec[model]'" in line
    assert not (checkout / "dist").exists()
    english = run(checkout, *command, "--lang", "en", extra_path=no_linkml)
    assert english.returncode == 2 and "needs LinkML" in english.stderr


def test_validation_lint_without_linkml_and_diff_need_no_linkml(checkout, no_linkml):
    for command in (["validate", "examples/kad-melding.json"], ["lint", "--no-linkml"], ["diff", ".", "."]):
        done = run(checkout, *command, extra_path=no_linkml)
        assert done.returncode == 0, done.stdout + done.stderr


# -- 4. diff sees the code lists ------------------------------------------------------------


def new_icd10_edition(checkout: Path, tmp_path: Path) -> None:
    exported = tmp_path / "icd10-2027.json"
    assert run(checkout, "codelists", "export", "icd10", "--format", "navikt-json", "--date", "2026-06-01",
               "-o", exported).returncode == 0
    records = [r for r in json.loads(exported.read_text(encoding="utf-8")) if r["code"] not in ("A000", "B010")]
    records.append({"code": "U999", "text": "Ny kode for testen"})
    exported.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    done = run(checkout, "codelists", "import", exported, "--format", "navikt-json", "--list", "icd10",
               "--edition", "2027")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 nye, 2 avsluttede" in done.stdout


def test_diff_lists_added_and_ended_codes_of_a_new_icd10_edition(checkout, tmp_path):
    new_icd10_edition(checkout, tmp_path)
    done = run(checkout, "diff", ROOT, checkout, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    found = {(c["check_id"], c["kind"], c["element"]) for c in doc["changes"]}
    assert found == {("DIFF-018", "non-breaking", "icd10:2027"), ("DIFF-019", "non-breaking", "icd10.U999"),
                     ("DIFF-020", "breaking", "icd10.A000"), ("DIFF-020", "breaking", "icd10.B010")}
    ended = next(c for c in doc["changes"] if c["element"] == "icd10.A000")
    assert "brytende for avsendere fra 2027-01-01" in ended["message"]
    assert doc["version_check"]["ok"]  # code lists have their own editions: no new spec version needed
    markdown = run(checkout, "diff", ROOT, checkout, "--fail-on", "breaking")
    assert markdown.returncode == 1 and "| DIFF-020 | `icd10.A000` |" in markdown.stdout
    (entry,) = yaml.safe_load(run(checkout, "diff", ROOT, checkout, "--changelog").stdout)
    assert {(c["check"], c["element"]) for c in entry["changes"]} >= {("DIFF-019", "icd10.U999"), ("DIFF-020", "icd10.A000")}


# -- 5. stale generated files ---------------------------------------------------------------


def test_validate_warns_once_when_the_model_changed_after_generate(checkout):
    path = checkout / "model" / "kad.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "      kjonn:\n"
    assert anchor in text
    path.write_text(text.replace(anchor, "      sivilstand:\n        range: string\n        description: Ny.\n"
                                         "        annotations: {title_en: Marital status, krav: V}\n" + anchor, 1),
                    encoding="utf-8")
    done = run(checkout, "validate", "examples/kad-melding.json", "examples/kad-melding.xml")
    assert done.returncode == 0
    assert done.stderr.count("kad-spec generate") == 1 and "advarsel" in done.stderr
    english = run(checkout, "validate", "--lang", "en", "examples/kad-melding.json")
    assert "warning: the generated schemas" in english.stderr
    assert run(checkout, "generate").returncode == 0
    again = run(checkout, "validate", "examples/kad-melding.json")
    assert again.returncode == 0 and again.stderr == ""


def test_generate_check_sees_the_manifest(checkout):
    (checkout / "generated" / "manifest" / "model.json").write_text("{}", encoding="utf-8")
    done = run(checkout, "generate", "--check")
    assert done.returncode == 1 and "manifest/model.json" in done.stdout


# -- 6. dates and the small things ----------------------------------------------------------


def test_lint_notices_that_publisert_did_not_move(checkout):
    edit_model(checkout, version="1.1.0")
    log_version(checkout, "1.1.0", "2027-04-01")
    done = run(checkout, "lint", "--no-linkml")
    assert done.returncode == 1
    assert "LINT-018" in done.stdout and "publisert er ikke flyttet" in done.stdout
    assert 'Sett publisert: "2028-04-01" og ikrafttredelse: "2029-01-01"' in done.stdout


@pytest.mark.parametrize("publisert,ikraft,expected", [
    ("2028-03-15", "2029-01-01", "en ny versjon publiseres 1. april"),
    ("2028-04-01", "2028-07-01", "gjelder fra 1. januar året etter"),
])
def test_lint_checks_the_1_april_1_january_rhythm(checkout, publisert, ikraft, expected):
    edit_model(checkout, version="1.1.0", publisert=publisert, ikrafttredelse=ikraft)
    log_version(checkout, "1.1.0", publisert)
    done = run(checkout, "lint", "--no-linkml")
    assert done.returncode == 1 and "LINT-018" in done.stdout and expected in done.stdout


def test_changelog_entry_takes_its_date_from_the_version_made(checkout):
    edit_model(checkout, version="1.0.1", publisert="2027-09-01")
    done = run(checkout, "diff", ROOT, checkout, "--changelog")
    (entry,) = yaml.safe_load(done.stdout)
    assert entry["version"] == "1.0.1" and entry["date"] == "2027-09-01"


def test_readme_diff_example_works_and_speaks_bokmal(checkout):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    release_line = next(line for line in readme.splitlines() if line.startswith("kad-spec release"))
    diff_line = next(line for line in readme.splitlines() if line.startswith("kad-spec diff"))
    assert run(checkout, *release_line.split("#")[0].split()[1:]).returncode == 0
    done = run(checkout, *diff_line.split("#")[0].split()[1:])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ingen endringer" in done.stdout
    assert "none" not in done.stdout and "ingen økning" in done.stdout
