"""``kad-spec validate`` as a function: settings in, report out, exit code back."""

from __future__ import annotations

import sys
from pathlib import Path

from kad_spec.findings import ERROR, WARNING, mask_digits


def exit_code(result, fail_on: str) -> int:
    if any(file.internal_error for file in result.files):
        return 2
    if result.count(ERROR):
        return 1
    if fail_on == WARNING and result.count(WARNING):
        return 1
    return 0


def run_validation(paths, fmt, lang, fail_on, max_findings, config_path: Path | None, output: Path | None,
                   jobs: int = 1, force: bool = False) -> int:
    from kad_spec.manifest import stale_warning
    from kad_spec.safe_files import OutputRefused, check_target
    from kad_spec.validate import Settings, UsageError, Validator

    warning = stale_warning(lang)
    if warning:
        print(mask_digits(warning), file=sys.stderr)
    inputs = [*paths, *([config_path] if config_path is not None else [])]
    if output is not None and not (fmt == "apprec" and output.is_dir()):  # receipts: one file each in a folder
        try:
            check_target(output, inputs, force)  # before the work: a refused target costs nothing
        except OutputRefused as error:
            print(f"kad-spec: {mask_digits(str(error))}", file=sys.stderr)
            return 2
    settings = Settings(max_findings=max_findings)
    config = None
    if config_path is not None:
        from kad_spec.config import ConfigError, load_config

        try:
            config = load_config(config_path)
        except ConfigError as error:
            print(f"kad-spec: {error}", file=sys.stderr)
            return 2
        settings.severity_overrides = config.severity_overrides
    try:
        result = Validator(settings).validate_paths(paths, jobs=jobs)
    except UsageError as error:
        # The message names a path, and a file may be named after a person.
        print(f"kad-spec: {mask_digits(str(error))}", file=sys.stderr)
        return 2
    if config is not None:
        config.apply(result, settings.today, lang)
    # Decide the exit code on every finding: --max-findings shortens the report, not the verdict.
    code = exit_code(result, fail_on)
    from kad_spec.verdict import classify

    for file in result.files:
        file.verdict = classify(file)  # on every finding, as the exit code
    if max_findings:
        for file in result.files:
            if len(file.findings) > max_findings:
                file.findings = file.findings[:max_findings]
                file.truncated = True
    for file in result.files:
        if file.internal_error:
            print(f"kad-spec: intern feil ved validering av {mask_digits(file.path)}: "
                  f"{mask_digits(file.internal_error)}", file=sys.stderr)
    from kad_spec.reports.apprec import ReceiptError, ReceiptUsageError

    try:
        _emit(result, fmt, lang, output, inputs, force)
    except (OutputRefused, ReceiptUsageError, ReceiptError) as error:  # a refused target; no folder for several receipts; a faulty receipt
        print(f"kad-spec: {mask_digits(str(error))}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"kad-spec: kan ikke skrive {mask_digits(str(output))}: {error.strerror or error}", file=sys.stderr)
        return 2
    return code


def _emit(result, fmt: str, lang: str, output: Path | None, inputs=(), force: bool = False) -> None:
    from kad_spec.reports import render

    if fmt == "apprec":
        from kad_spec.reports.apprec import write_receipts

        write_receipts(result, lang, output, force, inputs)
        return
    if fmt == "text" and output is None and sys.stdout.isatty():
        from kad_spec.reports.text import print_rich

        print_rich(result, lang)
        return
    text = render(result, fmt, lang)
    if output is None:
        sys.stdout.write(text)
    else:
        from kad_spec.safe_files import write_atomic

        write_atomic(output, text, force=force, inputs=inputs)
