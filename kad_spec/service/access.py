"""Who is calling: a request's bearer token, checked by a :class:`Verifier`, gives the caller's unit.

Dry-run validation is open; submission and a unit's data need a token tied to one organisation
number. A directorate caller (a directorate token, or a JWT with the directorate's scope) is tied
to no unit and may read every unit's data, but submits nothing. Two verifiers, one chosen by
configuration:

- :class:`TokenVerifier` (the default): the tokens ``kad-spec serve token add`` makes, kept in the
  register's ``token`` table as the SHA-256 of the token (the token itself is shown once and never
  kept), revocable;
- :class:`JwtVerifier`: OAuth2/OIDC access tokens (JWTs) from an identity provider such as HelseID,
  signed with keys it publishes as JWKS (a file, or an https URL), with the issuer, the audience
  and the claim that holds the organisation number given by the operator.

    verifier = verifier_for(settings, register.reading)
    caller = verifier.verify(request.headers.get("authorization"))   # Caller(unit="310000019", via="token")
    require_unit(caller, orgnr)                                       # Forbidden for another unit
    require_directorate(caller)                                       # Forbidden for a unit

``verify`` raises :class:`Unauthorized` (401: no token, unknown, revoked, expired, a bad signature,
another issuer or audience) or :class:`Forbidden` (403: a valid identity with no unit, or another
unit). It blocks (a database query, a JWKS fetch): the service calls it in a thread.
"""

from __future__ import annotations

import abc
import hashlib
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, ContextManager

TOKEN_PREFIX = "kad_"  # so that secret scanners and people know a kad-spec token when they see one
TOKEN_BYTES = 32
ID_BYTES = 6  # 12 hex digits: short enough to type, long enough never to repeat
HELSEID_ORGNR_CLAIM = "helseid://claims/client/claims/orgnr_parent"
DIRECTORATE_SCOPE = "kad-spec:direktorat"  # the JWT scope that gives the directorate's rights
DIRECTORATE = "direktorat"  # the unit page's name for a directorate caller (never an organisation number)
# Asymmetric algorithms only: a JWKS holds public keys, and an HMAC "signed" with one would be forged.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
JWKS_TIMEOUT = 10  # seconds to fetch a JWKS URL
JWKS_LIFESPAN = 3600  # seconds a fetched JWKS is kept before it is fetched again


@dataclass(frozen=True)
class Caller:
    """Whom a request is made for: one unit (its organisation number), or the directorate (no unit,
    every unit's data to read), and how that was known."""

    unit: str | None
    via: str  # "token" | "jwt"
    directorate: bool = False


class Refused(Exception):
    """The request may not go on: a status and why, in both languages (never the token)."""

    status = 401

    def __init__(self, feil: str, error: str):
        super().__init__(error)
        self.feil, self.error = feil, error


class Unauthorized(Refused):
    """No valid token (401)."""

    status = 401

    def __init__(self, feil: str, error: str, token_given: bool = True):
        super().__init__(feil, error)
        self.token_given = token_given  # RFC 6750: error="invalid_token" only when one was given


class Forbidden(Refused):
    """A valid caller, but not for this (403)."""

    status = 403


class Unavailable(Refused):
    """The check cannot be made now: the register or the JWKS does not answer (503)."""

    status = 503

    def __init__(self, feil: str, error: str, passing: bool = True):
        super().__init__(feil, error)
        self.passing = passing  # worth trying again shortly (Retry-After); not so for a service without a register


class AccessConfigError(Exception):
    """The access configuration cannot be used (the service does not start)."""


NO_TOKEN = ("forespørselen mangler et token (Authorization: Bearer ...)",
            "the request has no token (Authorization: Bearer ...)")
NOT_BEARER = ("Authorization må være «Bearer» og tokenet", "Authorization must be 'Bearer' and the token")
UNKNOWN_TOKEN = ("tokenet er ukjent", "the token is unknown")
REVOKED = ("tokenet er tilbakekalt", "the token has been revoked")
OTHER_UNIT = ("tokenet gir ikke tilgang til virksomheten {unit}; bare til {own}",
              "the token gives no access to the unit {unit}; only to {own}")
