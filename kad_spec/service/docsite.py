"""The documentation site (``kad-spec docs``) served under ``/dokumentasjon/``, built into memory.

The site is built once, on the first request for it (about a second; a server that nobody asks
for documentation never builds it), into a temporary folder that is read into memory and
removed at once: nothing is left on disk, and every answer after that is a lookup. The site's
links are all relative, so it works below any path as it is.

The site's pages need a little more than the service's policy (kad_spec.service.headers.CSP):
their script files (the code list search), their empty ``data:`` icon, and the inline style of
the class diagram, allowed by its hash. Still no ``unsafe-inline``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import mimetypes
import tempfile
from pathlib import Path, PurePosixPath

import anyio.to_thread
from starlette.responses import RedirectResponse, Response

from kad_spec.service.headers import CSP

log = logging.getLogger("kad_spec.service")

PREFIX = "/dokumentasjon"
# The site is the same for as long as the server runs; the browser may keep it a while.
CACHE_CONTROL = "public, max-age=600"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".xsd": "application/xml",
    ".sch": "application/xml",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".yaml": "text/plain; charset=utf-8",
    ".yml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".sh": "text/plain; charset=utf-8",
}


def build_into_memory() -> dict[str, bytes]:
    """Every file of a fresh build of the site, by its path below the site's root (not the build's marker)."""
    from kad_spec.site import build_site

    with tempfile.TemporaryDirectory(prefix="kad-spec-dokumentasjon-") as folder:
        out = build_site(Path(folder) / "site").out
        return {path.relative_to(out).as_posix(): path.read_bytes()
                for path in sorted(out.rglob("*")) if path.is_file() and not path.name.startswith(".")}


INLINE_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def policy(files: dict[str, bytes]) -> str:
    """The service's CSP with the site's script files, its data: icon and its inline styles by hash."""
    styles = {match.group(1) for path, data in files.items() if path.endswith((".html", ".svg"))
              for match in INLINE_STYLE.finditer(data)}
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(style).digest()).decode()}'" for style in sorted(styles))
    return (CSP.replace("style-src 'self'", "style-src 'self'" + hashes)
            .replace("img-src 'self'", "img-src 'self' data:") + "; script-src 'self'")


def media_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


class Documentation:
    """The built site, made on first use; requests that come while it is built wait for the same build."""

    def __init__(self, build=build_into_memory):
        self.build = build
        self.files: dict[str, bytes] | None = None
        self.policy = CSP
        self.lock = asyncio.Lock()

    async def site(self) -> dict[str, bytes]:
        if self.files is None:
            async with self.lock:
                if self.files is None:
                    files = await anyio.to_thread.run_sync(self.build)
                    self.policy = policy(files)
                    self.files = files
                    log.info("dokumentasjonen er bygget: %d filer", len(self.files))
        return self.files

    async def answer(self, path: str) -> Response | None:
        """The file at ``path`` (below /dokumentasjon/), a redirect to a folder's own address, or None (not there)."""
        files = await self.site()
        wanted = path + "index.html" if path == "" or path.endswith("/") else path
        if wanted in files:
            return Response(files[wanted], media_type=media_type(wanted),
                            headers={"cache-control": CACHE_CONTROL, "content-security-policy": self.policy})
        if f"{path}/index.html" in files:  # a folder asked for without its slash: relative links need it
            return RedirectResponse(f"{PREFIX}/{path}/", status_code=308)
        return None
