"""The documentation site (`kad-spec docs`): static, self-contained HTML in bokmål.

    from kad_spec.site import build_site
    result = build_site(Path("build/site"))   # SiteResult(out, pages, files, seconds)

Built only from model/ (with the rule catalogue, om.yaml and endringslogg.yaml), codelists/,
examples/ and the generated artefacts offered for download. No network, no external fonts
or scripts; every link is relative, so the site works from disk and from any static host.
"""

from .builder import SiteBuildError, SiteResult, build_site
from .context import SiteSourceError, Sources

__all__ = ["SiteBuildError", "SiteResult", "SiteSourceError", "Sources", "build_site"]
