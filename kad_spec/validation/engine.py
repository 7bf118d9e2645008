"""The validation library: files in, findings out. The CLI is a thin layer over this."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from kad_spec import __version__
from kad_spec.spec.findings import ERROR, CappedHits, Finding, Hit, Omitted
from kad_spec.message import ReadFailure, open_document
from kad_spec.message.json_batches import NotForBatches
from kad_spec.rules import load_all
from kad_spec.message.batch import StayBatch
from kad_spec.validation.reading import Reading, TypedDecoder

MESSAGE_SUFFIXES = {".json", ".xml"}
SPLIT_BYTES = 8 << 20  # smaller files are read in one piece: see docs/performance.md, "Merknader"


class UsageError(Exception):
    """A problem with how the validator was called (exit code 2)."""


@dataclass
class FileResult:
    path: str
    format: str | None = None
    stays: int = 0
    findings: list[Finding] = field(default_factory=list)
    truncated: bool = False  # findings beyond the limit per rule were counted, not kept (``omitted``)
    internal_error: str | None = None  # a fault in kad-spec itself, not in the file (exit 2)
    omitted: list[Omitted] = field(default_factory=list)
    header: dict | None = None  # the message without its stays (meldingsinfo, virksomhet), for a receipt
    envelope: dict | None = None  # the envelope's facts, for a receipt (kad_spec.message.envelope.envelope_facts)
    verdict: str | None = None  # set once all findings are in (kad_spec.validation.verdict.classify)

    def count(self, severity: str) -> int:
        kept = sum(1 for f in self.findings if f.severity == severity and not f.waived)
        return kept + sum(o.count for o in self.omitted if o.severity == severity and not o.waived)

    def waived_count(self) -> int:
        return sum(1 for f in self.findings if f.waived) + sum(o.count for o in self.omitted if o.waived)

    def counted(self) -> "FileResult":
        """This result with its findings reduced to counts: what a run keeps of a file once reported.

        The receipt's status is decided first, on every finding, and kept with the header and the
        envelope's facts; which stays the findings point at is not kept.
        """
        from kad_spec.validation.verdict import classify

        counts: dict[tuple, int] = {}
        for f in self.findings:
            key = (f.rule_id, f.severity, f.waived)
            counts[key] = counts.get(key, 0) + 1
        omitted = [Omitted(rule_id, n, None, severity, waived) for (rule_id, severity, waived), n in counts.items()]
        omitted += [Omitted(o.rule_id, o.count, o.opphold_id, o.severity, o.waived) for o in self.omitted]
        return FileResult(path=self.path, format=self.format, stays=self.stays, truncated=self.truncated,
                          internal_error=self.internal_error, omitted=omitted, header=self.header,
                          envelope=self.envelope, verdict=classify(self))

    def rule_counts(self) -> dict[str, int]:
        """Findings per rule, the omitted ones included."""
        counts: dict[str, int] = {}
        for rule_id in [f.rule_id for f in self.findings]:
            counts[rule_id] = counts.get(rule_id, 0) + 1
        for o in self.omitted:
            counts[o.rule_id] = counts.get(o.rule_id, 0) + o.count
        return counts


@dataclass
class RunResult:
    files: list[FileResult]
    tool_version: str
    spec_version: str
    codelist_editions: dict[str, str]
    notices: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        """The detailed findings still held (a streamed run holds none: see ``FileResult.counted``)."""
        return [f for r in self.files for f in r.findings]

    def waived_count(self) -> int:
        return sum(r.waived_count() for r in self.files)

    def rule_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for file in self.files:
            for rule_id, n in file.rule_counts().items():
                counts[rule_id] = counts.get(rule_id, 0) + n
        return counts

    def count(self, severity: str) -> int:
        return sum(r.count(severity) for r in self.files)

    @property
    def stays(self) -> int:
        return sum(r.stays for r in self.files)


@dataclass
class Settings:
    today: date = field(default_factory=date.today)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    max_findings: int | None = None  # detailed findings kept per rule and file (None: all); the rest are counted
    waived_stays: frozenset[str] = frozenset()  # stays a waiver names: their omitted findings are counted apart
    split_bytes: int | None = None  # with jobs > 1, files this large are read in parts (None: the default)


def split_bytes(settings) -> int:
    """The size from which a file is read in parts: Settings.split_bytes, else KAD_SPEC_SPLIT_BYTES, else the default."""
    value = getattr(settings, "split_bytes", None)
    if value is not None:
        return value
    try:
        return int(os.environ.get("KAD_SPEC_SPLIT_BYTES", SPLIT_BYTES))
    except ValueError:
        return SPLIT_BYTES


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, directories searched for *.json and *.xml; each file once, in order.

    A path that exists but cannot be reached or read (no permission) is kept: validating it
    gives a KAD-FIL-001 finding, so it is never skipped in silence. So is a subfolder that
    cannot be read.
    """
    seen: dict[str, Path] = {}
    for path in paths:
        kind = _path_kind(path)
        if kind == "dir":
            candidates = _message_files(path)
            if not candidates:
                # A wrong folder must not pass as a clean run.
                raise UsageError(f"Fant ingen meldingsfiler (.json eller .xml) i mappen {path}")
        elif kind == "missing":
            raise UsageError(f"Finner ikke {path}")
        else:
            candidates = [(path, os.path.realpath(path))]
        for candidate, key in candidates:
            seen.setdefault(key, candidate)
    return list(seen.values())


