"""JSON messages."""

from __future__ import annotations

from pathlib import Path

import orjson

from kad_spec.readers import UTF8_BOM, Document, ReadFailure
from kad_spec.readers.encoding import not_utf8


def _position(data: bytes, pos: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, pos) + 1
    return line, pos - (data.rfind(b"\n", 0, pos) + 1) + 1


def _char_to_byte(data: bytes, char_pos: int) -> int:
    """orjson reports character positions; lines are counted in bytes."""
    try:
        return len(data.decode("utf-8")[:char_pos].encode("utf-8"))
    except UnicodeDecodeError:
        return min(char_pos, len(data))


def parse_json(data: bytes):
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        return orjson.loads(data), data
    except orjson.JSONDecodeError as error:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as decode_error:
            raise not_utf8(data, decode_error) from None
        line, column = _position(data, _char_to_byte(data, error.pos))
        reason = error.msg
        raise ReadFailure(
            "KAD-FIL-001",
            {"reason": f"ugyldig JSON ({reason})", "reason_en": f"invalid JSON ({reason})"},
            line,
            column,
        ) from None


def read_json(path: Path) -> Document:
    message, data = parse_json(path.read_bytes())
    if not isinstance(message, dict):
        raise ReadFailure(
            "KAD-FIL-004",
            {"reason": "toppnivået er ikke et JSON-objekt", "reason_en": "the top level is not a JSON object"},
            1,
            1,
        )
    stays = message.get("opphold")
    header = {k: v for k, v in message.items() if k != "opphold"}
    if stays is not None and not isinstance(stays, list):
        header["opphold"] = stays
        stays = None

    def iter_stays():
        return enumerate(stays or ())

    def line_of_many(pointers: set[str]) -> dict[str, int]:
        from kad_spec.readers.json_lines import nearest_lines

        return nearest_lines(data, pointers)

    return Document(path=path, format="json", header=header, stays=iter_stays, lines_for=line_of_many)
