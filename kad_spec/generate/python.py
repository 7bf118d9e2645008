"""Typed Python classes (Pydantic v2) from the model, via LinkML's generator, made as strict as the schema.

LinkML's classes coerce (``"84"`` becomes 84, ``true`` becomes 1), accept ``null`` for optional
fields and write ``null`` for absent ones, all of which the JSON Schema refuses. So the output is
adjusted:

* scalar fields are ``StrictStr``/``StrictInt``/``StrictBool``/``StrictFloat``;
* an optional field may be left out but not be ``None`` (no ``Optional``; its default is not
  validated);
* ``model_dump`` and ``model_dump_json`` leave out what is absent (``exclude_none``), so the
  default dump is a message kad-spec accepts.
"""

from __future__ import annotations

import re

from kad_spec.generate.linkml_view import with_type_patterns_on_attributes

HEADER = '''"""Pydantic v2 classes for KAD messages, generated from model/kad.yaml by kad-spec; do not edit.

Needs pydantic 2 (pip install "pydantic>=2"). Types are strict as in the JSON Schema: "84" is no
age, null no stay list. The default model_dump_json() leaves absent fields out.
"""
'''
STRICT = {"str": "StrictStr", "int": "StrictInt", "bool": "StrictBool", "float": "StrictFloat"}
_FIELD = re.compile(r"^(    \w+): (.+?) = Field\(", re.M)
_DUMPS = '''
    def model_dump(self, **kwargs):
        kwargs.setdefault("exclude_none", True)  # absent fields stay absent
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs):
        kwargs.setdefault("exclude_none", True)
        return super().model_dump_json(**kwargs)
'''


def generate_python(view) -> str:
    from linkml.generators.pydanticgen import PydanticGenerator

    return strict_classes(PydanticGenerator(with_type_patterns_on_attributes(view).schema).serialize())


def strict_classes(text: str) -> str:
    text = _FIELD.sub(lambda match: f"{match.group(1)}: {_strict_annotation(match.group(2))} = Field(", text)
    text = _replace_once(text, "        validate_default = True,\n", "        validate_default = False,\n")
    text = _replace_once(text, "        strict = False,\n    )\n", "        strict = False,\n    )\n" + _DUMPS)
    text = _replace_once(text, "from pydantic import (\n", "from pydantic import (\n    StrictBool,\n    StrictFloat,\n    StrictInt,\n    StrictStr,\n")
    return HEADER + text


def _strict_annotation(annotation: str) -> str:
    if annotation.startswith("Optional[") and annotation.endswith("]"):
        annotation = annotation[len("Optional["):-1]
    return re.sub(r"\b(str|int|bool|float)\b", lambda match: STRICT[match.group(1)], annotation)


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:  # LinkML changed its output: fail generation rather than publish loose classes
        raise ValueError(f"the Pydantic generator's output no longer has {old.strip()!r} once")
    return text.replace(old, new)
