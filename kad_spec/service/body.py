"""A request's body, read into an anonymous memory file (Linux ``memfd``): never to disk, never whole into Python.

The body is read in chunks as it arrives and refused as soon as it passes the limit: the rest
is never read. A validation process is handed the memory file itself (its descriptor), not a copy.
"""

from __future__ import annotations

import os


class TooLarge(Exception):
    """The body is larger than the service takes (413)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class Body:
    """The bytes of one request in a memory file; close it (or use ``with``) when done."""

    def __init__(self):
        self.fd = os.memfd_create("kad-spec-opplasting", os.MFD_CLOEXEC)
        self.size = 0

    def write(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(self.fd, view):]
        self.size += len(chunk)

    def read(self) -> bytes:
        """All of it (for small bodies a caller wants in hand)."""
        return os.pread(self.fd, self.size, 0)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "Body":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def declared_length(request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_body(request, limit: int) -> Body:
    """The request's body in a memory file; TooLarge as soon as it passes ``limit`` bytes."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise TooLarge(limit)  # said in advance: not a byte is read
    body = Body()
    try:
        async for chunk in request.stream():
            if body.size + len(chunk) > limit:
                raise TooLarge(limit)
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    return body
