"""Which model the generated artefacts were made from: a hash written by ``generate``.

``generated/manifest/model.json`` holds the SHA-256 of the model files generation reads
(``kad.yaml`` and ``rules/*.yaml``, line ends normalised). ``validate`` compares it with the
model it runs with and warns once when they differ: the same question as ``generate --check``,
answered by hashing about 80 kB instead of generating everything.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kad_spec.spec.text import Text

MANIFEST = "manifest/model.json"

STALE_WARNING = Text("kad-spec: advarsel: de genererte skjemaene ({generated}) er ikke laget fra modellen {model} "
                     "({reason}); valideringen bruker skjemaene slik de er. Kjør `kad-spec generate`.",
                     "kad-spec: warning: the generated schemas ({generated}) were not made from the model {model} "
                     "({reason}); validation uses the schemas as they are. Run `kad-spec generate`.")
STALE_REASONS = {
    "changed": Text("modellen er endret etter siste generering", "the model changed after the last generation"),
    "missing": Text("manifestet mangler", "the manifest is missing"),
}


def model_files(model_dir: Path) -> list[Path]:
    return [model_dir / "kad.yaml", *sorted((model_dir / "rules").glob("*.yaml"))]


def model_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in model_files(model_dir):
        if path.is_file():
            digest.update(path.relative_to(model_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def manifest_text(model_dir: Path) -> str:
    doc = {
        "model_sha256": model_digest(model_dir),
        "files": [p.relative_to(model_dir).as_posix() for p in model_files(model_dir) if p.is_file()],
        "note": "Skrevet av kad-spec generate; validate sammenligner model_sha256 med modellen den bruker.",
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def stale_reason(model_dir: Path, generated_dir: Path) -> str | None:
    """None when the artefacts were generated from this model; else "changed" or "missing"."""
    try:
        recorded = json.loads((generated_dir / MANIFEST).read_text(encoding="utf-8")).get("model_sha256")
    except (OSError, ValueError, AttributeError):
        return "missing"
    return None if recorded == model_digest(model_dir) else "changed"


def stale_warning(lang: str = "nb") -> str | None:
    """The one-line warning for the bundled model and artefacts, or None when they match."""
    from kad_spec.spec.resources import generated_dir, model_dir

    reason = stale_reason(model_dir(), generated_dir())
    if reason is None:
        return None
    return STALE_WARNING.format(lang, generated=generated_dir(), model=model_dir(),
                                reason=STALE_REASONS[reason].get(lang))
