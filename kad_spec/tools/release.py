"""``kad-spec release``: one versioned, reproducible zip of everything a version publishes.

``kad-spec-<version>.zip`` holds, under the folder ``kad-spec-<version>/``: the JSON Schemas,
the XSD, the Schematron, the Python classes and the markdown reference (generated afresh from
the model, so they cannot be stale), the validator as a wheel (``wheel/``, built from the checkout
the model lies in, with ``SOURCE_DATE_EPOCH`` at the publication date), the documentation site, the examples, the code lists, the model with its
rule catalogue and change log (``model/endringslogg.yaml``), ``release.json`` (version,
publication and effective dates, every file with its size and SHA-256) and ``SHA256SUMS``
(``sha256sum -c`` format, run inside the folder).

Same model, same bytes: entries are sorted, every timestamp is the publication date
(annotation ``publisert``), permissions are fixed (0644), the creating system is fixed (Unix),
compression is fixed, and nothing of the host (paths, user, clock) is written.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kad_spec import __version__

UNIX = 3
FILE_MODE = 0o100644 << 16  # regular file, rw-r--r--
SKIP_PARTS = {"__pycache__", ".git", ".pytest_cache"}


class ReleaseError(ValueError):
    """The release cannot be built; the message (bokmål) says why."""


@dataclass(frozen=True)
class Sources:
    model: Path
    codelists: Path
    examples: Path

    @classmethod
    def beside(cls, model_dir: Path | None = None) -> "Sources":
        """The model folder and the code lists and examples beside it (else the bundled ones)."""
        from kad_spec.spec.resources import codelists_dir, examples_dir, model_dir as bundled_model

        model = Path(model_dir or bundled_model())
        codelists = model.parent / "codelists"
        examples = model.parent / "examples"
        return cls(
            model,
            codelists if codelists.is_dir() else codelists_dir(),
            examples if examples.is_dir() else examples_dir(),
        )


@dataclass(frozen=True)
class Release:
    path: Path
    version: str
    sha256: str
    files: int
    site: bool


# --- collecting the files -----------------------------------------------------------------


def _tree(folder: Path, prefix: str) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not (SKIP_PARTS & set(rel.parts)) and not rel.name.startswith("."):
            files[f"{prefix}/{rel.as_posix()}"] = path.read_bytes()
    return files


def _generated(model_dir: Path) -> dict[str, bytes]:
    from kad_spec.generate import artefacts

    return {rel: text.encode("utf-8") for rel, text in artefacts(model_dir).items()}


def _site(sources: Sources, generated: dict[str, bytes], notes: list[str]) -> dict[str, bytes]:
    try:
        from kad_spec.site import Sources as SiteSources, build_site
    except ImportError:
        notes.append("Dokumentasjonsnettstedet er ikke med (kad_spec.site finnes ikke); bare markdown-referansen i docs/.")
        return {}
    with tempfile.TemporaryDirectory(prefix="kad-spec-release-") as tmp:
        gen_dir = Path(tmp) / "generated"
        for rel, data in generated.items():
            (gen_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (gen_dir / rel).write_bytes(data)
        out = Path(tmp) / "site"
        try:
            build_site(out, SiteSources(sources.model, sources.codelists, sources.examples, gen_dir))
        except Exception as exc:  # the site is its own module; report its failure, never a traceback
            raise ReleaseError(f"Dokumentasjonsnettstedet kunne ikke bygges: {exc}") from None
        return _tree(out, "site")


def collect(sources: Sources, notes: list[str] | None = None) -> dict[str, bytes]:
    """Path inside the release folder → bytes, for everything but the metadata files."""
    notes = notes if notes is not None else []
    generated = _generated(sources.model)
    files: dict[str, bytes] = {}
    for rel, data in generated.items():
        top, _, rest = rel.partition("/")
        files[f"{top}/{rest}"] = data  # jsonschema/, xsd/, python/, docs/
    files.update(_tree(sources.model, "model"))
    files.update(_tree(sources.codelists, "codelists"))
    files.update(_tree(sources.examples, "examples"))
    files.update(_site(sources, generated, notes))
    files.update(_wheel(sources, notes))
    return files


def _wheel(sources: Sources, notes: list[str]) -> dict[str, bytes]:
    """The validator as a wheel, for ``pipx install`` or ``pip install`` without a clone."""
    import os
    import subprocess
    import sys

    project = sources.model.parent
    if not (project / "pyproject.toml").is_file() or not (project / "kad_spec").is_dir():
        notes.append("Hjulet (wheel/) er ikke med: modellen ligger ikke i en klone av kad-spec.")
        return {}
    stamp = _dates(_load(sources.model))[0]
    epoch = int((stamp - date(1970, 1, 1)).total_seconds()) if stamp.year >= 1980 else 315532800
    with tempfile.TemporaryDirectory(prefix="kad-spec-wheel-") as tmp:
        built = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", tmp, str(project)],
            capture_output=True, text=True, timeout=600, env={**os.environ, "SOURCE_DATE_EPOCH": str(epoch)},
        )
        wheels = sorted(Path(tmp).glob("kad_spec-*.whl"))
        if built.returncode != 0 or not wheels:
            raise ReleaseError(f"Hjulet kunne ikke bygges (pip wheel): {built.stderr.strip()[-500:]}")
        return {f"wheel/{wheels[0].name}": wheels[0].read_bytes()}


def _load(model_dir: Path):
    from kad_spec.spec.model import load_model

    return load_model(model_dir)


# --- metadata -----------------------------------------------------------------------------


def _dates(m) -> tuple[date, date]:
    found = {}
    for key in ("publisert", "ikrafttredelse"):
        try:
            found[key] = date.fromisoformat(str(m.annotations.get(key)))
        except ValueError:
            raise ReleaseError(f"Modellen mangler gyldig dato i annotasjonen {key} (ÅÅÅÅ-MM-DD).") from None
    return found["publisert"], found["ikrafttredelse"]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(m, files: dict[str, bytes], site: bool) -> bytes:
    published, effective = _dates(m)
    doc = {
        "navn": "kad-spec",
        "tittel": m.title,
        "versjon": m.version,
        "publisert": published.isoformat(),
        "ikrafttredelse": effective.isoformat(),
        "xml_navnerom": m.annotations.get("xml_namespace"),
        "verktoyversjon": __version__,
        "dokumentasjonsnettsted": site,
        "endringslogg": "model/endringslogg.yaml" if "model/endringslogg.yaml" in files else None,
        "filer": [{"sti": rel, "bytes": len(data), "sha256": _sha256(data)} for rel, data in sorted(files.items())],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def checksums(files: dict[str, bytes]) -> bytes:
    return "".join(f"{_sha256(data)}  {rel}\n" for rel, data in sorted(files.items())).encode("utf-8")


# --- the zip ------------------------------------------------------------------------------


def write_zip(target: Path, folder: str, files: dict[str, bytes], stamp: date, force: bool = False) -> None:
    """Written beside ``target`` and renamed into place; an existing bundle is replaced only with ``force``."""
    from kad_spec.output.files import inside, open_atomic

    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)  # zip dates start in 1980
    with open_atomic(target, force=force) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        for rel, data in sorted(files.items()):
            inside(Path(folder), rel)  # every entry stays inside the bundle's folder when unpacked
            info = zipfile.ZipInfo(f"{folder}/{rel}", date_time=when)
            info.create_system = UNIX
            info.external_attr = FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)


def build_release(out: Path, model_dir: Path | None = None, *, check_lint: bool = True,
                  force: bool = False) -> tuple[Release, list[str]]:
    """Build ``out/kad-spec-<version>.zip``; returns it and notes for the user. An existing
    bundle of the same version is replaced only with ``force``."""
    from kad_spec.spec.model import load_model
    from kad_spec.output.files import check_target

    sources = Sources.beside(model_dir)
    if check_lint:
        _refuse_if_lint_errors(sources.model)
    m = load_model(sources.model)
    if out.is_dir():
        check_target(out / f"kad-spec-{m.version}.zip", force=force)  # before the work of building it
    published, _ = _dates(m)
    notes: list[str] = []
    files = collect(sources, notes)
    site = any(rel.startswith("site/") for rel in files)
    files["release.json"] = metadata(m, files, site)
    files["SHA256SUMS"] = checksums(files)
    out.mkdir(parents=True, exist_ok=True)
    folder = f"kad-spec-{m.version}"
    target = out / f"{folder}.zip"
    write_zip(target, folder, files, published, force)
    return Release(target, m.version, _sha256(target.read_bytes()), len(files), site), notes


def _refuse_if_lint_errors(model_dir: Path) -> None:
    from kad_spec.spec.findings import ERROR
    from kad_spec.tools.lint import lint_model

    result = lint_model(model_dir, linkml=False)
    errors = [p for p in result.problems if p.severity == ERROR]
    if errors:
        listed = "\n".join(f"  {p.check_id}: {p.location}: {p.message}" for p in errors[:20])
        raise ReleaseError(f"Modellen har {len(errors)} lint-feil; rett dem før publisering (kad-spec lint):\n{listed}")


def unpack_for_inspection(zip_path: Path, target: Path) -> Path:
    """Extract a release (tests and reviewers); returns the release folder."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)
        top = {name.split("/", 1)[0] for name in archive.namelist()}
    if len(top) != 1:
        raise ReleaseError(f"{zip_path}: forventet én toppmappe, fant {sorted(top)}")
    return target / top.pop()


__all__ = ["Release", "ReleaseError", "Sources", "build_release", "checksums", "collect", "metadata", "write_zip", "unpack_for_inspection"]
