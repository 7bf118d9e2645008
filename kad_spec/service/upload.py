"""The web page's upload form (``multipart/form-data``), read as it streams in: the file into a memory file.

Starlette's own ``request.form()`` spools a large file to a temporary file on disk; the service
writes no upload to disk, so the form is parsed here with python-multipart's streaming parser,
and the chosen file's bytes go straight into a :class:`kad_spec.service.body.Body` (memfd), the
same as the API's body. The limits: the file as the API's message (``limit``), the form around
it a little more, a few small text fields, a few parts.

    with await read_form(request, settings.max_body_bytes, file_field="fil") as form:
        form.fields.get("lang"), form.filename, form.file   # file: a Body, or None
"""

from __future__ import annotations

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from kad_spec.service.body import Body, TooLarge, declared_length

FORM_ALLOWANCE = 64 * 1024  # the boundaries, the headers and the small fields round the file
MAX_FIELD_BYTES = 1000
MAX_PARTS = 8


class BadForm(Exception):
    """Not a form the page sends (400)."""


class Form:
    """What the form held: its small text fields, and the one file (``file``: None when no part named so)."""

    def __init__(self, file_field: str, limit: int):
        self.file_field = file_field
        self.limit = limit
        self.fields: dict[str, str] = {}
        self.filename: str | None = None
        self.file: Body | None = None
        self.parts = 0
        self.complete = False  # the closing boundary was seen: a cut-off upload is no form
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._target = None  # where the current part's data goes: a Body, a bytearray, or None (dropped)
        self._field_name: str | None = None

    # -- the parser's callbacks ---------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise BadForm("too many parts")
        self._headers, self._target, self._field_name = {}, None, None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        kind, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if kind != b"form-data" or b"name" not in options:
            raise BadForm("a part without a name")
        name = options[b"name"].decode("utf-8", errors="replace")
        if b"filename" in options:
            if name == self.file_field and self.file is None:
                self.filename = options[b"filename"].decode("utf-8", errors="replace")
                self.file = self._target = Body()
            return  # any other file is not read
        if name in self.fields:
            raise BadForm("a field given twice")
        self._field_name, self._target = name, bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._target is None:
            return
        chunk = data[start:end]
        if isinstance(self._target, Body):
            if self._target.size + len(chunk) > self.limit:
                raise TooLarge(self.limit)
            self._target.write(chunk)
        elif len(self._target) + len(chunk) > MAX_FIELD_BYTES:
            raise BadForm("a field too long")
        else:
            self._target += chunk

    def on_part_end(self) -> None:
        if self._field_name is not None:
            self.fields[self._field_name] = bytes(self._target).decode("utf-8", errors="replace")
        self._target, self._field_name = None, None

    def on_end(self) -> None:
        self.complete = True

    def callbacks(self) -> dict:
        names = ("on_part_begin", "on_header_field", "on_header_value", "on_header_end", "on_headers_finished",
                 "on_part_data", "on_part_end", "on_end")
        return {name: getattr(self, name) for name in names}

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> "Form":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def boundary_of(request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise BadForm("not multipart/form-data")
    return options[b"boundary"]


async def read_form(request, limit: int, file_field: str) -> Form:
    """The request's form; TooLarge as soon as the file passes ``limit`` bytes (or the whole form
    passes it by more than :data:`FORM_ALLOWANCE`), BadForm for anything the page does not send."""
    boundary = boundary_of(request)
    total_limit = limit + FORM_ALLOWANCE
    declared = declared_length(request)
    if declared is not None and declared > total_limit:
        raise TooLarge(limit)  # said in advance: not a byte is read
    form = Form(file_field, limit)
    try:
        parser = MultipartParser(boundary, form.callbacks())
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > total_limit:
                raise TooLarge(limit)
            parser.write(chunk)
        parser.finalize()
        if not form.complete or form.parts == 0:
            raise BadForm("a form cut off, or empty")
    except MultipartParseError:
        form.close()
        raise BadForm("not a well-formed form") from None
    except BaseException:
        form.close()
        raise
    return form
