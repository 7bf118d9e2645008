"""``kad-spec serve``: the validation service over HTTP (kad_spec.service), bound to loopback unless told otherwise.

``serve`` alone runs the server; its subcommands (``serve token ...``) manage what it serves.
Nothing here imports Starlette or uvicorn until the server starts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from kad_spec.cli.register import DB_OPTION, _register
from kad_spec.cli.support import fail, write_data, write_report
from kad_spec.output import echo

app = typer.Typer(help="Valideringstjenesten over HTTP: API og nettsider.", invoke_without_command=True)


@app.callback()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Adressen tjenesten lytter på (0.0.0.0: alle)."),
    port: int = typer.Option(8080, "--port", min=0, max=65535, help="Porten tjenesten lytter på."),
    db: Optional[str] = typer.Option(None, "--db", metavar="URL",
                                     help="Registeret: sqlite:///sti.db eller postgresql://bruker@vert/database."),
    config: Optional[Path] = typer.Option(None, "--config", readable=False,
                                          help="YAML-fil med endret alvorlighet og unntak (som validate --config)."),
    key_file: Optional[Path] = typer.Option(None, "--key-file", readable=False,
                                            help="Fil med registerets nøkkel (ellers KAD_SPEC_REGISTER_KEY)."),
    max_body_mb: float = typer.Option(50, "--max-body-mb", min=0.001, help="Største melding som tas imot, i MB."),
    time_limit: float = typer.Option(120, "--time-limit", min=0.1, help="Tidsgrense per forespørsel, i sekunder."),
    workers: int = typer.Option(0, "--workers", min=0, help="Valideringer samtidig (0: én per kjerne)."),
    queue_time: float = typer.Option(10, "--queue-time", min=0,
                                     help="Sekunder en forespørsel venter på ledig validering før 503."),
    max_waiting: int = typer.Option(32, "--max-waiting", min=0,
                                    help="Forespørsler som lastes opp eller venter utover dem som valideres; flere får 503 straks."),
    jwt_issuer: Optional[str] = typer.Option(None, "--jwt-issuer", envvar="KAD_SPEC_JWT_ISSUER", metavar="URL",
                                             help="Godta JWT-er fra denne utstederen (iss) i stedet for tokenene "
                                                  "i registeret, f.eks. HelseID."),
    jwt_audience: Optional[str] = typer.Option(None, "--jwt-audience", envvar="KAD_SPEC_JWT_AUDIENCE",
                                               help="Tjenestens navn hos utstederen (aud)."),
    jwt_jwks: Optional[str] = typer.Option(None, "--jwt-jwks", envvar="KAD_SPEC_JWT_JWKS", metavar="FIL|URL",
                                           help="Utstederens offentlige nøkler: en JWKS-fil eller en https://-adresse."),
    jwt_orgnr_claim: str = typer.Option("helseid://claims/client/claims/orgnr_parent", "--jwt-orgnr-claim",
                                        envvar="KAD_SPEC_JWT_ORGNR_CLAIM",
                                        help="Kravet (claim) i JWT-en som har virksomhetens organisasjonsnummer."),
    jwt_directorate_scope: str = typer.Option("kad-spec:direktorat", "--jwt-directorate-scope",
                                              envvar="KAD_SPEC_JWT_DIRECTORATE_SCOPE",
                                              help="Scope i JWT-en (scope eller scp) som gir direktoratets "
                                                   "tilgang: alle virksomheters data, ingen innsending."),
) -> None:
    """Start valideringstjenesten (HTTP API og nettsider). Stopp med Ctrl+C."""
    if ctx.invoked_subcommand is not None:
        return
    from kad_spec.service.settings import MB, ServiceSettings

    settings = ServiceSettings(host=host, port=port, db_url=db, config_file=config, key_file=key_file,
                               max_body_bytes=int(max_body_mb * MB), request_seconds=time_limit,
                               queue_seconds=queue_time, max_waiting=max_waiting)
    if workers:
        settings.max_validations = workers
    settings.jwt = _jwt_settings(jwt_issuer, jwt_audience, jwt_jwks, jwt_orgnr_claim, jwt_directorate_scope)
    run_server(settings)


def run_server(settings) -> None:
    try:
        import uvicorn
    except ImportError:
        fail("tjenesten trenger uvicorn og starlette: pip install kad-spec")
    from kad_spec.service import create_app

    _check_config(settings.config_file)
    _check_access(settings)
    echo(f"kad-spec serve: http://{settings.host}:{settings.port}/ (Ctrl+C stopper)", err=True)
    # uvicorn's own access log is off: it shows the query; the service's shows the route pattern only.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=log_config(),
                server_header=False, access_log=False)


def _check_config(path: Path | None) -> None:
    """A config that cannot be read stops the start, as it stops validate (each worker reads it again)."""
    if path is None:
        return
    from kad_spec.validation.config import ConfigError, load_config

    try:
        load_config(path)
    except ConfigError as error:
        fail(str(error))


def _jwt_settings(issuer: str | None, audience: str | None, jwks: str | None, claim: str,
                  directorate_scope: str = "kad-spec:direktorat"):
    """JWTs instead of the token table when the issuer, the audience and the keys are all given."""
    given = {"--jwt-issuer": issuer, "--jwt-audience": audience, "--jwt-jwks": jwks}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        fail("JWT-er krever --jwt-issuer, --jwt-audience og --jwt-jwks sammen; mangler " + ", ".join(missing))
    from kad_spec.service.access import JwtSettings

    if not directorate_scope.strip() or len(directorate_scope.split()) != 1:
        fail("--jwt-directorate-scope må være ett scope, uten mellomrom")
    return JwtSettings(issuer=issuer, audience=audience, jwks=jwks, orgnr_claim=claim,
                       directorate_scope=directorate_scope.strip())


def _check_access(settings) -> None:
    """With a register: it opens, the key is there and is the register's; JWT keys can be read."""
    from kad_spec.service.access import AccessConfigError, jwks_source

    if settings.jwt is not None:
        try:
            jwks_source(settings.jwt.jwks)
        except AccessConfigError as error:
            fail(str(error))
    if settings.db_url is None:
        return
    from kad_spec.register.keys import RegisterKeyError, load_key
    from kad_spec.register.store import Register, RegisterError

    try:
        key = load_key(settings.key_file)
        with Register.open(settings.db_url) as register, register.transaction() as connection:
            register.check_key(connection, key)
    except (RegisterKeyError, RegisterError) as error:
        fail(error.text())


