"""The documentation site (`kad-spec docs`): static, self-contained HTML in bokmål.

    from kad_spec.site import build_site
    result = build_site(Path("build/site"))   # SiteResult(out, pages, files, seconds)

Built only from model/ (with the rule catalogue, om.yaml and endringslogg.yaml), codelists/,
examples/ and the generated artefacts offered for download. No network, no external fonts
or scripts; every link is relative, so the site works from disk and from any static host.
"""

__all__ = ["SiteBuildError", "SiteResult", "SiteSourceError", "Sources", "build_site"]

_HOMES = {"SiteBuildError": "builder", "SiteResult": "builder", "build_site": "builder",
          "SiteSourceError": "context", "Sources": "context"}


def __getattr__(name: str):
    # Loaded on first use: the CLI mounts `docs` on every start and must stay quick.
    if name in _HOMES:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(name)
