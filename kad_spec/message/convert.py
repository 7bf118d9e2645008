"""``kad-spec convert``: JSON ↔ XML, lossless, in the canonical forms of :mod:`kad_spec.message.xmlmap`.

Lossless is checked, not assumed: after converting, the result is mapped back and compared
with the input (both in canonical JSON). A JSON value XML cannot carry the same way (the
number 84 sent as the text "84") is refused with the JSON pointer of the value, rather than
silently changed. The input file is never modified; writing goes through a temporary file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kad_spec.spec.model import Class, Model, model
from kad_spec.message.walk import members
from kad_spec.spec.pointer import escape

FORMATS = ("json", "xml")


class ConvertError(Exception):
    """The input cannot be converted (exit code 1); ``str()`` is a bokmål message with position."""


class ConvertUsageError(Exception):
    """The command was called wrongly (exit code 2)."""


# --- reading ------------------------------------------------------------------------------


def detect_format(data: bytes, name: str = "-") -> str:
    """'json' or 'xml' by content, as the validator tells them; ConvertError for anything else."""
    from kad_spec.message import ReadFailure, sniff

    try:
        return sniff(data[:4096])
    except ReadFailure as failure:
        reason = failure.params.get("reason") or f"filen er ikke UTF-8 ({failure.params.get('encoding')})"
        raise ConvertError(f"{name}: {reason}") from None


def _not_json(constant: str):
    raise ConvertError(f"{constant} er ikke JSON")


def read_json(data: bytes, name: str, m: Model | None = None) -> dict:
    from kad_spec.message import DuplicateKey, strip_bom, unique_keys

    try:
        text = strip_bom(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConvertError(f"{name}: filen er ikke UTF-8 (byte {exc.start})") from None
    try:
        doc = json.loads(text, object_pairs_hook=unique_keys, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise ConvertError(f"{name}:{exc.lineno}:{exc.colno}: ugyldig JSON: {exc.msg}") from None
    except DuplicateKey as exc:
        raise ConvertError(f"{name}: nøkkelen «{exc.key}» forekommer mer enn én gang i samme objekt") from None
    except ConvertError as exc:
        raise ConvertError(f"{name}: {exc}") from None
    except RecursionError:
        raise ConvertError(f"{name}: ugyldig JSON: strukturen er nestet for dypt") from None
    except ValueError:  # an integer of thousands of digits
        raise ConvertError(f"{name}: ugyldig JSON: et tall er for langt") from None
    check_shape(doc, name, m or model())
    return doc


def read_xml(data: bytes, name: str, m: Model | None = None) -> dict:
    from lxml import etree

    from kad_spec.message.xmlmap import XmlInputError, element_to_dict, parse_xml_bytes

    m = m or model()
    try:
        root = parse_xml_bytes(data).getroot()
    except XmlInputError as exc:
        where = f"{name}:{exc.line}" + (f":{exc.column}" if exc.column else "") if exc.line else name
        raise ConvertError(f"{where}: {exc.message}") from None
    localname = etree.QName(root).localname
    if localname != m.root.name:
        raise ConvertError(f"{name}:{root.sourceline}: rotelementet er {localname}, forventet {m.root.name}")
    mapped = element_to_dict(root, m.root.name, pointer="", m=m)
    if mapped.problems:
        first = mapped.problems[0]
        raise ConvertError(f"{name}:{first.line}: {first.xpath}: {first.message}")
    return mapped.data


def read_message(path: Path, m: Model | None = None) -> tuple[dict, str]:
    """The message in ``path`` as a JSON dict, and the format it was in.

    Read up to the size the file had when opened: a file still being written cannot keep it reading."""
    import os

    with path.open("rb") as handle:
        data = handle.read(os.fstat(handle.fileno()).st_size)
    kind = detect_format(data, str(path))
    reader = read_json if kind == "json" else read_xml
    return reader(data, str(path), m), kind


def check_shape(doc: Any, name: str, m: Model) -> None:
    """Refuse, in bokmål and with a JSON pointer, what has no place in the model (and so in XML)."""
    _check_object(doc, m.root, "", name, m)


def _check_object(obj: Any, cls: Class, pointer: str, name: str, m: Model) -> None:
    if not isinstance(obj, dict):
        raise ConvertError(f"{name}: {pointer or '/'}: forventet et objekt ({cls.name}), fant {_kind(obj)}")
    for member in members(obj, cls, pointer, m):
        if member.attr is None:
            raise ConvertError(f"{name}: {member.pointer}: ukjent element «{member.name}» i {cls.name}")
        if member.attr.multivalued:
            if not isinstance(member.value, list):
                raise ConvertError(f"{name}: {member.pointer}: forventet en liste, fant {_kind(member.value)}")
            for item, here in member.elements():
                _check_value(item, member.attr.range, here, name, m)
        else:
            _check_value(member.value, member.attr.range, member.pointer, name, m)


def _check_value(value: Any, range_name: str, pointer: str, name: str, m: Model) -> None:
    if range_name in m.classes:
        _check_object(value, m.classes[range_name], pointer, name, m)
    elif value is None or isinstance(value, (dict, list)):
        raise ConvertError(f"{name}: {pointer}: forventet en enkel verdi, fant {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "sann/usann"
    return {dict: "et objekt", list: "en liste", str: "tekst", int: "et tall", float: "et tall"}.get(type(value), type(value).__name__)


# --- converting ---------------------------------------------------------------------------


def render(message: dict, to: str, m: Model | None = None) -> bytes:
    """The canonical bytes of ``message`` in format ``to``, checked to map back unchanged."""
    from kad_spec.message.xmlmap import from_xml, to_json, to_xml

    m = m or model()
    try:
        if to == "json":
            return to_json(message, m)
        out = to_xml(message, m)
    except ValueError as exc:
        raise ConvertError(f"kan ikke skrives som {to.upper()}: {exc}") from None
    back = from_xml(out)
    if to_json(back, m) != to_json(message, m):
        raise ConvertError(_loss_message(message, back))
    return out


def _loss_message(original: dict, back: dict) -> str:
    pointer, before, after = _first_difference(original, back, "")
    return (
        f"{pointer or '/'}: verdien {json.dumps(before, ensure_ascii=False)} kan ikke uttrykkes likt i XML "
        f"(blir {json.dumps(after, ensure_ascii=False)}); rett verdien i JSON-filen først"
    )


def _first_difference(a: Any, b: Any, pointer: str) -> tuple[str, Any, Any]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in a:
            if key not in b:
                return f"{pointer}/{escape(key)}", a[key], None
            if a[key] != b[key] or type(a[key]) is not type(b[key]):
                return _first_difference(a[key], b[key], f"{pointer}/{escape(key)}")
    if isinstance(a, list) and isinstance(b, list):
        for index, (x, y) in enumerate(zip(a, b)):
            if x != y or type(x) is not type(y):
                return _first_difference(x, y, f"{pointer}/{index}")
    return pointer, a, b


def target_format(out: Path, to: str | None) -> str:
    if to:
        if to not in FORMATS:
            raise ConvertUsageError(f"ukjent format «{to}»; bruk json eller xml")
        return to
    suffix = out.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ConvertUsageError(f"kan ikke se formatet av {out}: bruk filendelsen .json eller .xml, eller --to json|xml")


def convert_file(src: Path, dst: Path, to: str | None = None, force: bool = False) -> str:
    """Convert ``src`` to ``dst``; returns the format written. Never touches ``src``, a special
    file, or (without ``force``) an existing ``dst``."""
    from kad_spec.output.files import OutputRefused, check_target, write_atomic

    fmt = target_format(dst, to)
    if not src.is_file():
        raise ConvertUsageError(f"{src} er en mappe, ikke en fil" if src.is_dir() else f"finner ikke {src}")
    try:
        check_target(dst, [src], force)
        message, _ = read_message(src)
        try:
            data = render(message, fmt)
        except ConvertError as exc:
            raise ConvertError(f"{src}: {exc}") from None
        write_atomic(dst, data, force=force, inputs=[src])
    except OutputRefused as exc:
        raise ConvertUsageError(str(exc)) from None
    return fmt
