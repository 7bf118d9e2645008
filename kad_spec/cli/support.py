"""What the ``kad-spec`` commands share: the language option, a usage error, writing what they make.

Every command module (``kad_spec.cli``, ``kad_spec.cli.tools``, ``kad_spec.cli.envelope``,
``kad_spec.cli.docs``) takes these from here, so that a message, an exit code or a refusal to
write over a file reads the same in every command.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import NoReturn, Sequence

import typer

from kad_spec.output import clean, data_stdout, echo


class Lang(str, Enum):
    nb = "nb"
    en = "en"


LANG_OPTION = typer.Option(Lang.nb, "--lang", help="Språk i meldingene: nb (bokmål) eller en.")


def fail(message: str, code: int = 2) -> NoReturn:
    """Say what is wrong on standard error and end the command with ``code`` (2: usage)."""
    echo(f"kad-spec: {message}", err=True)
    raise typer.Exit(code)


def write_report(text: str, output: Path | None, *, force: bool = False, inputs: Sequence[Path] = ()) -> None:
    """A report to ``output``, or to standard output; cleaned either way (it shows no identifier whole)."""
    from kad_spec.output.files import OutputRefused, write_atomic

    if output is None:
        echo(text, nl=False)
        return
    try:
        write_atomic(output, clean(text), force=force, inputs=inputs)
    except OutputRefused as error:
        fail(str(error))
    except OSError as error:
        fail(f"kan ikke skrive {output}: {error.strerror or error}")


def write_data(data: bytes, output: Path | None, *, force: bool = False, inputs: Sequence[Path] = ()) -> None:
    """Data the user asked for (a message, not a report) to ``output``, or whole to standard output.

    A refusal to write (:class:`kad_spec.output.files.OutputRefused`) or an OSError is the caller's to word."""
    from kad_spec.output.files import write_atomic

    if output is None:
        sys.stdout.flush()
        data_stdout().write(data)
        data_stdout().flush()
        return
    write_atomic(output, data, force=force, inputs=inputs)