NO_UNIT = ("tokenet har ikke et gyldig organisasjonsnummer i «{claim}»",
           "the token has no valid organisation number in '{claim}'")
NOT_DIRECTORATE = ("bare direktoratet har tilgang her; tokenet hører til virksomheten {own}",
                   "only the directorate has access here; the token belongs to the unit {own}")
DIRECTORATE_SUBMITS = ("direktoratet er ingen virksomhet og sender ikke inn meldinger; bruk virksomhetens token",
                       "the directorate is no unit and submits no messages; use the unit's token")
JWT_REASONS = {
    "ExpiredSignatureError": ("tokenet er utløpt", "the token has expired"),
    "ImmatureSignatureError": ("tokenet gjelder ikke ennå", "the token is not valid yet"),
    "InvalidAudienceError": ("tokenet er ikke utstedt for denne tjenesten (aud)",
                             "the token is not issued for this service (aud)"),
    "InvalidIssuerError": ("tokenet er ikke utstedt av den tjenesten stoler på (iss)",
                           "the token is not issued by the issuer the service trusts (iss)"),
    "InvalidSignatureError": ("tokenets signatur stemmer ikke", "the token's signature does not verify"),
    "MissingRequiredClaimError": ("tokenet mangler exp, iss eller aud", "the token lacks exp, iss or aud"),
    "InvalidAlgorithmError": ("tokenet er signert med en algoritme tjenesten ikke godtar",
                              "the token is signed with an algorithm the service does not accept"),
}
NOT_A_JWT = ("tokenet er ikke en gyldig JWT", "the token is not a valid JWT")
UNKNOWN_KEY = ("tokenet er signert med en nøkkel tjenesten ikke kjenner (kid)",
               "the token is signed with a key the service does not know (kid)")
JWKS_DOWN = ("nøklene til å sjekke tokenet med kan ikke hentes nå; prøv igjen om litt",
             "the keys to check the token with cannot be fetched now; try again shortly")


class Verifier(abc.ABC):
    """Checks the Authorization header of a request and says whom it is made for."""

    @abc.abstractmethod
    def verify(self, authorization: str | None) -> Caller:
        """The caller; Unauthorized, Forbidden or Unavailable when there is none to let in."""


def bearer_token(authorization: str | None) -> str:
    """The token of ``Authorization: Bearer <token>``; Unauthorized when there is none."""
    if not authorization or not authorization.strip():
        raise Unauthorized(*NO_TOKEN, token_given=False)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(*NOT_BEARER, token_given=False)
    return token.strip()


def require_unit(caller: Caller, unit: str) -> None:
    """Forbidden unless ``unit`` is the caller's own, or the caller is the directorate."""
    if caller.directorate:
        return
    if caller.unit != unit:
        feil, error = (text.format(unit=unit, own=caller.unit) for text in OTHER_UNIT)
        raise Forbidden(feil, error)


def require_directorate(caller: Caller) -> None:
    """Forbidden unless the caller is the directorate."""
    if not caller.directorate:
        raise Forbidden(*(text.format(own=caller.unit) for text in NOT_DIRECTORATE))


def require_submitter(caller: Caller) -> None:
    """Forbidden for the directorate: a submission is made for one unit."""
    if caller.directorate or caller.unit is None:
        raise Forbidden(*DIRECTORATE_SUBMITS)


# -- the token table ------------------------------------------------------------------------------
def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


DIGIT_RUN = re.compile(r"[0-9]{9}")  # the output boundary masks a long run of digits as a possible personal id


def new_token_id() -> str:
    """A short public id, never with nine digits in a row: the output masks such a run (it could be
    a personal id), and the operator could not read the id to revoke the token with."""
    while True:
        token_id = secrets.token_hex(ID_BYTES)
        if not DIGIT_RUN.search(token_id):
            return token_id


