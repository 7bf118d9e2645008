"""The output boundary: every text a command shows passes here.

Two things happen to it:

* :func:`mask` hides personal identifiers: an 11-digit person number (fødselsnummer, D-, H-,
  FH-nummer, Tenor numbers) and a 12-digit DUF-nummer keep only their last two digits, however
  their digits are written apart (see :func:`mask`);
* :func:`neutralise` makes terminal control characters visible instead of acting on them
  (``ESC`` becomes the six characters ``\\u001b``), so data cannot clear the screen, set the
  window title, plant a hyperlink or reorder text (bidirectional overrides).

:func:`clean` does both. The public API:

* :func:`clean`, :func:`mask`, :func:`neutralise` for a string that goes out;
* :func:`install`, called by ``kad-spec``'s ``main()``: from then on ``sys.stdout`` and
  ``sys.stderr`` clean every byte written to them (also the argument parser's errors, warnings
  and log lines), line by line;
* :func:`echo`: a command's message to standard output or error, cleaned;
* :func:`terminal` and :func:`is_terminal`: the real standard output, for text that was cleaned
  piece by piece and carries trusted styling (the coloured report); it is never given raw data;
* :func:`open_text` and :func:`write_text` for a report written to a file: cleaned the same way;
* :func:`data_stdout`: the one way around the boundary, for data made on request that is no
  report (``example``'s synthetic messages, whose Tenor numbers must stay whole).

Files that are the specification or data the user asked for (``generate``, ``docs``,
``release``, ``convert``'s converted message, ``example``'s messages, code list exports) are
written as they are; their messages pass the boundary.

Structured reports (JSON, SARIF, JUnit, HTML) clean every string value as they build it and
then pass the whole document through :func:`clean` once more on the way out: the mask never
touches their syntax, because it needs 11 digits held together by at most a few separators,
and their numbers stand one per line or between names.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import re
import sys
from pathlib import Path

PERSON_DIGITS = 11
DUF_DIGITS = 12
KEEP = 2  # digits left visible at the end of a masked id
MAX_SEPARATORS = 4  # separator characters (or %XX escapes) between two digits of one id

# A separator is anything but a letter, a digit or a line break: '.', ':', '_', '/', ',', tab,
# no-break space, zero-width space, en dash, ... and an escape that stands for one: %20 in a
# URI, or \xa0, \u200b, \t as Python's repr() writes them in the argument parser's errors.
_ESCAPE = r"%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\[tnrfv]"
_SEP = rf"(?:{_ESCAPE}|[^\w\n\r\x0b\x0c\x85\u2028\u2029]|_)"
_GROUP = re.compile(rf"\d+(?:{_SEP}{{1,{MAX_SEPARATORS}}}\d+)*")
_DIGIT = re.compile(rf"{_ESCAPE}|(\d)")
_ESCAPES = re.compile(_ESCAPE)
_CONTIGUOUS = re.compile(r"\d{11,}")
# OIDs of the Norwegian health sector (Volven code lists): 2.16.578.1.12.4.1.1.7110 stays readable.
_OID = re.compile(r"2\.16\.578(?:\.\d+)+")
# Calendar dates (2023-01-01) and years (2023) standing on their own: a code list edition's
# period, "2023 (2023-01-01–2023-12-31)", must stay readable although its digits pass checksums.
_DATE_OR_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))?(?!\d)")

# A SHA-256 checksum written in lower-case hex, standing on its own.
_DIGEST = re.compile(r"(?<![0-9A-Za-z])([0-9a-f]{64})(?![0-9A-Za-z])")

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides/isolates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _digit_positions(group: str) -> list[int]:
    return [m.start(1) for m in _DIGIT.finditer(group) if m.group(1) is not None]


def _spans_to_mask(group: str, positions: list[int]) -> list[tuple[int, int]]:
    """Character ranges of ``group`` that hold an id; ``positions`` are where its digits are."""
    from kad_spec.ids import duf, personnr  # python-stdnum loads on the first run of digits, not at start-up

    spans = [run.span() for run in _CONTIGUOUS.finditer(group)]  # as written, escapes or not
    digits = "".join(str(int(group[p])) for p in positions)
    oids = [m.span() for m in _OID.finditer(group)]
    in_oid = [any(a <= p < b for a, b in oids) for p in positions]
    dates = [m.span() for m in _DATE_OR_YEAR.finditer(group)]
    dated = [any(a <= p < b for a, b in dates) for p in positions]
    windows = []
    if len(digits) == PERSON_DIGITS:
        windows.append((0, PERSON_DIGITS))  # exactly one id's worth of digits, written apart
    for first in range(len(digits) - PERSON_DIGITS + 1):
        if personnr.is_valid(digits[first:first + PERSON_DIGITS]):
            windows.append((first, first + PERSON_DIGITS))
    for first in range(len(digits) - DUF_DIGITS + 1):
        if duf.is_valid(digits[first:first + DUF_DIGITS]):
            windows.append((first, first + DUF_DIGITS))
    # A window of only dates and years is read as what it looks like; one digit outside them
    # (an id written "2001-05-12 345") and it is masked.
    spans += [(positions[first], positions[end - 1] + 1) for first, end in windows
              if not any(in_oid[first:end]) and not all(dated[first:end])]
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mask_group(match: re.Match) -> str:
    group = match.group(0)
    positions = _digit_positions(group)
    if len(positions) < PERSON_DIGITS and not _CONTIGUOUS.search(group):
        return group
    spans = _spans_to_mask(group, positions)
    if not spans:
        return group
    out, done = [], 0
    for start, stop in spans:
        # The id's digits, not those of a percent escape among them (%20).
        digits = [group[p] for p in positions if start <= p < stop]
        if len(digits) < PERSON_DIGITS:
            digits = [c for c in group[start:stop] if c.isdigit()]
        out += [group[done:start], "*" * (len(digits) - KEEP), "".join(digits[-KEEP:])]
        done = stop
    out.append(group[done:])
    return "".join(out)


def mask(text: str) -> str:
    """Hide every personal identifier in ``text`` but its last two digits.

    Masked are: every run of 11 or more digits; 11 digits written apart by separators (at most
    four non-alphanumeric characters or escapes between two digits; never a line break):
    ``058938.10066``, ``058938 10066``, ``058938%2010066``, ``058938\\xa010066``; and, inside a longer string
    of digits and separators, every 11 digits that are a valid person number and every 12 that
    are a valid DUF-nummer. The masked digits and the separators between them become ``*``.

    Left as they are: SHA-256 checksums (64 hex digits on their own), shorter numbers
    (organisation numbers, HER-ids, dates, counts), the
    OIDs of the Norwegian health sector (``2.16.578.…``), and dates (``2023-01-01``) and years
    written together, as in a period ``2023 (2023-01-01–2023-12-31)``, unless an 11-digit run
    is among them.
    """
    if not isinstance(text, str):
        text = str(text)
    if _DIGEST.search(text) is None:
        return _GROUP.sub(_mask_group, text)
    # A SHA-256 checksum (of a release, a code list file) is shown whole: its digits are no id.
    parts = _DIGEST.split(text)
    return "".join(part if i % 2 else _GROUP.sub(_mask_group, part) for i, part in enumerate(parts))


def neutralise(text: str) -> str:
    """Show terminal control characters as escapes (``\\u001b``, ``\\u202e``) so they do nothing."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match) -> str:
    code = ord(match.group(0))
    # One form everywhere: readable on a terminal and a valid escape inside a JSON string.
    return f"\\u{code:04x}"


