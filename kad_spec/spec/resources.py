"""Where the model, code lists, generated artefacts and examples live.

In a source checkout they are the top-level folders beside the package; in an installed
wheel they travel inside the package as ``kad_spec/_data/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def data_root() -> Path:
    checkout = _PACKAGE.parent
    if (checkout / "model").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / "_data"


def model_dir() -> Path:
    return data_root() / "model"


def codelists_dir() -> Path:
    return data_root() / "codelists"


def generated_dir() -> Path:
    return data_root() / "generated"


def examples_dir() -> Path:
    return data_root() / "examples"
