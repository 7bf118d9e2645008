"""The ``kad-spec docs`` command, mounted by ``kad_spec.cli``."""

from __future__ import annotations

from pathlib import Path

import typer

from kad_spec.cli.support import fail
from kad_spec.output import echo


def docs_command(
    out: Path = typer.Option(Path("site"), "--out", help="Mappe nettstedet skrives til (standard: site/)."),
) -> None:
    """Bygg dokumentasjonsnettstedet: statisk HTML på bokmål fra modellen, kodeverkene, regelkatalogen og eksemplene."""
    from kad_spec.site.builder import build_site  # the site builder is heavy; only this command needs it

    try:
        result = build_site(out)
    except (ValueError, OSError) as exc:  # missing or bad source, or a target folder that is not ours
        fail(str(exc))
    echo(f"skrev {result.pages} sider ({result.files} filer) til {result.out} på {result.seconds:.1f} s")
    echo(f"åpne {result.out / 'index.html'} i en nettleser")
