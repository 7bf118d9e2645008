"""What a validation process does (kad_spec.service.pool): the report of one message, as ``kad-spec validate`` writes it.

Each step is the CLI's (kad_spec.cli.validate.run_validation) for one file: the same settings,
the validation config applied to the file and its verdict decided after, the run's versions and
code list editions, the expired waivers as notices, and the report through the same writer and
the same output boundary. So the JSON report equals the CLI's byte for byte when the message is
given the same name.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kad_spec import output
from kad_spec.spec.findings import DEFAULT_MAX_FINDINGS, ERROR, WARNING

MEMORY_ONLY = 0  # tempfile.SpooledTemporaryFile's max_size for "never to a file"
_config = None  # the validation config (kad_spec.validation.config.Config), read once per process


@dataclass
class Report:
    content: bytes
    stays: int
    errors: int
    warnings: int
    verdict: str | None
    internal_error: bool


def setup(config_path: Path | None) -> None:
    """Once per process: reports in memory only, read the config, and validate the bundled
    examples so that the first request finds the schema, the rules and the code lists compiled."""
    global _config
    from kad_spec.reports import ReportWriter
    from kad_spec.spec.resources import examples_dir
    from kad_spec.validation import check_document

    # A report stays in memory, never in a temporary file: it quotes the message (masked), and the
    # message itself is never on a disk. Its size is bounded by the findings kept per rule.
    ReportWriter.spool_bytes = MEMORY_ONLY

    if config_path is not None:
        from kad_spec.validation.config import load_config

        _config = load_config(config_path)
    for example in ("kad-melding.json", "kad-melding.xml"):
        for fmt in ("json", "apprec"):
            _render(check_document(examples_dir() / example), fmt, "nb", _settings(), {})


def _settings():
    from kad_spec.validation import Options

    settings = Options(today=date.today(), max_findings=DEFAULT_MAX_FINDINGS)  # today: the server runs for days
    if _config is not None:
        settings.severity_overrides = _config.severity_overrides
        settings.waived_stays = _config.named_stays()
    return settings


def report(path: Path, fmt: str, lang: str, name: str) -> Report:
    """The report of the message at ``path`` (the request's memory file), in ``fmt`` and ``lang``."""
    from kad_spec.codelists import load_codelists
    from kad_spec.validation import check_document
    from kad_spec.validation.verdict import classify

    load_codelists().reset_usage()  # the editions this message used, not the process's earlier ones
    settings = _settings()
    file = check_document(path, settings, name=name)
    matches: dict[int, int] = {}
    if _config is not None:
        _config.apply_to_file(file, settings.today, matches)
        file.verdict = classify(file)  # on the findings as the config left them, as the CLI decides it
    content, result = _render(file, fmt, lang, settings, matches)
    return Report(content, result.stays, result.count(ERROR), result.count(WARNING), file.verdict,
                  bool(file.internal_error))


def _render(file, fmt: str, lang: str, settings, matches: dict):
    from kad_spec.reports import writer_for
    from kad_spec.validation import Validator

    writer = writer_for(fmt, lang)
    writer.add_file(file)
    result = Validator(settings).run_result([file.counted()])
    if _config is not None:
        result.notices.extend(_config.expired_notices(settings.today, lang, matches))
    binary = io.BytesIO()
    if writer.own_output:  # the receipt: bytes, masked as they are made
        writer.finish(result, binary)
    else:
        with output.cleaned_into(binary) as text:
            writer.finish(result, text)
    return binary.getvalue(), result
