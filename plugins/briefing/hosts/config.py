"""The plugin's options in mkdocs.yml (``plugins: - briefing: ...``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from mkdocs.config import config_options as c
from mkdocs.config.base import BaseConfigOption, Config, ValidationError

from ..core.diagnostics import Position
from ..core.model import ANNOTATION_KINDS
from ..core.rules import LEVELS, EditorialRules
from ..core.yamlsrc import Limits
from ..site.build import BuildError, BuildOptions
from ..site.csp import check_sources
from ..site.pages import NAV_ARTICLES, NAV_ENTITIES


class _IsoDate(c.OptionallyRequired[str]):
    """A date written YYYY-MM-DD (YAML may already have made it a date)."""

    def run_validation(self, value: object) -> str:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationError(f"expected a date written YYYY-MM-DD, not {value!r}") from None
        return text


class _Rule(BaseConfigOption[dict[str, Any]]):
    """An editorial rule: its level alone (``info``) or with its thresholds
    (``{level: info, min_articles: 5}``)."""

    def __init__(self, level: str, **thresholds: Any) -> None:
        super().__init__()
        self.default = {"level": level, **thresholds}

    def run_validation(self, value: object) -> dict[str, Any]:
        if isinstance(value, (str, bool)):
            value = {"level": value}
        if not isinstance(value, dict):
            raise ValidationError(
                f"expected a level ({', '.join(LEVELS)}) or a mapping with 'level' and the "
                f"rule's thresholds, not {value!r}"
            )
        out = dict(self.default)
        for key, item in value.items():
            if key == "level":
                item = "off" if item is False else item  # YAML 1.1 reads a bare off as false
                if item not in LEVELS:
                    raise ValidationError(f"level must be one of {', '.join(LEVELS)}, not {item!r}")
            elif key not in self.default:
                known = ", ".join(k for k in self.default if k != "level") or "none"
                raise ValidationError(f"unknown key {key!r} (this rule's thresholds: {known})")
            elif isinstance(self.default[key], int):
                if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                    raise ValidationError(f"{key} must be a whole number from 1, not {item!r}")
            elif not isinstance(item, (list, tuple)) or any(
                k not in ANNOTATION_KINDS for k in item
            ):
                raise ValidationError(
                    f"{key} must be a list of annotation kinds ({', '.join(ANNOTATION_KINDS)}), "
                    f"not {item!r}"
                )
            out[key] = tuple(item) if isinstance(item, (list, tuple)) else item
        return out


_DEFAULTS = EditorialRules()


class EditorialConfig(Config):
    """The editorial rules (``plugins: - briefing: editorial: ...``): each one's level,
    ``error``, ``warning`` (fails the strict build and ``briefing check``), ``info``
    (a suggestion: logged, printed by check as a note, fails nothing) or ``off``, alone
    or with its thresholds."""

    source_date = _Rule(_DEFAULTS.source_date)
    """An article dated before the source it rests on was published."""
    source_url = _Rule(_DEFAULTS.source_url, kinds=_DEFAULTS.source_url_kinds)
    """A note of one of ``kinds`` that cites no source with a URL."""
    unnamed_entity = _Rule(_DEFAULTS.unnamed_entity, min_articles=_DEFAULTS.min_articles)
    """A name used in ``min_articles`` or more articles that no entity claims."""
    review_due = _Rule(_DEFAULTS.review_due)
    """An entity or note not reviewed within ``review_period`` days before current_as_of
    (only with a ``review_period``)."""
    current_as_of = _Rule(_DEFAULTS.current_as_of)
    """``current_as_of`` later than the newest review the briefing records."""


class _Days(c.OptionallyRequired[int]):
    def run_validation(self, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(f"expected a number of days from 1, not {value!r}")
        return value


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
    in its metadata. Default: the date of the newest article. A date later than the
    newest review in the briefing is a warning (rule ``current_as_of``)."""
    review_period = c.Optional(_Days())
    """Days: an entity or note not reviewed (``reviewed: YYYY-MM-DD``; a note without it
    counts from its ``date``) within this many days before current_as_of is due for
    review: a warning at its place (rule ``review_due``), listed on the ``review/`` page.
    Not set: no review period, no page."""
    editorial = c.SubConfig(EditorialConfig)
    """The editorial rules' levels and thresholds (see EditorialConfig)."""
    nav_articles = c.Type(int, default=NAV_ARTICLES)
    """Up to this many articles, the navigation lists them all, newest first; beyond,
    the Articles page alone (which lists them all): every page carries the navigation,
    so a long one costs time on every page."""
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
    nav_entities = c.Type(int, default=NAV_ENTITIES)
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
    analytics. Each one loosens the policy for every page. What mkdocs.yml itself has
    pages load from elsewhere (Material's web fonts, repository facts, Google Analytics,
    Mermaid; extra_css and extra_javascript by URL) is added without it
    (hosts/themesources.py)."""
    cjk_search = c.Type(bool, default=True)
    """When the briefing has Chinese (CJK) names or aliases, set Material's search so that
    they are found: those names go into jieba's user dictionary (``jieba_dict_user``)
    and the zero-width space jieba puts between words into the ``separator``, each only
    when the site's own search settings leave it unset. A briefing without such names
    changes nothing; false leaves the search settings to the site."""


def build_options(options: BriefingConfig, config_file: str | None) -> BuildOptions:
    """The options as the build session takes them; a :class:`BuildError` saying what
    is wrong with ``csp_sources`` or ``limits``."""
    source_problems = check_sources(options.csp_sources)
    if source_problems:
        raise BuildError("briefing: " + "; ".join(source_problems))
    try:
        limits = Limits(**options.limits)
    except TypeError as exc:
        raise BuildError(f"briefing: limits: {exc}") from exc
    return BuildOptions(
        src=options.src,
        link_mode=options.link_mode,
        pdf=options.pdf,
        repo_url=options.repo_url,
        branch=options.branch,
        paper=options.paper,
        pdf_name=options.pdf_name,
        current_as_of=options.current_as_of,
        nav_articles=options.nav_articles,
        nav_entities=options.nav_entities,
        static_types=tuple(options.static_types),
        limits=limits,
        feed=options.feed,
        trusted_docs=options.trusted_docs,
        csp=options.csp,
        csp_sources=dict(options.csp_sources),
        cjk_search=options.cjk_search,
        rules=editorial_rules(options, config_file),
    )


def editorial_rules(options: BriefingConfig, config_file: str | None) -> EditorialRules:
    """The editorial rules as the plugin's options set them; ``config_file``: mkdocs.yml,
    where a finding about ``current_as_of`` is reported."""
    rules = options.editorial
    as_of_position = None
    if options.current_as_of and config_file:
        as_of_position = option_position(Path(config_file), "current_as_of")
    return EditorialRules(
        source_date=rules.source_date["level"],
        source_url=rules.source_url["level"],
        source_url_kinds=rules.source_url["kinds"],
        unnamed_entity=rules.unnamed_entity["level"],
        min_articles=rules.unnamed_entity["min_articles"],
        review_due=rules.review_due["level"],
        review_period=options.review_period,
        current_as_of=rules.current_as_of["level"],
        as_of=dt.date.fromisoformat(options.current_as_of) if options.current_as_of else None,
        as_of_position=as_of_position,
    )


def option_position(config_file: Path, name: str) -> Position:
    """Where the briefing plugin's option ``name`` is written in ``config_file`` (its
    key's line and column; the file's start when it cannot be found)."""
    path = config_file.resolve()
    where = Position(path.name)
    try:
        root = yaml.compose(path.read_text("utf-8-sig"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return where
    plugins = _value(root, "plugins")
    for plugin in plugins.value if isinstance(plugins, yaml.SequenceNode) else ():
        key = _key(_value(plugin, "briefing"), name)
        if key is not None:
            return Position(path.name, key.start_mark.line + 1, key.start_mark.column + 1)
    return where


def _entry(node: yaml.Node | None, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == name:
                return key, value
    return None


def _key(node: yaml.Node | None, name: str) -> yaml.Node | None:
    found = _entry(node, name)
    return found[0] if found else None


def _value(node: yaml.Node | None, name: str) -> yaml.Node | None:
    found = _entry(node, name)
    return found[1] if found else None
