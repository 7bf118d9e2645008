"""The operator's secret, and the pseudonym it makes of a person.

The register never holds a personal id: a stay's person is ``pseudonym(key, id_type, id)``, an
HMAC-SHA256 under a key only the operator has. The same person gets the same pseudonym in every
message, so the history rules can compare stays (overlap, a change of person), and without the
key the pseudonym cannot be turned back into the id, nor checked against a guessed one.

The key comes from ``--key-file FILE`` (its contents, surrounding white space stripped) or the
environment variable ``KAD_SPEC_REGISTER_KEY``; ``kad-spec register key new`` makes one. The
same key must be used for as long as the register lives: the register keeps a check value of it
(never the key) and refuses another (:func:`key_check`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from kad_spec.spec.text import Text

KEY_ENV = "KAD_SPEC_REGISTER_KEY"
MIN_LENGTH = 32  # characters: token_hex(32) gives 64

HOW_TO = Text(
    "Lag en nøkkel med «kad-spec register key new > register.key», oppbevar filen trygt, og gi den med "
    "--key-file register.key eller i miljøvariabelen KAD_SPEC_REGISTER_KEY. Samme nøkkel må brukes så lenge "
    "registeret finnes.",
    "Make a key with 'kad-spec register key new > register.key', keep the file safe, and give it with "
    "--key-file register.key or in the environment variable KAD_SPEC_REGISTER_KEY. The same key must be used "
    "for as long as the register exists.",
)
NO_KEY = Text(
    "registeret trenger en hemmelig nøkkel til å lage pseudonymer for pasientene, og ingen er gitt.",
    "the register needs a secret key to make pseudonyms of the patients, and none was given.",
)
TOO_SHORT = Text(
    "nøkkelen fra {source} er for kort ({length} tegn); den må ha minst {minimum} tegn.",
    "the key from {source} is too short ({length} characters); it must have at least {minimum}.",
)
UNREADABLE = Text("kan ikke lese nøkkelfilen {path} ({reason}).", "cannot read the key file {path} ({reason}).")
ENV_SOURCE = Text("miljøvariabelen KAD_SPEC_REGISTER_KEY", "the environment variable KAD_SPEC_REGISTER_KEY")


class RegisterKeyError(Exception):
    """No usable key: what is wrong and how to make one, in either language (exit code 2)."""

    def __init__(self, problem: Text, **params):
        self.problem = problem
        self.params = params  # a Text among them is put in the language of the whole
        super().__init__(self.text())

    def text(self, lang: str = "nb") -> str:
        params = {name: value.get(lang) if isinstance(value, Text) else value for name, value in self.params.items()}
        return f"{self.problem.format(lang, **params)} {HOW_TO.get(lang)}"


def new_key() -> str:
    """A new random key: 32 bytes as 64 hex digits."""
    return secrets.token_hex(32)


def load_key(key_file: Path | None = None) -> bytes:
    """The key from ``key_file``, else from the environment; RegisterKeyError when there is none fit for use."""
    if key_file is not None:
        try:
            text = Path(key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise RegisterKeyError(UNREADABLE, path=str(key_file), reason=reason) from None
        source = Text(str(key_file), str(key_file))
    else:
        text = os.environ.get(KEY_ENV, "").strip()
        if not text:
            raise RegisterKeyError(NO_KEY)
        source = ENV_SOURCE
    if len(text) < MIN_LENGTH:
        raise RegisterKeyError(TOO_SHORT, source=source, length=len(text), minimum=MIN_LENGTH)
    return text.encode("utf-8")


def pseudonym(key: bytes, id_type: str, person_id: str) -> str:
    """The person's pseudonym: HMAC-SHA256 over ``id_type:id``, as 64 hex digits."""
    return hmac.digest(key, f"{id_type}:{person_id}".encode("utf-8"), "sha256").hex()  # hmac.new's value, quicker


def key_check(key: bytes) -> str:
    """A value the register keeps to know its key again; it tells nothing of the key or of any id."""
    return hmac.new(key, b"kad-spec register: key check", hashlib.sha256).hexdigest()
