"""Activity and data-quality report for KAD/ØHD units: figures, HTML and JSON.

    from kad_spec.activity import build_report, render_html, render_json
    report = build_report([Path("meldinger/")], min_cell=5)
    Path("rapport.html").write_text(render_html(report), encoding="utf-8")

Every count is protected against small numbers before it is stored in the report; no
person id or stay id is ever kept. See docs/aktivitetsrapport.md for the definitions.
"""

from __future__ import annotations

from kad_spec.activity.build import build_report
from kad_spec.activity.figures import ActivityReport
from kad_spec.activity.html_report import render_html
from kad_spec.activity.json_report import render_json, report_dict

__all__ = ["ActivityReport", "build_report", "render_html", "render_json", "report_dict"]