def clean(text) -> str:
    """What every output must be: personal ids masked, control characters neutralised."""
    return neutralise(mask(text if isinstance(text, str) else str(text)))


class _CleaningWriter(io.RawIOBase):
    """A binary stream that cleans the UTF-8 text written to it, then passes it on.

    Text is held back only up to a point where no id can continue (a line break or a letter),
    so an id split over two writes is still seen whole; at most ``_HOLD`` characters are held.
    """

    _HOLD = 1 << 16

    def __init__(self, target):
        super().__init__()
        self.target = target  # a binary stream
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = ""
        self._broken = False  # the reader went away (a closed pipe): the rest is dropped

    def fileno(self) -> int:
        return self.target.fileno()  # for terminal size queries; writes still come here

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        # Colours and cursor moves from click or rich would be neutralised anyway.
        return False

    def write(self, data) -> int:
        self._pending += self._decoder.decode(bytes(data))
        cut = _safe_cut(self._pending)
        if cut == 0 and len(self._pending) > self._HOLD:
            cut = len(self._pending)
        if cut:
            self._send(self._pending[:cut])
            self._pending = self._pending[cut:]
        return len(data)

    def flush(self) -> None:
        if not (self.closed or self._broken):
            try:
                self.target.flush()
            except BrokenPipeError:
                self._broken = True

    def finish(self) -> None:
        """Send what is held back: the end of the output."""
        self._pending += self._decoder.decode(b"", final=True)
        if self._pending:
            self._send(self._pending)
            self._pending = ""
        self.flush()

    def _send(self, text: str) -> None:
        if self._broken:
            return
        try:
            self.target.write(clean(text).encode("utf-8"))
        except BrokenPipeError:
            self._broken = True


