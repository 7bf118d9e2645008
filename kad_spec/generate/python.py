"""Typed Python classes (Pydantic) from the model, via LinkML's generator."""

from __future__ import annotations

from kad_spec.generate.linkml_view import with_type_patterns_on_attributes


def generate_python(view) -> str:
    from linkml.generators.pydanticgen import PydanticGenerator

    return PydanticGenerator(with_type_patterns_on_attributes(view).schema).serialize()
