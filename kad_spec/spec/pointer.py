"""JSON pointers (RFC 6901): the one place where a member name becomes a pointer token and back."""

from __future__ import annotations


def escape(token: str) -> str:
    """A member name as a pointer token: ``~`` is ``~0`` and ``/`` is ``~1`` (in that order)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """A pointer token as the member name (``~1`` first, so that ``~01`` stays ``~1``)."""
    return token.replace("~1", "/").replace("~0", "~")


def join(*tokens: str | int) -> str:
    """The pointer of a path of member names and list indices: ``join("opphold", 0)`` is ``/opphold/0``."""
    return "".join(f"/{escape(str(token))}" for token in tokens)


def parent(pointer: str) -> str:
    """The pointer one level up (``""`` for a top-level member)."""
    return pointer.rsplit("/", 1)[0]


def split(pointer: str) -> list[str]:
    """The member names and list indices (as text) of a pointer; ``""`` (the whole document) has none.

    Raises ValueError for text that is not a pointer (anything but ``""`` must start with ``/``).
    """
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape(token) for token in pointer[1:].split("/")]
