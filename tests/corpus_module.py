"""The mutated-corpus generator (benchmarks/corpus.py), loaded as a module for the tests that use it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_corpus_module():
    spec = importlib.util.spec_from_file_location("kad_corpus", ROOT / "benchmarks" / "corpus.py")
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return module
