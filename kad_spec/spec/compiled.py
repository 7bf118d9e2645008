"""A per-user cache of data compiled from the bundled source files (code lists, model, catalogue).

Parsing the CSV and YAML sources costs more than a small validation run, so each is compiled once
into plain data (str, int, tuple, list, dict) and kept in ``$KAD_SPEC_CACHE_DIR``, else
``$XDG_CACHE_HOME/kad-spec``, else ``~/.cache/kad-spec``: never inside the package or the checkout.

An entry is trusted only when all of these hold, else it is compiled again and replaced:

* it starts with this module's magic bytes and format number;
* the SHA-256 of the source files' bytes (salted with the format and the Python version, whose
  ``marshal`` layout may change) equals the one recorded;
* the SHA-256 of its payload equals the one recorded (a truncated or damaged file is refused
  before it is decoded).

``marshal`` is used rather than ``pickle`` because it decodes plain values only and can never run
code, whoever wrote the file. Writes go to a temporary file in the same folder and are renamed
into place, so a reader never sees half an entry. When the folder cannot be made or written, the
data is compiled on every run, as before, and nothing fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Callable

CACHE_DIR_VARIABLE = "KAD_SPEC_CACHE_DIR"
FORMAT = 2  # raise when the layout of any compiled payload changes
MAGIC = b"KADSPEC\0"
_DIGEST_SIZE = 32
_HEADER_SIZE = len(MAGIC) + 4 + 2 * _DIGEST_SIZE


def cache_dir() -> Path | None:
    """The folder for compiled entries; None when no home folder can be found."""
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "kad-spec"
    try:
        return Path.home() / ".cache" / "kad-spec"
    except RuntimeError:  # no HOME and no password entry
        return None


def sources_digest(kind: str, contents: list[bytes]) -> bytes:
    """The digest that ties an entry to its sources, this format and this Python."""
    digest = hashlib.sha256(f"{kind}\0{FORMAT}\0{sys.version_info[:2]}\0{marshal.version}".encode())
    for content in contents:
        digest.update(len(content).to_bytes(8, "little"))
        digest.update(content)
    return digest.digest()


def entry_path(folder: Path, kind: str, sources: list[Path]) -> Path:
    """One entry per kind and set of source paths: a changed source replaces its entry in place."""
    where = "\0".join(str(p.resolve()) for p in sources)
    return folder / f"{kind}-{hashlib.sha256(where.encode()).hexdigest()[:24]}.bin"


def load_compiled(kind: str, sources: list[Path], compile_sources: Callable[[list[bytes]], Any],
                  decode: Callable[[Any], Any] = lambda data: data) -> Any:
    """``decode`` of the compiled form of ``sources``: from the cache when valid, else compiled and stored.

    ``compile_sources`` gets the files' bytes in the order given and returns plain data; an error
    it raises (a malformed source) passes through, and nothing is stored. ``decode`` turns the
    plain data into the objects wanted; an entry it cannot decode is compiled again.
    """
    contents = [path.read_bytes() for path in sources]
    wanted = sources_digest(kind, contents)
    folder = cache_dir()
    target = entry_path(folder, kind, sources) if folder is not None else None
    if target is not None:
        found = read_entry(target, wanted)
        if found is not None:
            try:
                return decode(found[0])
            except (TypeError, ValueError, KeyError, IndexError, AttributeError):
                pass  # not the layout this version writes: compiled again below
    data = compile_sources(contents)
    if target is not None:
        write_entry(target, wanted, data)
    return decode(data)


def read_entry(path: Path, wanted: bytes) -> tuple[Any] | None:
    """(data,) from a valid entry made from the wanted sources; None when missing, stale or damaged."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if len(raw) < _HEADER_SIZE or not raw.startswith(MAGIC):
        return None
    at = len(MAGIC)
    if int.from_bytes(raw[at:at + 4], "little") != FORMAT:
        return None
    at += 4
    recorded_sources, recorded_payload = raw[at:at + _DIGEST_SIZE], raw[at + _DIGEST_SIZE:_HEADER_SIZE]
    payload = memoryview(raw)[_HEADER_SIZE:]
    if recorded_sources != wanted or hashlib.sha256(payload).digest() != recorded_payload:
        return None
    try:
        return (marshal.loads(payload),)
    except (ValueError, EOFError, TypeError):
        return None


def write_entry(path: Path, sources: bytes, data: Any) -> bool:
    """Store ``data`` atomically; False (and no file left behind) when it cannot be stored."""
    try:
        payload = marshal.dumps(data)
    except ValueError:  # a value marshal cannot hold (a YAML date, say): compile each time instead
        return False
    import tempfile  # only on a write, which most runs never do

    header = MAGIC + FORMAT.to_bytes(4, "little") + sources + hashlib.sha256(payload).digest()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(header)
            out.write(payload)
        os.replace(temporary, path)
        return True
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False



def load_yaml(path: Path) -> Any:
    """The contents of YAML file ``path`` as the safe loader reads them, through the cache.

    A YAML error passes through as ``yaml.YAMLError``; PyYAML is imported only to compile.
    """

    def parse(contents: list[bytes]) -> Any:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(contents[0].decode("utf-8"), Loader=loader)

    return load_compiled("yaml", [path], parse)
