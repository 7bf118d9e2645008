"""Files that are not messages, and paths that are not files: exit 1 with a finding naming the
file, or exit 2 for a usage error, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from hostile import BASE_JSON, BASE_XML, assert_no_traceback, hostile_files, run_cli


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("filer"))


def report(cli, *paths):
    result = cli("validate", "--format", "json", *paths)
    assert_no_traceback(result.stdout, result.stderr)
    return result.exit_code, (json.loads(result.stdout) if result.stdout.strip() else None), result.stderr


def first(report_dict):
    return report_dict["files"][0]["findings"][0]


@pytest.mark.parametrize("name, words", [
    ("tom.json", "tom"), ("bare-bom.json", "tom"), ("avkortet.json", "ugyldig JSON"),
    ("avkortet.xml", "ugyldig XML"), ("dokument.json", "PDF"), ("arkiv.json", "ZIP"),
    ("tilfeldig.xml", "UTF-16"),
])
def test_not_a_message(cli, files, name, words):
    code, found, _ = report(cli, files[name])
    assert code == 1
    hit = first(found)
    assert hit["rule_id"] in ("KAD-FIL-001", "KAD-FIL-002") and words in hit["message"]
    assert hit["file"].endswith(name)


def test_truncated_files_name_the_line(cli, files):
    for name in ("avkortet.json", "avkortet.xml"):
        _, found, _ = report(cli, files[name])
        assert first(found)["line"] > 1


def test_missing_path_is_a_usage_error(cli, tmp_path):
    code, found, err = report(cli, tmp_path / "finnes-ikke.json")
    assert code == 2 and found is None
    assert "finnes-ikke.json" in err


def test_broken_symlink_is_a_finding(cli, tmp_path):
    link = tmp_path / "lenke.json"
    link.symlink_to(tmp_path / "borte.json")
    code, found, _ = report(cli, link)
    assert code == 1
    assert "lenke til en fil som ikke finnes" in first(found)["message"]


def test_directory_named_like_a_message_is_a_usage_error(cli, tmp_path):
    folder = tmp_path / "x.json"
    folder.mkdir()
    code, _, err = report(cli, folder)
    assert code == 2 and "Fant ingen meldingsfiler" in err


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "ror.json"
    os.mkfifo(fifo)
    run = run_cli("validate", fifo, timeout=20)
    assert run.returncode == 1
    assert_no_traceback(run.stdout, run.stderr)
    assert "ikke en vanlig fil" in run.stdout


def test_unreadable_file(cli, tmp_path):
    path = tmp_path / "lukket.json"
    shutil.copy(BASE_JSON, path)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("kjører som root: filen kan leses likevel (FIFO og mappe dekker uleselige stier)")
        code, found, _ = report(cli, path)
        assert code == 1 and "ingen tilgang" in first(found)["message"]
    finally:
        path.chmod(0o644)


def test_same_file_twice_is_validated_once(cli, tmp_path, monkeypatch):
    path = tmp_path / "melding.json"
    shutil.copy(BASE_JSON, path)
    (tmp_path / "lenke.json").symlink_to(path)
    monkeypatch.chdir(tmp_path)
    code, found, _ = report(cli, path, "melding.json", "./melding.json", "lenke.json", tmp_path)
    assert code == 0
    assert found["summary"]["files"] == 1 and found["summary"]["stays"] == 4


def test_folder_with_mixed_files(cli, tmp_path, files):
    """A folder yields *.json and *.xml (any case, any depth); other files are left alone.
    A file named explicitly is always validated, whatever its name."""
    shutil.copy(BASE_JSON, tmp_path / "a.json")
    (tmp_path / "under").mkdir()
    shutil.copy(BASE_XML, tmp_path / "under" / "b.XML")
    (tmp_path / "notat.txt").write_text("ikke en melding", encoding="utf-8")
    shutil.copy(files["dokument.json"], tmp_path / "vedlegg.pdf")
    code, found, _ = report(cli, tmp_path)
    assert code == 0
    assert sorted(os.path.basename(f["path"]) for f in found["files"]) == ["a.json", "b.XML"]
    code, found, _ = report(cli, tmp_path / "notat.txt")
    assert code == 1 and first(found)["rule_id"] == "KAD-FIL-001"


def test_one_bad_file_does_not_hide_the_others(cli, tmp_path, files):
    shutil.copy(BASE_JSON, tmp_path / "god.json")
    code, found, _ = report(cli, tmp_path / "god.json", files["dokument.json"], files["tom.json"])
    assert code == 1
    assert [f["errors"] for f in found["files"]] == [0, 1, 1]
