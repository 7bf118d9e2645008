"""The validation engine's public API: what the CLI, the reports, the register and the service call.

    from kad_spec.validation import Options, check_document, check_paths

    result = check_document(Path("melding.json"))             # one file -> FileResult
    result = check_document(body_bytes, name="upload.xml")      # bytes, never written to disk
    for result in check_paths([Path("mappe")], Options(), jobs=2):  # files and folders, in order
        ...
    check_document(path, on_batch=keep)     # keep(batch): every StayBatch as it is checked
    message_files([Path("mappe")])          # the files check_paths would check, in order
    read_header(path)                       # meldingsinfo and virksomhet, before the stays are read
    refused_stays(result)                   # the stays an error finding refuses (indexes)
    refuses_message(result)                 # whether a finding refuses the message as a whole

``Options`` are the validator's settings (as-of date, severity overrides, the limit of detailed
findings per rule, waived stays). The names are imported lazily, so that importing this package
costs nothing until a message is checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from kad_spec.validation.engine import FileResult, Settings as Options, Validator

__all__ = ["Options", "FileResult", "UsageError", "Validator", "check_document", "check_paths", "message_files",
           "read_header", "refused_stays", "refuses_message"]


def __getattr__(name: str):
    if name in ("Options", "FileResult", "UsageError", "Validator"):
        from kad_spec.validation import engine as validate

        return {"Options": validate.Settings, "FileResult": validate.FileResult, "UsageError": validate.UsageError,
                "Validator": validate.Validator}[name]
    raise AttributeError(name)


def check_paths(paths: Iterable[Path], options: "Options | None" = None, jobs: int = 1) -> Iterator["FileResult"]:
    """The result of every message file in ``paths`` (folders are searched), in order."""
    from kad_spec.validation.engine import Validator

    return Validator(options).each_file(paths, jobs)


def check_document(source: Path | bytes, options: "Options | None" = None, name: str | None = None,
                   on_batch=None) -> "FileResult":
    """The result of one message: a file, or its bytes (read from memory, never from a disk file).

    ``name`` is how findings name the message (default: the path, or ``melding`` for bytes).
    ``on_batch(batch)`` is given every batch of stays as it is checked, in file order (a
    kad_spec.message.batch.StayBatch: ``batch.start``, ``len(batch)``, ``batch.column("pasient.id")``),
    so that a caller that keeps the stays reads them in the same pass. The result's ``verdict``
    is set.
    """
    from kad_spec.validation.engine import Validator
    from kad_spec.validation.verdict import classify

    validator = Validator(options)
    if not isinstance(source, (bytes, bytearray, memoryview)):
        result = _named(validator.validate_file(Path(source), on_batch=on_batch), name)
    else:
        with _in_memory(bytes(source)) as path:
            result = _named(validator.validate_file(path, on_batch=on_batch), name or "melding")
    result.verdict = classify(result)
    return result


def message_files(paths: Iterable[Path]) -> list[Path]:
    """The message files :func:`check_paths` would check, in its order (folders searched for .json
    and .xml); UsageError for a path that does not exist or a folder without messages."""
    from kad_spec.validation.engine import expand_paths

    return expand_paths(paths)


def read_header(path: Path) -> dict | None:
    """The message's header as the file gives it before its stays are read: ``meldingsinfo`` and
    ``virksomhet`` where they come first, as they do in messages kad-spec writes; None when the file
    cannot be read as a message (validating it says why)."""
    from kad_spec.message import ReadFailure, open_document

    try:
        return dict(open_document(Path(path)).header)
    except (ReadFailure, OSError, ValueError):
        return None


def refuses_message(result: "FileResult") -> bool:
    """Whether a finding refuses the message as a whole (its file, envelope or header), not only its
    stays. ``result.verdict`` is ``rejected`` also when every stay is refused on its own."""
    from kad_spec.validation.verdict import deciding, deciding_omitted, omitted_rejects_message, rejects_message

    return bool(result.internal_error) or any(rejects_message(f) for f in deciding(result)) \
        or any(omitted_rejects_message(o) for o in deciding_omitted(result))


def refused_stays(result: "FileResult") -> frozenset[int]:
    """The stays (their index in the message) that a finding at error level points at: the register
    does not take them in. Whether the whole message is refused: :func:`refuses_message`."""
    from kad_spec.spec.findings import ERROR, stay_index

    found = {stay_index(f.pointer) for f in result.findings if f.severity == ERROR and not f.waived}
    for counted in result.omitted:  # findings beyond --max-findings, counted with the stays they point at
        if counted.severity == ERROR and not counted.waived and counted.stays is not None:
            found.update(counted.stays)
    return frozenset(index for index in found if index is not None)


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
