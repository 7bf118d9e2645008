"""The validation engine's public API: what the CLI, the reports, the register and the service call.

    from kad_spec.validation import Options, check_document, check_paths

    result = check_document(Path("melding.json"))             # one file -> FileResult
    result = check_document(body_bytes, name="upload.xml")      # bytes, never written to disk
    for result in check_paths([Path("mappe")], Options(), jobs=2):  # files and folders, in order
        ...

``Options`` are the validator's settings (as-of date, severity overrides, the limit of detailed
findings per rule, waived stays). The names are imported lazily, so that importing this package
costs nothing until a message is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from kad_spec.validation.engine import FileResult, Settings as Options, Validator

__all__ = ["Options", "FileResult", "Validator", "check_document", "check_paths"]


def __getattr__(name: str):
    if name in ("Options", "FileResult", "Validator"):
        from kad_spec.validation import engine as validate

        return {"Options": validate.Settings, "FileResult": validate.FileResult, "Validator": validate.Validator}[name]
    raise AttributeError(name)


def check_paths(paths: Iterable[Path], options: "Options | None" = None, jobs: int = 1) -> Iterator["FileResult"]:
    """The result of every message file in ``paths`` (folders are searched), in order."""
    from kad_spec.validation.engine import Validator

    return Validator(options).each_file(paths, jobs)


def check_document(source: Path | bytes, options: "Options | None" = None, name: str | None = None) -> "FileResult":
    """The result of one message: a file, or its bytes (read from memory, never from a disk file).

    ``name`` is how findings name the message (default: the path, or ``melding`` for bytes).
    """
    from kad_spec.validation.engine import Validator

    validator = Validator(options)
    if not isinstance(source, (bytes, bytearray, memoryview)):
        return _named(validator.validate_file(Path(source)), name)
    with _in_memory(bytes(source)) as path:
        return _named(validator.validate_file(path), name or "melding")


def _named(result: "FileResult", name: str | None) -> "FileResult":
    if name is not None:
        result.path = name
        for finding in result.findings:
            finding.file = name
    return result


class _in_memory:
    """A path to bytes held in memory: an anonymous memory file (Linux ``memfd``), so the readers,
    which read files, read them without anything being written to a disk."""

    def __init__(self, data: bytes):
        self.data = data
        self.fd: int | None = None

    def __enter__(self) -> Path:
        import os

        if not hasattr(os, "memfd_create"):
            raise OSError("reading a message from memory needs an OS with memfd_create (Linux)")
        self.fd = os.memfd_create("kad-spec-melding", os.MFD_CLOEXEC)
        view = memoryview(self.data)
        while view:
            view = view[os.write(self.fd, view):]
        return Path(f"/proc/self/fd/{self.fd}")

    def __exit__(self, *exc) -> None:
        import os

        if self.fd is not None:
            os.close(self.fd)
