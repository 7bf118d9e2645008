"""docs/arlig-endring.md, run as written: every command in it, on a fresh clone of the project.

The guide's ``sh`` blocks are run line by line (a trailing ``# exit N`` is the exit code the
guide says to expect, else 0); its ``yaml`` and ``python`` blocks are the edits it describes,
made here at the place their first comment line names. ``kad-spec`` and ``python`` are this
test run's interpreter with the clone first on the path, so the clone's model and package are
the ones used (no reinstall). The walk-through ends in two releases whose diffs against the
previous release show exactly the changes made.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from conftest import ROOT

GUIDE = ROOT / "docs" / "arlig-endring.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)
MERGED, GONE = ("5062", "Hitra og Heim"), ("5055", "5056")


def blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def wrappers(folder: Path, clone: Path) -> dict[str, str]:
    folder.mkdir()
    for name, module in (("kad-spec", "-m kad_spec "), ("python", "")):
        script = folder / name
        script.write_text(f'#!/bin/sh\nPYTHONPATH="{clone}" exec "{sys.executable}" {module}"$@"\n', encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(clone),
            "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
            "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org"}


def run_line(line: str, clone: Path, env: dict) -> subprocess.CompletedProcess:
    command, _, comment = line.partition("   #")
    expected = re.match(r"\s*exit (\d+)", comment)
    done = subprocess.run(["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    want = int(expected.group(1)) if expected else 0
    assert done.returncode == want, f"{command}\nexit {done.returncode}, expected {want}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done


def where(block: str) -> tuple[str, list[str], str]:
    """(file, key path, body) from a block whose first line is '# FILE: a → b → c' (or '(øverst)', 'nederst')."""
    first, _, body = block.partition("\n")
    target, _, place = first.lstrip("# ").partition(": ")
    keys = [] if place.startswith("(") or place == "nederst" else [k.strip() for k in place.split("→")]
    return target, keys, body


def merge(node: dict, new: dict) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            merge(node[key], value)
        else:
            node[key] = value


def apply_yaml(clone: Path, block: str) -> None:
    target, keys, body = where(block)
    path = clone / target
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    node = doc
    for key in keys:
        node = node[key]
    merge(node, yaml.safe_load(body))
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")


def apply_python(clone: Path, block: str) -> None:
    target, _, body = where(block)
    path = clone / target
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + body, encoding="utf-8")


def paste_changelog_entry(clone: Path) -> None:
    """Step 5 of the guide: the entry from `diff --changelog` goes on top of `versions:`."""
    (entry,) = yaml.safe_load((clone / "ny-post.yaml").read_text(encoding="utf-8"))
    path = clone / "model" / "endringslogg.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["versions"].insert(0, entry)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    (clone / "ny-post.yaml").unlink()


def klass_downloads(clone: Path) -> None:
    """What the guide downloads from SSB Klass: the 2029 division (two municipalities merged) and its changes."""
    from kad_spec.codelists import read_codelist

    lst = read_codelist(clone / "codelists" / "kommunenummer.csv")
    day = date(2028, 6, 1)
    rows = sorted((code, lst.lookup(code, day).text) for code in lst.codes_on(day) if code not in GONE)
    rows.append(MERGED)
    head = '"code";"parentCode";"level";"name";"shortName";"notes";"validFrom";"validTo"\n'
    (clone / "kommuner-2029.csv").write_text(
        head + "".join(f'"{c}";"";"1";"{n}";"";"";"";""\n' for c, n in sorted(rows)), encoding="utf-8")
    changes = '"oldCode";"oldName";"oldShortName";"newCode";"newName";"newShortName";"changeOccurred"\n' + "".join(
        f'"{old}";"{lst.lookup(old, day).text}";"";"{MERGED[0]}";"{MERGED[1]}";"";"2029-01-01"\n' for old in GONE)
    (clone / "endringer-2029.csv").write_text(changes, encoding="utf-8")


def diff_json(clone: Path, env: dict, old: str, new: str) -> dict:
    done = subprocess.run(["kad-spec", "diff", old, new, "--format", "json"], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def changes(doc: dict) -> set[tuple[str, str, str]]:
    return {(c["check_id"], c["kind"], c["element"]) for c in doc["changes"]}


def test_the_yearly_change_guide_runs_as_written(tmp_path):
    clone = tmp_path / "kad-spec"
    cloned = subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], capture_output=True, text=True)
    assert cloned.returncode == 0, cloned.stderr
    env = wrappers(tmp_path / "bin", clone)
    guide = (clone / "docs" / "arlig-endring.md").read_text(encoding="utf-8")
    ran = 0
    for kind, block in blocks(guide):
        if kind == "yaml":
            apply_yaml(clone, block)
        elif kind == "python":
            apply_python(clone, block)
        elif kind == "sh":
            for line in block.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if "kommuner-2029.csv" in line and not (clone / "kommuner-2029.csv").exists():
                    klass_downloads(clone)
                run_line(line, clone, env)
                ran += 1
                if "--changelog -o ny-post.yaml" in line:
                    paste_changelog_entry(clone)
    assert ran >= 20
    april = diff_json(clone, env, "publisert/kad-spec-1.0.0.zip", "utgivelse/kad-spec-1.1.0.zip")
    assert changes(april) == {("DIFF-003", "non-breaking", "Opphold.isolasjon"),
                              ("DIFF-010", "non-breaking", "KAD-OPH-900")}
    assert april["version_check"]["ok"] and april["new"]["version"] == "1.1.0"
    october = diff_json(clone, env, "utgivelse/kad-spec-1.1.0.zip", "utgivelse/kad-spec-1.1.1.zip")
    assert changes(october) == {
        ("DIFF-018", "non-breaking", "kommunenummer:Kommuneinndeling 2029"),
        ("DIFF-019", "non-breaking", f"kommunenummer.{MERGED[0]}"),
        *{("DIFF-020", "breaking", f"kommunenummer.{old}") for old in GONE},
    }
    ended = [c["message"] for c in october["changes"] if c["check_id"] == "DIFF-020"]
    assert all("fra 2029-01-01" in m and f"etterfølger {MERGED[0]}" in m for m in ended)
    log = yaml.safe_load((clone / "model" / "endringslogg.yaml").read_text(encoding="utf-8"))["versions"]
    assert [(v["version"], v["date"]) for v in log[:3]] == [("1.1.1", "2028-10-01"), ("1.1.0", "2028-04-01"),
                                                             ("1.0.0", "2027-04-01")]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True).stdout
    assert status.strip() == "" or all(p.split()[-1].startswith(("publisert", "utgivelse", "kommuner", "endringer", "prove"))
                                       for p in status.splitlines()), status


def test_every_sh_line_of_the_guide_is_a_command_the_test_runs():
    lines = [line for kind, block in blocks(GUIDE.read_text(encoding="utf-8")) if kind == "sh"
             for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines and all(shlex.split(line.partition("   #")[0])[0] in ("kad-spec", "git", "python") for line in lines)


def test_the_guide_is_a_page_of_the_docs_site(cli, tmp_path):
    out = tmp_path / "site"
    assert cli("docs", "--out", out).exit_code == 0
    page = (out / "arlig-endring.html").read_text(encoding="utf-8")
    assert "<h1>Den årlige endringen, steg for steg</h1>" in page
    assert "kad-spec diff publisert/kad-spec-1.0.0.zip utgivelse/kad-spec-1.1.0.zip --fail-on breaking" in page
    assert "<table>" in page  # the rhythm table
    assert 'href="arlig-endring.html"' in (out / "index.html").read_text(encoding="utf-8")