def token_hash(token: str) -> str:
    """What the register keeps of a token. A plain SHA-256 is enough: the token is 32 random bytes,
    not a password, so there is nothing to guess it from."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_token(register, unit: str | None, directorate: bool = False) -> tuple[str, str]:
    """A new token for ``unit``, or with the directorate's rights (``unit`` None): (its id, the
    token). The token is not kept; show it once."""
    from kad_spec.register import schema, utc

    if directorate == (unit is not None):
        raise ValueError("a token is for one unit or for the directorate")
    token, token_id = new_token(), new_token_id()
    with register.transaction() as connection:
        connection.execute(schema.token.insert().values(
            id=token_id, virksomhet=unit, direktorat=directorate, sha256=token_hash(token), opprettet_utc=utc.now(),
            tilbakekalt_utc=None))
    return token_id, token


def list_tokens(register) -> list[dict]:
    """Every token: id, unit (None for the directorate's), directorate, created, revoked (never the
    hash), in the order they were made."""
    import sqlalchemy

    from kad_spec.register import schema

    t = schema.token
    with register.transaction() as connection:
        rows = connection.execute(sqlalchemy.select(t.c.id, t.c.virksomhet, t.c.direktorat, t.c.opprettet_utc,
                                                    t.c.tilbakekalt_utc).order_by(t.c.opprettet_utc, t.c.id))
        return [{"id": row.id, "virksomhet": row.virksomhet, "direktorat": bool(row.direktorat),
                 "opprettet_utc": row.opprettet_utc, "tilbakekalt_utc": row.tilbakekalt_utc} for row in rows]


def revoke_token(register, token_id: str) -> str | None:
    """Revoke a token: the time it was revoked (now, or earlier if it was already); None for no such id."""
    from kad_spec.register import schema, utc

    t = schema.token
    with register.transaction() as connection:
        row = connection.execute(t.select().where(t.c.id == token_id)).first()
        if row is None:
            return None
        if row.tilbakekalt_utc is not None:
            return row.tilbakekalt_utc
        now = utc.now()
        connection.execute(t.update().where(t.c.id == token_id).values(tilbakekalt_utc=now))
        return now


class TokenVerifier(Verifier):
    """The tokens of the register's ``token`` table: known by their hash, in force until revoked."""

    def __init__(self, reading: Callable[[], ContextManager]):
        self.reading = reading  # a connection to the register that reads (kad_spec.service.store)

    def verify(self, authorization: str | None) -> Caller:
        import sqlalchemy

        from kad_spec.register import schema

        digest = token_hash(bearer_token(authorization))
        t = schema.token
        with self.reading() as connection:
            row = connection.execute(sqlalchemy.select(t.c.virksomhet, t.c.direktorat, t.c.tilbakekalt_utc)
                                     .where(t.c.sha256 == digest)).first()
        if row is None:
            raise Unauthorized(*UNKNOWN_TOKEN)
        if row.tilbakekalt_utc is not None:
            raise Unauthorized(*REVOKED)
        if row.direktorat:
            return Caller(None, "token", directorate=True)
        return Caller(row.virksomhet, "token")


# -- JWTs (OAuth2/OIDC, HelseID) ------------------------------------------------------------------
@dataclass(frozen=True)
class JwtSettings:
    """How the service checks JWTs instead of its token table."""

    issuer: str  # iss, as the identity provider writes it (HelseID: https://helseid-sts.nhn.no)
    audience: str  # aud: this service's name at the provider (its API resource)
    jwks: str  # the provider's public keys: a JWKS file, or an https:// URL of one
    orgnr_claim: str = HELSEID_ORGNR_CLAIM  # the claim that holds the caller's organisation number
    leeway_seconds: int = 30  # clock skew allowed on exp and nbf
    directorate_scope: str = DIRECTORATE_SCOPE  # in scope (space-separated) or scp (a list): the directorate


