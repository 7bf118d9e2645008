"""Everything in ``generated/`` comes from here: one function per artefact, one registry."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kad_spec.spec.manifest import MANIFEST, manifest_text
from kad_spec.spec.model import load_model
from kad_spec.spec.resources import model_dir  # codelists/ is read too: the docs list them


def artefacts(model_directory: Path | None = None) -> dict[str, str]:
    """Relative path below ``generated/`` → file text, all built from the model."""
    from kad_spec.generate.activityschema import generate_activity_schema
    from kad_spec.generate.jsonschema import generate_jsonschema
    from kad_spec.generate.linkml_view import schema_view
    from kad_spec.generate.markdown import generate_markdown
    from kad_spec.generate.python import generate_python
    from kad_spec.generate.reportschema import generate_report_schema
    from kad_spec.generate.schematron import generate_schematron
    from kad_spec.generate.xsd import generate_xsd

    from kad_spec.spec.catalogue import load_catalogue
    from kad_spec.codelists import load_codelists

    directory = model_directory or model_dir()
    m = load_model(directory)
    rules = load_catalogue(directory / "rules")
    lists = load_codelists()
    files = {
        "jsonschema/kad.schema.json": generate_jsonschema(schema_view(directory), m),
        "xsd/kad.xsd": generate_xsd(m),
        "schematron/kad.sch": generate_schematron(m, rules),
        "python/kad_model.py": generate_python(schema_view(directory)),
        "jsonschema/report.schema.json": generate_report_schema(m),
        "jsonschema/aktivitetsrapport.schema.json": generate_activity_schema(m),
    }
    files.update({f"docs/{name}": text for name, text in generate_markdown(m, lists, rules).items()})
    files[MANIFEST] = manifest_text(directory)
    return files


@dataclass(frozen=True)
class Drift:
    path: str
    reason: str  # "endret" | "mangler" | "overflødig"


OWNED = ".kad-spec-generated"  # the files an earlier run wrote: the only ones replaced or removed


def write(out: Path, files: dict[str, str], force: bool = False) -> list[str]:
    """Write the changed artefacts; remove those an earlier run wrote that are no longer made.

    A file this command did not write (not in the manifest) is replaced only with ``force``
    and never removed. Raises :class:`kad_spec.output.files.OutputRefused`.
    """
    from kad_spec.output.files import OutputRefused, check_target, inside, read_manifest, write_atomic, write_manifest

    owned = read_manifest(out, OWNED) or set()
    changed = {}
    for rel, text in sorted(files.items()):
        target, data = inside(out, rel), text.encode("utf-8")
        if target.is_file() and target.read_bytes() == data:
            continue
        if os.path.lexists(target):
            check_target(target, force=force or rel in owned)
        changed[rel] = (target, data)
    if out.exists() and not out.is_dir():
        raise OutputRefused(f"{out} finnes og er ikke en mappe")
    for rel, (target, data) in changed.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data, force=True)
    stale = sorted(rel for rel in owned - files.keys() if inside(out, rel).is_file())
    for rel in stale:
        inside(out, rel).unlink()
    if changed or stale or owned != set(files):
        out.mkdir(parents=True, exist_ok=True)
        write_manifest(out, OWNED, "# kad-spec generate: filer skrevet av kommandoen", files)
    return [*changed, *stale]


def check(out: Path, files: dict[str, str]) -> list[Drift]:
    drift = []
    for rel, text in sorted(files.items()):
        target = out / rel
        if not target.exists():
            drift.append(Drift(rel, "mangler"))
        elif target.read_bytes() != text.encode("utf-8"):
            drift.append(Drift(rel, "endret"))
    drift += [Drift(rel, "overflødig") for rel in sorted(_existing(out) - files.keys())]
    return drift


def _existing(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    return {p.relative_to(out).as_posix() for p in out.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.name != OWNED}
