"""`kad-spec release`: complete, checksummed, dated and reproducible byte for byte."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from kad_spec import __version__
from kad_spec.generate import artefacts
from kad_spec.spec.model import model
from kad_spec.spec.resources import model_dir


@pytest.fixture(scope="module")
def built(cli, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = cli("release", "--out", out)
    assert result.exit_code == 0, result.output
    return out / f"kad-spec-{model().version}.zip"


def read(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_two_builds_are_byte_identical(cli, built, tmp_path):
    result = cli("release", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    again = tmp_path / built.name
    assert again.read_bytes() == built.read_bytes()
    assert hashlib.sha256(built.read_bytes()).hexdigest() in result.output


def test_contents(built):
    folder = f"kad-spec-{model().version}/"
    names = {name.removeprefix(folder) for name in read(built)}
    for expected in (
        "jsonschema/kad.schema.json", "jsonschema/report.schema.json", "jsonschema/aktivitetsrapport.schema.json",
        "xsd/kad.xsd", "python/kad_model.py",
        "docs/index.md", "model/kad.yaml", "model/endringslogg.yaml", "examples/kad-melding.json",
        "codelists/kommunenummer.csv", "codelists/icd10.csv", "release.json", "SHA256SUMS",
        "schematron/kad.sch", f"wheel/kad_spec-{__version__}-py3-none-any.whl",
    ):
        assert expected in names, expected
    assert all(name.startswith(folder) for name in read(built))
    try:
        import kad_spec.site  # noqa: F401
    except ImportError:
        pass
    else:
        assert "site/index.html" in names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_generated_files_are_built_from_the_model(built):
    folder = f"kad-spec-{model().version}/"
    files = read(built)
    for rel, text in artefacts().items():
        assert files[folder + rel] == text.encode("utf-8"), rel


def test_checksums_and_metadata_agree_with_the_files(built):
    folder = f"kad-spec-{model().version}/"
    files = {name.removeprefix(folder): data for name, data in read(built).items()}
    sums = {}
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, rel = line.split("  ", 1)
        sums[rel] = digest
    assert set(sums) == set(files) - {"SHA256SUMS"}
    for rel, digest in sums.items():
        assert hashlib.sha256(files[rel]).hexdigest() == digest, rel
    meta = json.loads(files["release.json"])
    assert meta["versjon"] == model().version
    assert meta["publisert"] == model().annotations["publisert"]
    assert meta["ikrafttredelse"] == model().annotations["ikrafttredelse"]
    listed = {f["sti"]: f for f in meta["filer"]}
    assert set(listed) == set(files) - {"SHA256SUMS", "release.json"}
    for rel, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[rel]).hexdigest()
        assert entry["bytes"] == len(files[rel])


def test_zip_entries_are_host_independent(built):
    published = tuple(int(x) for x in model().annotations["publisert"].split("-"))
    with zipfile.ZipFile(built) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for info in infos:
        assert info.date_time == (*published, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    root = model_dir().parent
    for name in ("model", "codelists", "examples"):
        shutil.copytree(root / name, tmp_path / "repo" / name)
    return tmp_path / "repo" / "model"


def edit(directory: Path, change) -> None:
    path = directory / "kad.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_new_version_and_dates_follow_the_model(cli, repo_copy, tmp_path):
    def bump(doc):
        doc["version"] = "1.1.0"
        doc["annotations"]["publisert"] = "2028-04-01"
        doc["annotations"]["ikrafttredelse"] = "2029-01-01"

    edit(repo_copy, bump)
    unlogged = cli("release", "--model", repo_copy, "--out", tmp_path / "dist")
    assert unlogged.exit_code == 1 and "LINT-017" in unlogged.output  # the release needs its change log entry
    log = repo_copy / "endringslogg.yaml"
    doc = yaml.safe_load(log.read_text(encoding="utf-8"))
    doc["versions"].insert(0, {"version": "1.1.0", "date": "2028-04-01", "status": "publisert", "summary": "Ny.",
                               "changes": []})
    log.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("release", "--model", repo_copy, "--out", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    path = tmp_path / "dist" / "kad-spec-1.1.0.zip"
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("kad-spec-1.1.0/release.json"))
        assert archive.infolist()[0].date_time[:3] == (2028, 4, 1)
        logged = yaml.safe_load(archive.read("kad-spec-1.1.0/model/endringslogg.yaml"))["versions"][0]
    assert (meta["versjon"], meta["publisert"], meta["ikrafttredelse"]) == ("1.1.0", "2028-04-01", "2029-01-01")
    assert (logged["version"], logged["date"]) == ("1.1.0", "2028-04-01")


def test_model_with_lint_errors_is_not_released(cli, repo_copy, tmp_path):
    edit(repo_copy, lambda d: d["classes"]["Pasient"].pop("description"))
    result = cli("release", "--model", repo_copy, "--out", tmp_path / "dist")
    assert result.exit_code == 1
    assert "LINT-003" in result.output
    assert not (tmp_path / "dist" / "kad-spec-1.0.0.zip").exists()


def test_missing_model_is_usage_error(cli, tmp_path):
    assert cli("release", "--model", tmp_path / "nope", "--out", tmp_path).exit_code == 2
