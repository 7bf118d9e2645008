"""Typer commands for the tools: thin functions over the library modules.

``register(app)`` adds them all to the ``kad-spec`` application. Exit codes: 0 done (no
errors), 1 the tool found what it checks for (errors, breaking changes, invalid input),
2 usage error.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


class DiffFormat(str, Enum):
    markdown = "markdown"
    json = "json"


class MessageFormat(str, Enum):
    json = "json"
    xml = "xml"


class Level(str, Enum):
    breaking = "breaking"
    non_breaking = "non-breaking"
    documentation = "documentation"


def _fail(message: str, code: int) -> None:
    typer.echo(f"kad-spec: {message}", err=True)
    raise typer.Exit(code)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def lint(
    model_dir: Optional[Path] = typer.Argument(None, help="Modellmappen (standard: modellen som følger med)."),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="Utdataformat: text eller json."),
    codelists: Optional[Path] = typer.Option(None, "--codelists", help="Kodeverksmappen (standard: codelists/ ved siden av modellen)."),
    no_linkml: bool = typer.Option(False, "--no-linkml", help="Hopp over LinkML-linteren (raskere)."),
) -> None:
    """Kontroller at modellen og regelkatalogen er komplette (LINT-001 …).

    Exit-kode 0: ingen feil; 1: minst én feil; 2: bruksfeil.
    """
    from kad_spec.tools.lint import lint_model, render_json, render_text

    if model_dir is not None and not model_dir.is_dir():
        _fail(f"Finner ikke modellmappen {model_dir}", 2)
    result = lint_model(model_dir, codelists, linkml=not no_linkml)
    _emit(render_json(result) if format is OutputFormat.json else render_text(result), None)
    raise typer.Exit(result.exit_code)


def convert(
    input: Path = typer.Argument(..., help="Meldingen som skal konverteres (JSON eller XML)."),
    output: Path = typer.Argument(..., help="Filen som skal skrives (.json eller .xml)."),
    to: Optional[MessageFormat] = typer.Option(None, "--to", help="Utdataformat, når filendelsen ikke sier det."),
) -> None:
    """Konverter en melding mellom JSON og XML uten tap (kanonisk form).

    Inndatafilen endres aldri. Exit-kode 0: konvertert; 1: ugyldig inndata; 2: bruksfeil.
    """
    from kad_spec.tools.convert import ConvertError, ConvertUsageError, convert_file

    try:
        fmt = convert_file(input, output, to.value if to else None)
    except ConvertUsageError as exc:
        _fail(str(exc), 2)
    except ConvertError as exc:
        _fail(str(exc), 1)
    except OSError as exc:
        _fail(f"{exc.filename or input}: {exc.strerror or exc}", 1)
    typer.echo(f"skrev {output} ({fmt.upper()})")


COMMANDS = [lint, convert]


def register(app: typer.Typer) -> None:
    """Add the tool commands (lint, diff, release, example, convert) to ``app``."""
    for command in COMMANDS:
        app.command()(command)
