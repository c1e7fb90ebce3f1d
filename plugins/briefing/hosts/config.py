"""The plugin's options in mkdocs.yml (``plugins: - briefing: ...``)."""

from __future__ import annotations

import datetime as dt

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class _IsoDate(c.OptionallyRequired[str]):
    """A date written YYYY-MM-DD (YAML may already have made it a date)."""

    def run_validation(self, value: object) -> str:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise c.ValidationError(f"expected a date written YYYY-MM-DD, not {value!r}") from None
        return text


class BriefingConfig(Config):
    src = c.Type(str, default="briefing_src")
    """Folder of the briefing's sources, relative to mkdocs.yml."""
    link_mode = c.Choice(("first", "all"), default="first")
    """Link the first mention of each entity on a page, or every mention."""
    pdf = c.Type(bool, default=True)
    """Write the PDF book. BRIEFING_PDF=0 turns it off; `mkdocs serve` skips it unless
    BRIEFING_PDF=1."""
    repo_url = c.Optional(c.Type(str))
    """Repository for "edit this page" links, e.g. https://github.com/owner/briefing.
    Defaults to the GitHub repository of a GitHub Actions run (GITHUB_REPOSITORY)."""
    branch = c.Optional(c.Type(str))
    """Branch that edit links of Briefing's pages open. Defaults to the branch of the
    site's edit_uri (edit/<branch>/...), else main. A site with its own repo_url keeps
    MkDocs' edit links (repo_url + edit_uri) on its hand-written pages."""
    paper = c.Choice(("a4", "letter"), default="a4")
    """Paper size of the PDF book."""
    pdf_name = c.Type(str, default="briefing.pdf")
    """File name of the PDF book in the site."""
    current_as_of = c.Optional(_IsoDate())
    """ISO date (YYYY-MM-DD) the briefing is current as of, printed on the book's cover and
    in its metadata. Default: the date of the newest article."""
    nav_articles = c.Type(int, default=30)
    """How many of the newest articles the navigation lists (all are on the Articles
    page): every page carries the navigation, so a long one costs time on every page."""
    static_types = c.ListOfItems(c.Type(str), default=[])
    """Extra file types that docs/ may publish as they are, e.g. [".svg"]. Without it,
    docs/ publishes Markdown pages and passive files only (images but SVG, fonts, CSS,
    PDF, text, data, audio, video): an active type (.html, .svg, .js, .xml, ...) runs
    script on the site's origin, outside the sanitiser and the Content-Security-Policy.
    Opt in only when every change to docs/ is reviewed as code (SECURITY.md)."""
    limits = c.Type(dict, default={})
    """Bounds on untrusted sources, each reported as an error when exceeded:
    max_bytes (1000000), max_nodes (50000 YAML values after alias expansion),
    max_depth (30), max_annotations (500 per article), max_quote_length (1000)."""
    nav_entities = c.Type(int, default=150)
    """Up to this many entities, the navigation lists them by type; beyond, the
    Glossary page alone (which lists them all)."""
    feed = c.Optional(c.Type(bool))
    """Publish the Atom feed (feed.xml). It needs `site_url` (a feed's links are read
    outside the site): by default it is written when `site_url` is set; `true` warns
    when it cannot be, `false` never writes it."""
    trusted_docs = c.Type(bool, default=False)
    """Trust the hand-written pages under docs/: their HTML passes as written (scripts,
    styles, any URL), and the policy allows their inline scripts and handlers by hash,
    as it does the theme's. Leave it off when pull requests can change docs/;
    briefing_src/ is never trusted."""
    csp = c.Type(bool, default=True)
    """Give every page a Content-Security-Policy (the strict one: scripts, styles,
    images, fonts and connections from the site itself, and the inline code of the
    site's own templates and trusted pages by hash). False leaves it to the site."""
    csp_sources = c.Type(dict, default={})
    """Sources to add to the policy's directives, e.g. {img-src: "https:",
    connect-src: "https://analytics.example.org"} for a site's own external images or
    analytics. Each one loosens the policy for every page."""
    cjk_search = c.Type(bool, default=True)
    """When the briefing has Chinese (CJK) names or aliases, set Material's search so that
    they are found: those names go into jieba's user dictionary (``jieba_dict_user``)
    and the zero-width space jieba puts between words into the ``separator``, each only
    when the site's own search settings leave it unset. A briefing without such names
    changes nothing; false leaves the search settings to the site."""