def _safe_cut(text: str) -> int:
    """The length of the longest start of ``text`` after which no id can go on: up to its last
    line break or letter (a letter of a percent escape such as %2D does not count)."""
    newline = text.rfind("\n")
    for index in range(len(text) - 1, max(newline, len(text) - 256), -1):
        char = text[index]
        if char.isalpha() and not _is_escape_letter(text, index):
            return index + 1
    return newline + 1


def _is_escape_letter(text: str, index: int) -> bool:
    """Whether the letter at ``index`` belongs to an escape (%2D, \\xa0), that is to a separator."""
    start = max(0, index - 9)
    return any(m.start() <= index < m.end() for m in _ESCAPES.finditer(text, start, index + 10))


_ORIGINAL: dict[str, object] = {}
_WRITERS: list[_CleaningWriter] = []


def install() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` clean everything written to them (once per process)."""
    if _ORIGINAL:
        return
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        _ORIGINAL[name] = stream
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            continue
        stream.flush()
        writer = _CleaningWriter(buffer)
        _WRITERS.append(writer)
        # Line by line on a terminal and for messages; in blocks when a report goes to a pipe.
        lines = name == "stderr" or bool(getattr(stream, "isatty", lambda: False)())
        wrapped = io.TextIOWrapper(io.BufferedWriter(writer, buffer_size=1 << 16), encoding="utf-8",
                                   errors="replace", line_buffering=lines, write_through=False)
        setattr(sys, name, wrapped)


def finish() -> None:
    """Send what the cleaning streams hold back; called when the command ends."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if name in _ORIGINAL and stream is not _ORIGINAL[name]:
            try:
                stream.flush()
            except ValueError:  # closed
                pass
    for writer in _WRITERS:
        writer.finish()


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """Write a message to standard output (or error), cleaned: what every command uses to speak.

    Cleaned here too, not only by the streams :func:`install` sets up, so that a command called
    as a library function (or under a test runner) is held to the same rule.
    """
    import typer

    typer.echo(clean(message), err=err, nl=nl)


def data_stdout():
    """The binary standard output for data a command makes on request and that is no report:
    the synthetic messages of ``kad-spec example`` (their Tenor persons must stay whole)."""
    stream = _ORIGINAL.get("stdout", sys.stdout)
    return getattr(stream, "buffer", stream)


def terminal():
    """The real standard output, for text already cleaned piece by piece (the coloured report)."""
    return _ORIGINAL.get("stdout", sys.stdout)


def is_terminal() -> bool:
    stream = terminal()
    return bool(getattr(stream, "isatty", lambda: False)())


def write_text(path: Path, text: str) -> None:
    """Write a report to a file, cleaned as standard output is."""
    Path(path).write_text(clean(text), encoding="utf-8")


def cleaning(binary) -> io.TextIOWrapper:
    """A text stream over the binary stream ``binary`` that cleans what is written to it."""
    return io.TextIOWrapper(_Finishing(_CleaningWriter(binary)), encoding="utf-8", errors="replace")


@contextlib.contextmanager
def cleaned_into(binary):
    """A text stream that cleans what is written to it into the open binary file ``binary``;
    at the end of the block all of it is sent, and ``binary`` is left open for its owner."""
    raw = _CleaningWriter(binary)
    stream = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=1 << 16), encoding="utf-8", errors="replace")
    yield stream
    stream.flush()
    raw.finish()


def open_text(path: Path) -> io.TextIOWrapper:
    """A report file opened for writing through the boundary (closing it sends the last line)."""
    return cleaning(open(path, "wb"))


class _Finishing(io.BufferedWriter):
    """Sends what the cleaning writer holds back, then closes the file, when the stream closes."""

    def close(self) -> None:
        if self.closed:
            return
        self.flush()
        self.raw.finish()
        target = self.raw.target
        super().close()
        target.close()