class JwksFile:
    """Keys from a JWKS file, read again when the file changes (a key rotated without a restart)."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.stamp = None
        self.keys: dict[str | None, object] = {}
        self.load()

    def load(self) -> None:
        import jwt

        try:
            stat = os.stat(self.path)
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp == self.stamp:
                return
            keys = jwt.PyJWKSet.from_json(self.path.read_text(encoding="utf-8")).keys
        except (OSError, UnicodeDecodeError, ValueError, jwt.PyJWTError) as error:
            raise AccessConfigError(f"kan ikke lese JWKS-filen {self.path}: {type(error).__name__}: {error}") from None
        self.keys = {key.key_id: key for key in keys if getattr(key, "public_key_use", None) in (None, "sig")}
        self.stamp = stamp

    def key_for(self, kid: str | None):
        with self.lock:
            try:
                self.load()
            except AccessConfigError:
                pass  # the file is being replaced, or gone: the keys read last still hold
        if kid is None and len(self.keys) == 1:
            return next(iter(self.keys.values()))
        key = self.keys.get(kid)
        if key is None:
            raise Unauthorized(*UNKNOWN_KEY)
        return key


class JwksUrl:
    """Keys fetched from a JWKS URL (PyJWT's client: kept for an hour, fetched again for a new kid)."""

    def __init__(self, url: str):
        import jwt

        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=JWKS_LIFESPAN, timeout=JWKS_TIMEOUT)

    def key_for(self, kid: str | None):
        import jwt

        try:
            if kid is None:
                keys = self.client.get_signing_keys()
                if len(keys) == 1:
                    return keys[0]
                raise Unauthorized(*UNKNOWN_KEY)
            return self.client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError:
            raise Unavailable(*JWKS_DOWN) from None
        except jwt.PyJWKClientError:
            raise Unauthorized(*UNKNOWN_KEY) from None


def jwks_source(where: str):
    """The keys at ``where``: an https:// URL, else a file."""
    if where.startswith("https://"):
        return JwksUrl(where)
    if "://" in where:
        raise AccessConfigError(f"JWKS må være en fil eller en https://-adresse, ikke {where}")
    return JwksFile(Path(where))


class JwtVerifier(Verifier):
    """Access tokens from an OAuth2/OIDC provider: signature (JWKS), exp, iss and aud checked; the unit
    is the organisation number in the configured claim, unless the token has the directorate's
    scope (in ``scope``, space-separated, or in ``scp``, a list or a string): then the caller is
    the directorate."""

    def __init__(self, settings: JwtSettings):
        self.settings = settings
        self.keys = jwks_source(settings.jwks)

    def verify(self, authorization: str | None) -> Caller:
        import jwt

        token = bearer_token(authorization)
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.key_for(kid if isinstance(kid, str) else None)
            claims = jwt.decode(token, key=key.key, algorithms=ALGORITHMS, audience=self.settings.audience,
                                issuer=self.settings.issuer, leeway=self.settings.leeway_seconds,
                                options={"require": ["exp", "iss", "aud"]})
        except jwt.PyJWTError as error:
            raise Unauthorized(*JWT_REASONS.get(type(error).__name__, NOT_A_JWT)) from None
        if self._directorate(claims):
            return Caller(None, "jwt", directorate=True)
        return Caller(self._unit(claims), "jwt")

    def _directorate(self, claims: dict) -> bool:
        scopes: set[str] = set()
        for name in ("scope", "scp"):
            value = claims.get(name)
            if isinstance(value, str):
                scopes.update(value.split())
            elif isinstance(value, list):
                scopes.update(item for item in value if isinstance(item, str))
        return bool(self.settings.directorate_scope) and self.settings.directorate_scope in scopes

    def _unit(self, claims: dict) -> str:
        from kad_spec.ids import orgnr

        unit = claims.get(self.settings.orgnr_claim)
        if not isinstance(unit, str) or not orgnr.is_valid(unit):
            claim = self.settings.orgnr_claim
            raise Forbidden(NO_UNIT[0].format(claim=claim), NO_UNIT[1].format(claim=claim))
        return unit


def verifier_for(settings, reading: Callable[[], ContextManager]) -> Verifier:
    """The JWT verifier when the service is configured for JWTs, else the token table."""
    if settings.jwt is not None:
        return JwtVerifier(settings.jwt)
    return TokenVerifier(reading)