def _path_kind(path: Path) -> str:
    """'dir', 'missing', or 'file' (anything else, also a path that cannot be reached)."""
    import stat

    try:
        return "dir" if stat.S_ISDIR(os.stat(path).st_mode) else "file"
    except (FileNotFoundError, NotADirectoryError):
        return "file" if os.path.lexists(path) else "missing"  # a broken link is a finding
    except OSError:
        return "file"  # no permission to reach it: a finding, not a usage error


def _message_files(folder: Path) -> list[tuple[Path, str]]:
    """The message files below ``folder`` (links to folders are not followed), and every folder
    that could not be read, in path order, each with its real path (the key it is known by).

    Walked as ``os.walk`` walks, but with the folder's own listing: a file that is no link is
    known as a file, and by its folder's real path, without a system call of its own.
    """
    found: list[tuple[Path, str]] = []

    def walk(top: str) -> None:
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError as error:  # the folder cannot be read: a finding of its own
            found.append((Path(error.filename), os.path.realpath(error.filename)))
            return
        real_top = os.path.realpath(top)
        folders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                folders.append(entry)
            elif Path(entry.name).suffix.lower() in MESSAGE_SUFFIXES and _is_file(entry):
                key = os.path.realpath(entry.path) if _is_link(entry) else os.path.join(real_top, entry.name)
                found.append((Path(top) / entry.name, key))
        for entry in folders:
            if not _is_link(entry):
                walk(os.path.join(top, entry.name))

    walk(os.fspath(folder))
    return sorted(found, key=lambda item: item[0])


def _is_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink()
    except OSError:
        return os.path.islink(entry.path)


def _is_file(entry: os.DirEntry) -> bool:
    """A regular file, or a link to one (as ``Path.is_file``), from the listing where it can tell."""
    try:
        if not entry.is_symlink():
            return entry.is_file(follow_symlinks=False)
    except OSError:
        pass
    return Path(entry.path).is_file()


