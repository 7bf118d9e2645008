"""``kad-spec register``: the register of stays, thin commands over kad_spec.register.

Exit codes: 0 done; 1 a message refused, or a finding at error level; 2 usage, no key, not a
register, or the register cannot be reached. Nothing here imports SQLAlchemy until a command runs.
"""

from __future__ import annotations

import typer

from kad_spec.cli.support import write_data

app = typer.Typer(no_args_is_help=True, help="Registeret over opphold: meldinger tatt inn over tid.")
key_app = typer.Typer(no_args_is_help=True, help="Nøkkelen registeret lager pseudonymer for pasientene med.")
app.add_typer(key_app, name="key")


@key_app.command("new")
def key_new() -> None:
    """Skriv en ny tilfeldig nøkkel (64 heksadesimale tegn) til standard ut: kad-spec register key new > register.key"""
    from kad_spec.register.keys import new_key

    # Data, not a report: the key is written whole (the output boundary would mask a run of digits in it).
    write_data((new_key() + "\n").encode("ascii"), None)
