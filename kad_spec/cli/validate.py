"""``kad-spec validate`` as a function: settings in, report out, exit code back.

The report is written as the files are validated (see :mod:`kad_spec.reports`): a file's
findings are handed to the report's writer and then reduced to counts, and at most
``max_findings`` findings per rule and file are kept in detail, so memory stays bounded
however many findings a run has. The exit code is decided on every finding, counted ones too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kad_spec import output
from kad_spec.spec.findings import DEFAULT_MAX_FINDINGS, ERROR, WARNING


def exit_code(result, fail_on: str) -> int:
    if any(file.internal_error for file in result.files):
        return 2
    if result.count(ERROR):
        return 1
    if fail_on == WARNING and result.count(WARNING):
        return 1
    return 0


def _error(message: str) -> None:
    print(f"kad-spec: {output.clean(message)}", file=sys.stderr)


def run_validation(paths, fmt, lang, fail_on, max_findings, config_path: Path | None, output_path: Path | None,
                   jobs: int = 1, force: bool = False) -> int:
    from kad_spec.spec.manifest import stale_warning
    from kad_spec.reports import writer_for
    from kad_spec.output.files import OutputRefused, check_target
    from kad_spec.validation.engine import Settings, UsageError, Validator
    from kad_spec.validation.verdict import classify

    warning = stale_warning(lang)
    if warning:
        print(output.clean(warning), file=sys.stderr)
    inputs = [*paths, *([config_path] if config_path is not None else [])]
    if output_path is not None and not (fmt == "apprec" and output_path.is_dir()):  # receipts: one file each in a folder
        try:
            check_target(output_path, inputs, force)  # before the work: a refused target costs nothing
        except OutputRefused as error:
            _error(str(error))
            return 2
    settings = Settings(max_findings=max_findings or DEFAULT_MAX_FINDINGS)
    config = None
    if config_path is not None:
        from kad_spec.validation.config import ConfigError, load_config

        try:
            config = load_config(config_path)
        except ConfigError as error:
            _error(str(error))
            return 2
        settings.severity_overrides = config.severity_overrides
        settings.waived_stays = config.named_stays()
    validator = Validator(settings)
    receipt_errors = _receipt_errors(fmt)
    writer = writer_for(fmt, lang, fail_on, output_path, force=force, inputs=inputs)
    files, matches = [], {}
    try:
        for file in validator.each_file(paths, jobs=jobs):
            if config is not None:
                config.apply_to_file(file, settings.today, matches)
            if file.internal_error:
                _error(f"intern feil ved validering av {file.path}: {file.internal_error}")
            file.verdict = classify(file)  # on every finding, counted ones too, as the exit code
            try:
                writer.add_file(file)  # receipts into a folder are written here
            except OSError as error:
                return _write_failed(output_path, error)
            files.append(file.counted())  # the findings are in the report now; only counts stay
        result = validator.run_result(files)
        if config is not None:
            result.notices.extend(config.expired_notices(settings.today, lang, matches))
        code = exit_code(result, fail_on)
        try:
            _emit(writer, result, fmt, output_path, inputs, force)
        except OSError as error:
            return _write_failed(output_path, error)
    except UsageError as error:
        _error(str(error))  # names a path, and a file may be named after a person
        return 2
    except (OutputRefused, *receipt_errors) as error:
        _error(str(error))  # a refused target; no folder for several receipts; a faulty receipt
        return 2
    return code


def _receipt_errors(fmt: str) -> tuple[type[Exception], ...]:
    """The receipt writer's errors; its module (lxml, the envelope spec) loads only for receipts."""
    if fmt != "apprec":
        return ()
    from kad_spec.reports.apprec import ReceiptError, ReceiptUsageError

    return ReceiptUsageError, ReceiptError


def _write_failed(output_path: Path | None, error: OSError) -> int:
    _error(f"kan ikke skrive {output_path or error.filename or 'standard ut'}: {error.strerror or error}")
    return 2


def _emit(writer, result, fmt: str, output_path: Path | None, inputs=(), force: bool = False) -> None:
    from kad_spec.output.files import open_atomic

    if writer.own_output:  # receipts: bytes to the file, folder or standard output they were made for
        writer.finish(result)
        return
    if output_path is not None:
        # Beside the target and renamed into place (never over an input); cleaned as standard output is.
        with open_atomic(output_path, force=force, inputs=inputs) as binary, output.cleaned_into(binary) as out:
            writer.finish(result, out)
        return
    if fmt == "text" and output.is_terminal():
        writer.finish_in_colour(result, output.terminal())
        return
    writer.finish(result, sys.stdout)
    sys.stdout.flush()