class Validator:
    """Compiles the model, rules and code lists once; validates many files."""

    def __init__(self, settings: Settings | None = None):
        load_all()
        self.settings = settings or Settings()

    @property
    def rules(self) -> dict:
        """The rule catalogue, read when a finding first needs its severity (a clean run never does)."""
        from kad_spec.spec.catalogue import catalogue

        return catalogue()

    def severity(self, rule_id: str) -> str:
        override = self.settings.severity_overrides.get(rule_id)
        if override:
            return override
        rule = self.rules.get(rule_id)
        return rule.severity if rule else ERROR

    def validate_file(self, path: Path, jobs: int = 1, on_batch=None) -> FileResult:
        """One file; with ``jobs`` > 1 a large file is read in that many processes at once.
        ``on_batch`` is given every batch of stays as it is checked (see :meth:`check_document`)."""
        try:
            return self._validate_file(path, jobs, on_batch)
        except Exception as error:  # noqa: BLE001 - one file's fault must not hide the others' results
            return FileResult(path=str(path), internal_error=f"{type(error).__name__}: {error}")

    def _validate_file(self, path: Path, jobs: int = 1, on_batch=None) -> FileResult:
        result = FileResult(path=str(path))
        try:
            doc = open_document(path)
        except ReadFailure as failure:
            result.findings.append(self._finding(str(path), Hit(failure.rule_id, "", failure.params), failure.line, failure.column))
            return result
        except OSError as error:
            hit = Hit("KAD-FIL-001", "", _open_failure(path, error))
            result.findings.append(self._finding(str(path), hit))
            return result
        result.format = doc.format
        self.check_document(doc, result, jobs, on_batch)
        result.header, result.envelope = dict(doc.header), doc.envelope
        self._add_lines(doc, result)
        if doc.xpath_base is not None:  # an envelope: XPaths point into the envelope file
            for finding in result.findings:
                finding.xpath_base = finding.params.pop("envelope_xpath", None) or doc.xpath_base
        result.findings.sort(key=Finding.sort_key)
        return result

    def check_document(self, doc, result: FileResult, jobs: int = 1, on_batch=None, trace=None) -> None:
        """Every finding of an opened message into ``result``: its stays, header and the reader's.

        ``on_batch`` is given every StayBatch as it is checked (a report that reads the stays in
        the same pass); ``trace(origin, hit)`` every hit with what found it (see Reading). With
        either, the file is read in one process.
        """
        reading = None
        if jobs > 1 and on_batch is None and trace is None and _size(doc.path) >= split_bytes(self.settings):
            from kad_spec.validation.split import read_stays_split  # only for a file that may be read in parts

            reading = read_stays_split(self, doc, result, jobs)
        if reading is None:
            reading = self.read_stays(doc, result, on_batch, trace)
        self._report(doc, reading, result)

    def new_hits(self) -> CappedHits:
        """Where a reading collects its hits: bounded per rule by ``Settings.max_findings``."""
        return CappedHits(self.settings.max_findings, self.settings.waived_stays)

    def read_stays(self, doc, result: FileResult, on_batch=None, trace=None) -> Reading:
        """Read and check every stay of ``doc``: in pieces where the file allows, else one by one."""
        seen = 0  # stays already given to ``on_batch`` by a reading in pieces that was given up
        if doc.run_pieces is not None:
            reading = Reading(self, doc, on_batch, trace=trace)
            if reading.typed is not None:
                try:
                    # XML pieces come checked against the XSD, with their lines; JSON pieces bare.
                    on_piece = reading.add_checked_piece if doc.structure_checked else reading.add_piece
                    doc.run_pieces(TypedDecoder(reading.typed), on_piece)
                    return reading
                except NotForBatches:
                    seen = reading.stays  # read again by the streaming reader, which words any error
        reading = Reading(self, doc, _after(on_batch, seen) if on_batch is not None and seen else on_batch,
                          trace=trace)
        try:
            doc.run(reading.add_stay)
        except ReadFailure as failure:
            hit = Hit(failure.rule_id, "", failure.params, failure.line)
            if trace:
                trace("reader", hit)
            result.findings.append(self._finding(str(doc.path), hit, failure.line, failure.column))
        return reading

    def _report(self, doc, reading: Reading, result: FileResult) -> None:
        name = str(doc.path)
        hits = reading.finish(doc)
        result.stays = reading.stays
        for hit, stay_id in hits:
            result.findings.append(self._finding(name, hit, line=hit.line, opphold_id=stay_id))
        omitted = getattr(hits, "omitted", {})
        for (rule_id, stay_id), count in sorted(omitted.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            stays = getattr(hits, "stays_of", {}).get((rule_id, stay_id))  # for the receipt's status (kad_spec.validation.verdict)
            result.omitted.append(Omitted(rule_id, count, stay_id, self.severity(rule_id), stays=stays))
        result.truncated = bool(result.omitted)

    def _finding(self, file: str, hit: Hit, line=None, column=None, opphold_id=None) -> Finding:
        return Finding(
            rule_id=hit.rule_id,
            severity=self.severity(hit.rule_id),
            file=file,
            pointer=hit.pointer,
            params=hit.params,
            line=line,
            column=column,
            opphold_id=opphold_id,
        )

    def _add_lines(self, doc, result: FileResult) -> None:
        wanted = sorted({(f.pointer, f.opphold_id) for f in result.findings if f.line is None and f.pointer},
                        key=lambda item: (item[0], item[1] or ""))
        if not wanted:
            return
        lines = doc.lines_for(wanted)
        for finding in result.findings:
            if finding.line is None and finding.pointer in lines:
                finding.line = lines[finding.pointer]

    def validate_paths(self, paths: Iterable[Path], jobs: int = 1) -> RunResult:
        """Validate files and directories; ``jobs`` > 1 uses that many processes where it pays:
        many files in parallel, a large file in parts (see kad_spec.validation.split)."""
        files = list(self.each_file(paths, jobs))
        return self.run_result(files)

    def each_file(self, paths: Iterable[Path], jobs: int = 1) -> Iterator[FileResult]:
        """The files' results one by one, in the order of ``paths``, so that a report can be
        written as they come; :meth:`run_result` afterwards names the editions they used."""
        from kad_spec.codelists import load_codelists

        load_codelists().reset_usage()
        self._used: dict[str, str] = {}
        targets = expand_paths(paths)
        pooled = _worth_a_pool(targets, self.settings, jobs) if jobs > 1 and len(targets) > 1 else []
        results: dict[int, FileResult] = {}
        if pooled:
            files, self._used = _in_processes([targets[i] for i in pooled], self.settings, jobs)
            results.update(zip(pooled, files))
        for i, path in enumerate(targets):
            yield results.pop(i) if i in results else self.validate_file(path, jobs)

    def run_result(self, files: list[FileResult]) -> RunResult:
        """The run around the files :meth:`each_file` gave: versions and code list editions."""
        from kad_spec.codelists import load_codelists

        used = _union_of_editions(getattr(self, "_used", {}), load_codelists().editions_used())
        return RunResult(
            files=files,
            tool_version=__version__,
            spec_version=spec_version(),
            codelist_editions=codelist_editions(used),
        )


_WORKER: Validator | None = None


def _start_worker(settings: Settings) -> None:
    global _WORKER
    _WORKER = Validator(settings)


def _validate_in_worker(path: Path) -> tuple[FileResult, dict[str, str]]:
    from kad_spec.codelists import load_codelists

    lists = load_codelists()
    lists.reset_usage()
    return _WORKER.validate_file(path), lists.editions_used()


def _worth_a_pool(targets: list[Path], settings: Settings, jobs: int) -> list[int]:
    """Which files to validate in a pool of processes: none when starting one costs more than it saves.

    A large file is left out: it is read in parts by all the processes instead.
    """
    from kad_spec.validation.split import POOL_BYTES

    large = split_bytes(settings)
    sizes = {}
    for i, path in enumerate(targets):
        size = _size(path)
        if not (size >= large and path.suffix.lower() in MESSAGE_SUFFIXES):
            sizes[i] = size
    if len(sizes) < 2 or sum(sizes.values()) < POOL_BYTES:
        return []
    return list(sizes)


def _size(path: Path) -> int:
    known = getattr(path, "size", None)  # an opened file's size at opening (kad_spec.message.SizedPath)
    if known is not None:
        return known
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _union_of_editions(*used: dict[str, str]) -> dict[str, str]:
    labels: dict[str, set[str]] = {}
    for editions in used:
        for name, text in editions.items():
            labels.setdefault(name, set()).update(text.split(", "))
    return {name: ", ".join(sorted(found)) for name, found in sorted(labels.items())}


def _in_processes(targets: list[Path], settings: Settings, jobs: int):
    """Files in parallel; each worker compiles schema, rules and code lists once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    used: dict[str, set[str]] = {}
    files = []
    # A few chunks per process: a task costs the parent about as much as validating a small
    # file, and one chunk each would leave a process idle behind a slow one.
    chunksize = max(1, len(targets) // (jobs * 8))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=(settings,)) as pool:
        for result, editions in pool.map(_validate_in_worker, targets, chunksize=chunksize):
            files.append(result)
            for name, labels in editions.items():
                used.setdefault(name, set()).update(labels.split(", "))
    return files, {name: ", ".join(sorted(labels)) for name, labels in used.items()}


def _open_failure(path: Path, error: OSError) -> dict:
    """Why a file could not be opened, in both languages where the reason is known."""
    if os.path.islink(path) and not os.path.exists(path):
        return {"reason": "filen er en lenke til en fil som ikke finnes",
                "reason_en": "the file is a link to a file that does not exist"}
    if isinstance(error, PermissionError):
        return {"reason": "ingen tilgang til å lese filen", "reason_en": "no permission to read the file"}
    reason = error.strerror or type(error).__name__
    return {"reason": f"kan ikke åpne filen ({reason})", "reason_en": f"cannot open the file ({reason})"}


def _after(on_batch, seen: int):
    """``on_batch`` for the stays from index ``seen`` on: a second reading hands over no stay twice."""

    def later_stays(batch) -> None:
        if batch.start + len(batch.rows) <= seen:
            return
        if batch.start < seen:
            batch = StayBatch(seen, batch.rows[seen - batch.start:])
        on_batch(batch)

    return later_stays


def spec_version() -> str:
    from kad_spec.spec.model import model

    return model().version


def codelist_editions(used: dict[str, str] | None = None) -> dict[str, str]:
    """Per code list, the editions the run checked codes against (else every bundled edition)."""
    from kad_spec.codelists import load_codelists

    lists = load_codelists()
    used = lists.editions_used() if used is None else used
    return {name: used.get(name) or ", ".join(e.label for e in lists[name].editions) for name in lists.names()}
