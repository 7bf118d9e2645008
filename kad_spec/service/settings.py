"""What the service is started with: where it listens, the register, the validation config, the limits."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kad_spec.service.access import JwtSettings

MB = 1000 * 1000
DEFAULT_MAX_BODY = 50 * MB  # NPR's limit for one message


def _cpu_count() -> int:
    return os.cpu_count() or 1


@dataclass
class ServiceSettings:
    host: str = "127.0.0.1"  # loopback unless told otherwise
    port: int = 8080
    db_url: str | None = None  # the register (kad_spec.register): sqlite:///... or postgresql://...
    config_file: Path | None = None  # a validation config, as `kad-spec validate --config`
    key_file: Path | None = None  # the register's key; None: KAD_SPEC_REGISTER_KEY
    max_body_bytes: int = DEFAULT_MAX_BODY
    request_seconds: float = 120.0  # the time limit of one request
    max_validations: int = field(default_factory=_cpu_count)  # validations at once; each in its own process
    queue_seconds: float = 10.0  # how long a request waits for a free validation before 503
    max_waiting: int = 32  # requests reading or waiting beyond those validating; more get 503 at once
    jwt: "JwtSettings | None" = None  # check OAuth2/OIDC JWTs (HelseID) instead of the token table
