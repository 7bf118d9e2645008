"""``kad-spec envelope wrap|unwrap``: a KAD message into, and out of, its MsgHead 1.2 envelope.

Exit codes: 0 written; 1 the input cannot be wrapped or unwrapped (named with its reason);
2 usage (missing file, output that is the input or a folder).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from kad_spec.cli.support import fail, write_data
from kad_spec.output import echo

app = typer.Typer(help="Legg en KAD-melding i en hodemelding (MsgHead 1.2), eller ta den ut igjen.",
                  no_args_is_help=True, add_completion=False)


class BodyFormat(str, Enum):
    xml = "xml"
    json = "json"


def _check_paths(source: Path, out: Optional[Path], force: bool) -> None:
    from kad_spec.output.files import OutputRefused, check_target

    if not source.is_file():
        fail(f"{source} er en mappe, ikke en fil" if source.is_dir() else f"finner ikke {source}", 2)
    if out is not None:
        try:
            check_target(out, [source], force)
        except OutputRefused as error:
            fail(str(error), 2)


def _write(data: bytes, source: Path, out: Optional[Path], force: bool) -> None:
    from kad_spec.output.files import OutputRefused

    try:
        write_data(data, out, force=force, inputs=[source])  # a message: it goes out whole, as convert's does
    except OutputRefused as error:
        fail(str(error), 2)
    if out is not None:
        echo(f"skrev {out}", err=True)


def wrapped(source: Path, sender_her: int | None = None) -> bytes:
    """The message in ``source`` (JSON or XML) in its envelope; EnvelopeError or ConvertError if it cannot be."""
    from kad_spec.message.envelope import wrap
    from kad_spec.message.convert import read_message

    message, _ = read_message(source)
    return wrap(message, sender_her)


@app.command("wrap")
def wrap_command(
    message: Path = typer.Argument(..., help="KAD-meldingen (JSON eller XML)."),
    sender_her: Optional[int] = typer.Option(None, "--sender-her", min=1,
                                             help="Avsenderens HER-id, når meldingen ikke har virksomhet.her_id."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Filen som skal skrives (standard: standard ut)."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende utdatafil (aldri inndatafilen)."),
) -> None:
    """Legg meldingen i en gyldig hodemelding: avsender fra virksomheten, mottaker KPR i meldingens miljø.

    JSON gjøres om til XML uten tap. MsgId er melding_id og GenDate opprettet. Inndatafilen endres aldri.
    """
    from kad_spec.message.envelope import EnvelopeError
    from kad_spec.message.convert import ConvertError

    _check_paths(message, out, force)
    try:
        data = wrapped(message, sender_her)
    except (EnvelopeError, ConvertError) as error:
        fail(f"{message}: {error}" if str(message) not in str(error) else str(error), 1)
    except OSError as error:
        fail(f"{message}: {error.strerror or error}", 2)
    _write(data, message, out, force)


@app.command("unwrap")
def unwrap_command(
    envelope: Path = typer.Argument(..., help="Hodemeldingen med en KAD-melding."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Filen som skal skrives (standard: standard ut)."),
    to: BodyFormat = typer.Option(BodyFormat.xml, "--to", help="xml (som i konvolutten) eller json."),
    force: bool = typer.Option(False, "--force", help="Skriv over en eksisterende utdatafil (aldri inndatafilen)."),
) -> None:
    """Ta KAD-meldingen ut av hodemeldingen, som XML (standard) eller JSON."""
    from kad_spec.message.envelope import EnvelopeError
    from kad_spec.message.msghead import unwrap
    from kad_spec.message.convert import ConvertError, read_xml, render

    _check_paths(envelope, out, force)
    try:
        data = unwrap(envelope)
        if to is BodyFormat.json:
            data = render(read_xml(data, str(envelope)), "json")
    except (EnvelopeError, ConvertError) as error:
        fail(str(error), 1)
    except OSError as error:
        fail(f"{envelope}: {error.strerror or error}", 2)
    _write(data, envelope, out, force)


def envelop_bytes(data: bytes, name: str = "-") -> bytes:
    """A message given as bytes (JSON or XML), in its envelope (for ``kad-spec example --envelope``)."""
    from kad_spec.message.envelope import wrap
    from kad_spec.message.convert import detect_format, read_json, read_xml

    reader = read_json if detect_format(data, name) == "json" else read_xml
    return wrap(reader(data, name))


def envelop_files(paths: list[Path]) -> None:
    """Put each message file this run has just written into its envelope, in place."""
    from kad_spec.output.files import write_atomic

    for path in paths:  # files this run made: replacing them is not writing over another's file
        write_atomic(path, envelop_bytes(path.read_bytes(), str(path)), force=True)
