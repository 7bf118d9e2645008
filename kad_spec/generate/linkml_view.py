"""LinkML SchemaView of the model, for the generators that build on LinkML's own ones."""

from __future__ import annotations

from pathlib import Path


def schema_view(model_directory: Path):
    from linkml_runtime.utils.schemaview import SchemaView

    view = SchemaView(str(model_directory / "kad.yaml"))
    # Generators copy the source path into their output; a checkout's location must not show.
    view.schema.source_file = "model/kad.yaml"
    return view


def with_type_patterns_on_attributes(view):
    """Copy patterns of LinkML types onto the attributes that use them.

    LinkML's Pydantic generator drops patterns declared on types; put on the attribute,
    they survive as field validators.
    """
    types = view.all_types()
    for cls in view.schema.classes.values():
        for attr in cls.attributes.values():
            if attr.pattern or attr.range not in types:
                continue
            name = attr.range
            while name in types and not types[name].pattern:
                name = types[name].typeof
            if name in types:
                attr.pattern = types[name].pattern
    return view
