"""The other origins a site's own MkDocs configuration has its pages load, so that the
Content-Security-Policy keeps them working (SECURITY.md, "The site's own markup"):
Material's web fonts and repository facts, Google Analytics, Mermaid diagrams, and the
site's ``extra_css``, ``extra_javascript`` and polyfills given as URLs. They are the
site owner's choices, made in ``mkdocs.yml``; a contributor's file changes none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mkdocs.config.defaults import MkDocsConfig

from ..site.csp import is_source, merge_sources

GOOGLE_FONTS = {
    "style-src": "https://fonts.googleapis.com",
    "font-src": "https://fonts.gstatic.com",
}
"""Material's ``theme.font``: a stylesheet from Google Fonts, and the fonts it names."""
GOOGLE_ANALYTICS = {
    "script-src": "https://www.googletagmanager.com",
    "img-src": "https://*.google-analytics.com https://*.googletagmanager.com",
    "connect-src": (
        "https://*.google-analytics.com https://*.analytics.google.com "
        "https://*.googletagmanager.com"
    ),
}
"""Material's Google Analytics (``extra.analytics.provider: google``): the tag's script,
and where it sends its hits, as Google lists them for a policy with Google Analytics 4."""
MERMAID = "https://unpkg.com/mermaid@11/dist/mermaid.min.js"
"""The script Material loads for a ``mermaid`` fence (Material 9)."""
PRIVACY = frozenset({"privacy", "material/privacy"})
"""Material's privacy plugin keeps external assets, the web fonts among them, on the site."""


def theme_sources(config: MkDocsConfig) -> dict[str, str]:
    """Sources per directive, as ``csp_sources`` takes them, for what the site's own
    configuration loads from other origins."""
    found: list[dict[str, str]] = []
    extra: dict[str, Any] = dict(config.extra or {})
    if config.theme.name == "material":
        if config.theme.get("font", {}) is not False and not PRIVACY & set(config.plugins):
            found.append(GOOGLE_FONTS)
        host = urlsplit(config.repo_url or "").hostname or ""
        # Material's repository facts: GitHub's API, or a GitLab host's own.
        if host == "github.com":
            found.append({"connect-src": "https://api.github.com"})
        elif "gitlab" in host:
            found.append({"connect-src": f"https://{host}"})
        analytics = extra.get("analytics")
        if isinstance(analytics, dict) and analytics.get("provider") == "google":
            found.append(GOOGLE_ANALYTICS)
        superfences = config.mdx_configs.get("pymdownx.superfences") or {}
        fences = superfences.get("custom_fences") or []
        if any(isinstance(fence, dict) and fence.get("name") == "mermaid" for fence in fences):
            found.append({"script-src": MERMAID})
    polyfills = extra.get("polyfills") or []
    scripts = [*config.extra_javascript, *(polyfills if isinstance(polyfills, list) else [])]
    found.append({"script-src": " ".join(_urls(scripts))})
    found.append({"style-src": " ".join(_urls(config.extra_css))})
    return merge_sources(*found)


def _urls(entries: Iterable[object]) -> list[str]:
    """The absolute http(s) URLs among ``entries`` as sources: the URL itself (a policy
    matches a source with a path by its path, the query aside), or its origin where the
    URL holds what a source may not."""
    sources = []
    for entry in entries:
        parts = urlsplit(str(entry))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        exact = f"{parts.scheme}://{parts.netloc}{parts.path}"
        source = exact if is_source(exact) else f"{parts.scheme}://{parts.netloc}"
        if is_source(source) and source not in sources:
            sources.append(source)
    return sources
