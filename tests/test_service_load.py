"""A small run of the service's load test (benchmarks/service_load.py): every answer right, no 5xx."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_module():
    name = "kad_service_load"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "service_load.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_forty_mixed_requests_eight_at_a_time_are_all_answered_right(service):
    load = load_module()
    figures = load.run(service.url, requests=40, concurrency=8)
    assert not figures.wrong and figures.statuses == {200: 40}
    assert len(figures.latencies) == 40 and figures.percentile(0.95) >= figures.percentile(0.5) > 0
    print("\n".join(figures.lines()))
