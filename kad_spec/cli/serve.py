"""``kad-spec serve``: the validation service over HTTP (kad_spec.service), bound to loopback unless told otherwise.

``serve`` alone runs the server; its subcommands (``serve token ...``) manage what it serves.
Nothing here imports Starlette or uvicorn until the server starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from kad_spec.cli.support import fail
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
    run_server(settings)


def run_server(settings) -> None:
    try:
        import uvicorn
    except ImportError:
        fail("tjenesten trenger uvicorn og starlette: pip install kad-spec")
    from kad_spec.service import create_app

    _check_config(settings.config_file)
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
