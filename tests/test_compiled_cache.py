"""The per-user cache of compiled code lists and model files, through the real command.

Each test runs ``kad-spec`` in its own process with ``KAD_SPEC_CACHE_DIR`` pointing at a folder
of its own, so what one run stores is what the next one reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT
from kad_spec.spec.catalogue import catalogue
from kad_spec.spec.compiled import CACHE_DIR_VARIABLE, read_entry, sources_digest, write_entry
from kad_spec.spec.patch import apply_patch

LISTS = ROOT / "codelists"


def kad(cache: Path, *args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, CACHE_DIR_VARIABLE: str(cache)}
    return subprocess.run([sys.executable, "-m", "kad_spec", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd or ROOT, timeout=120)


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("codelist-*.bin"))


def lookup_halden(cache: Path, folder: Path) -> str:
    done = kad(cache, "codelists", "lookup", "kommunenummer", "3001", "--date", "2022-03-01", "--from", folder)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def lists(tmp_path) -> Path:
    folder = tmp_path / "kodeverk"
    folder.mkdir()
    shutil.copy(LISTS / "kommunenummer.csv", folder)
    return folder


def test_a_list_is_compiled_once_and_then_read_from_the_cache(tmp_path, lists):
    cache = tmp_path / "cache"
    first = lookup_halden(cache, lists)
    (entry,) = entries(cache)
    stored = entry.read_bytes()
    assert lookup_halden(cache, lists) == first
    assert entry.read_bytes() == stored  # read, not written again
    assert read_entry(entry, sources_digest("codelist", [(lists / "kommunenummer.csv").read_bytes()])) is not None


@pytest.mark.parametrize("old, new", [("Halden", "Hxlden"), ("Halden", "Halden kommune")],
                         ids=["same size", "other size"])
def test_a_changed_list_is_compiled_again(tmp_path, lists, old, new):
    cache = tmp_path / "cache"
    assert "Halden" in lookup_halden(cache, lists)
    csv_file = lists / "kommunenummer.csv"
    stat = csv_file.stat()
    csv_file.write_text(csv_file.read_text(encoding="utf-8").replace(f"3001,{old},", f"3001,{new},"), encoding="utf-8")
    os.utime(csv_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same time stamp: content decides
    assert new in lookup_halden(cache, lists)
    (entry,) = entries(cache)
    assert read_entry(entry, sources_digest("codelist", [csv_file.read_bytes()])) is not None


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "garbage", "empty"])
def test_a_damaged_cache_entry_is_ignored_and_replaced(tmp_path, lists, damage):
    cache = tmp_path / "cache"
    expected = lookup_halden(cache, lists)
    (entry,) = entries(cache)
    good = entry.read_bytes()
    damaged = {
        "truncated": good[: len(good) // 2],
        "flipped byte": good[:-10] + bytes([good[-10] ^ 0x20]) + good[-9:],
        "garbage": b"\x00\xff" * 500,
        "empty": b"",
    }[damage]
    entry.write_bytes(damaged)
    assert lookup_halden(cache, lists) == expected
    assert entry.read_bytes() == good


def test_an_entry_of_another_layout_is_compiled_again(tmp_path, lists):
    cache = tmp_path / "cache"
    expected = lookup_halden(cache, lists)
    (entry,) = entries(cache)
    good = entry.read_bytes()
    # Whole and with the right digests, but not what this version writes (as after a change of layout).
    assert write_entry(entry, sources_digest("codelist", [(lists / "kommunenummer.csv").read_bytes()]), ("annet",))
    assert lookup_halden(cache, lists) == expected
    assert entry.read_bytes() == good


def test_an_unwritable_cache_folder_still_validates(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = kad(blocker / "cache", "validate", EXAMPLES / "kad-melding.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 fil(er), 4 opphold, 0 feil" in done.stdout
    assert done.stderr == ""


def code_list_examples(folder: Path) -> Path:
    """Every failing catalogue example of the code list and diagnosis rules, one file each."""
    base = json.loads((EXAMPLES / "kad-melding.json").read_text(encoding="utf-8"))
    folder.mkdir()
    for rule in catalogue().values():
        if rule.area not in ("kodeverk", "diagnose"):
            continue
        for number, example in enumerate(rule.examples):
            if example.expect != "fail" or example.raw is not None or example.envelope is not None \
                    or example.format != "json":
                continue
            path = folder / f"{rule.id}-{number}.json"
            path.write_text(json.dumps(apply_patch(base, example.patch), ensure_ascii=False), encoding="utf-8")
    return folder


def test_findings_are_the_same_without_a_cache_from_a_cold_one_and_from_a_warm_one(tmp_path):
    folder = code_list_examples(tmp_path / "meldinger")
    assert len(list(folder.iterdir())) >= 10
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    runs = [kad(cache, "validate", "--format", "json", folder)
            for cache in (blocker / "cache", tmp_path / "cache", tmp_path / "cache")]
    assert entries(tmp_path / "cache")  # the cold run stored the lists it used
    assert {run.returncode for run in runs} == {1}, [run.stderr for run in runs]
    reports = [json.loads(run.stdout) for run in runs]
    rules = {f["rule_id"] for file in reports[0]["files"] for f in file["findings"]}
    assert {"KAD-KL-001", "KAD-DIA-003"} <= rules
    assert reports[0] == reports[1] == reports[2]


def test_a_changed_rule_catalogue_file_is_read_again(tmp_path, monkeypatch):
    from kad_spec.spec.catalogue import load_catalogue

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "model" / "rules", rules)
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(cache))
    before = load_catalogue(rules)["KAD-KL-001"].title
    assert len(list(cache.glob("yaml-*.bin"))) == len(list(rules.glob("*.yaml")))
    source = rules / "kodeverk.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace(before, before + " (endret)", 1), encoding="utf-8")
    assert load_catalogue(rules)["KAD-KL-001"].title == before + " (endret)"