def log_config() -> dict:
    """uvicorn's logging, with the service's loggers (kad_spec.service, .access) to standard error beside it."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["handlers"]["service"] = {"class": "logging.StreamHandler", "formatter": "service",
                                     "stream": "ext://sys.stderr"}
    config["loggers"]["kad_spec.service"] = {"handlers": ["service"], "level": "INFO", "propagate": False}
    return config


# -- tokens ---------------------------------------------------------------------------------------
token_app = typer.Typer(no_args_is_help=True,
                        help="Tokenene som gir en virksomhet tilgang til innsending og sine egne data i tjenesten, "
                             "eller direktoratet tilgang til alle virksomheters data.")
app.add_typer(token_app, name="token")


@token_app.command("add")
def token_add(
    unit: Optional[str] = typer.Option(None, "--unit", metavar="ORGNR",
                                       help="Virksomhetens organisasjonsnummer (9 siffer)."),
    directorate: bool = typer.Option(False, "--directorate",
                                     help="Et token med direktoratets tilgang: alle virksomheters status og funn, "
                                          "ingen innsending."),
    db: str = DB_OPTION,
) -> None:
    """Lag et token for en virksomhet (--unit) eller for direktoratet (--directorate). Tokenet skrives
    til standard ut én gang og lagres bare som en hash.

    Exit-kode 0: laget; 2: ugyldig organisasjonsnummer, verken eller begge av --unit og --directorate,
    eller registeret kan ikke åpnes.
    """
    from kad_spec.ids import orgnr
    from kad_spec.service.access import add_token

    if directorate and unit is not None:
        fail("--unit og --directorate kan ikke brukes sammen: et token er for én virksomhet eller for direktoratet")
    if not directorate and unit is None:
        fail("token add krever --unit ORGNR (en virksomhet) eller --directorate (direktoratet)")
    if unit is not None and not orgnr.is_valid(unit):
        fail(f"--unit {unit}: ikke et gyldig organisasjonsnummer (9 siffer med kontrollsiffer)")
    with _register(db, "nb") as register:
        token_id, token = add_token(register, unit, directorate=directorate)
    # Data, not a report: the token is written whole (the output boundary could take digits in it for an id).
    write_data((token + "\n").encode("ascii"), None)
    whose = "direktoratet" if directorate else f"virksomhet {unit}"
    echo(f"token {token_id} for {whose}: tokenet vises bare nå; trekk det tilbake med "
         f"kad-spec serve token revoke {token_id}", err=True)


@token_app.command("list")
def token_list(
    db: str = DB_OPTION,
    format: str = typer.Option("text", "--format", "-f", help="Utdataformat: text eller json."),
) -> None:
    """Vis tokenene: id, virksomhet (eller direktorat), når de ble laget og om de er trukket tilbake
    (aldri selve tokenet)."""
    from kad_spec.service.access import list_tokens

    if format not in ("text", "json"):
        fail("--format må være text eller json")
    with _register(db, "nb") as register:
        tokens = list_tokens(register)
    if format == "json":
        write_report(json.dumps({"tokens": tokens}, ensure_ascii=False, indent=2) + "\n", None)
        return
    if not tokens:
        write_report("Registeret har ingen tokener.\n", None)
        return
    lines = [f"{t['id']}  " + ("direktorat" if t["direktorat"] else f"virksomhet {t['virksomhet']}")
             + f"  laget {t['opprettet_utc']}  "
             + (f"tilbakekalt {t['tilbakekalt_utc']}" if t["tilbakekalt_utc"] else "gjelder") for t in tokens]
    write_report("\n".join(lines) + "\n", None)


@token_app.command("revoke")
def token_revoke(
    token_id: str = typer.Argument(..., metavar="ID", help="Tokenets id (fra token add eller token list)."),
    db: str = DB_OPTION,
) -> None:
    """Trekk tilbake et token: det gir ikke tilgang lenger (svaret blir 401).

    Exit-kode 0: trukket tilbake (også om det var det fra før); 2: ingen token med den id-en.
    """
    from kad_spec.service.access import revoke_token

    with _register(db, "nb") as register:
        when = revoke_token(register, token_id)
    if when is None:
        fail(f"ingen token med id {token_id}")
    echo(f"token {token_id} er tilbakekalt ({when})")
