"""Editorial rules: things a newsroom editor would query, not things that break a build.

* ``source_date``: an article dated before the source it rests on was published;
* ``source_url``: a fact-check, a correction or an update with no source that has a URL
  (a reader cannot check it);
* ``unnamed_entity``: a name that three or more articles use but that has no entity in
  the glossary (a suggestion);
* ``review_due`` and ``current_as_of``: freshness, in :mod:`.review`.

Each has a level (error, warning, info, off) and its thresholds in the plugin's options
(:class:`.rules.EditorialRules`). :func:`load_briefing` adds the findings after loading,
so the build and the check see the same ones through one code path.

Names are found without a language model: runs of capitalised words, acronyms and
product codes (``High-Flyer``, ``Open Source Initiative``, ``NTIA``, ``H20``) in each
article's body, after every known entity mention has been blanked out. A word that
also occurs in lower case somewhere in the briefing (``The``, ``Open``) is not a name
when it starts a sentence, and a short list of generic capitalised words (months,
nationalities, ``AI``, ``CEO``) never counts. :func:`suggest_entities` ranks what
is left by the number of articles, for ``briefing suggest-entities``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, Position, line_col
from .mentions import Matcher, build_matcher
from .model import Article, Briefing
from .review import review_findings
from .rules import EditorialRules

MIN_ARTICLES = EditorialRules.min_articles
"""By default, a name used in this many articles without an entity is reported."""

# Capitalised words that are not names of anything the glossary should hold.
GENERIC_WORDS = frozenset(
    """
    AI A.I. CEO CEOs GPU GPUs CPU API APIs PDF URL LLM LLMs US U.S. UK EU UN
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    Chinese American Americans European Europeans Western Eastern Asian British Japanese
    Taiwanese Korean Indian French German Russian English Mandarin
    """.split()
)

_WORD = r"[A-Z0-9][A-Za-z0-9]*(?:[-.’'][A-Za-z0-9]+)*"
_CONNECTOR = r"(?:of|for|on|de)"
# A run of name words joined by single spaces, with lower-case connectors inside.
_RUN = re.compile(rf"(?<![\w.-]){_WORD}(?:[ ](?:{_CONNECTOR}[ ])*{_WORD})*")
_BLANKS = re.compile(r"[^\n]")
_CONNECTORS = frozenset({"of", "for", "on", "de"})
_LOWER_WORDS = re.compile(r"(?<![\w-])[a-z][a-z]*(?![\w-])")
# Markup whose text is not prose: fenced code, inline code, link targets, HTML tags,
# explicit [[id]] links (already entities), bare URLs. Linear time: no body may run over
# the character its pattern starts with (`<[^>\n]*>` read a line of 400 KB of `<` in
# quadratic time, 1 MB in half an hour), so each try stops where the next one starts.
_NOT_PROSE = re.compile(
    r"```.*?```|~~~.*?~~~|`[^`\n]*`|\]\([^)\]\n]*\)|<[^<>\n]*>|\[\[[^\[\]\n]*\]\]|https?://\S+",
    re.S,
)
_SENTENCE_END = ".!?:;"
_LEAD = ' \t*_#>-+|"“‘('


@dataclass
class NameUse:
    """A capitalised name that no entity claims, and where the articles use it."""

    name: str
    articles: list[str] = field(default_factory=list)
    first: Position | None = None
    count: int = 0
    mid_sentence: bool = False
    """Used at least once where a capital letter means a name, not a sentence start."""

    @property
    def suggested_id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "entity"


class ProseCache:
    """Each article's prose (mentions blanked out) by its text and the names the
    matcher knows: under ``mkdocs serve`` (and for ``briefing check``, which runs the
    build in the same process) a rebuild scans only the articles that changed, and
    builds no matcher when none did. Entries the last load did not use are dropped."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], Prose] = {}
        self.scanned = 0
        """How many articles the last load scanned (the rest came from the cache)."""

    def prose(self, briefing: Briefing, articles: list[Article]) -> dict[str, Prose]:
        names = hash(tuple((e.id, e.names, e.model.match_case) for e in briefing.entities.values()))
        found: dict[str, Prose] = {}
        entries: dict[tuple[int, str], Prose] = {}
        matcher: Matcher | None = None
        self.scanned = 0
        for article in articles:
            key = (names, article.body)
            prose = self._entries.get(key)
            if prose is None:
                matcher = matcher or build_matcher(briefing)
                text = _prose(article.body, matcher)
                prose = Prose(text, frozenset(_LOWER_WORDS.findall(text)), tuple(_runs(text)))
                self.scanned += 1
            found[article.slug] = entries[key] = prose
        self._entries = entries
        return found


@dataclass(frozen=True)
class Prose:
    """An article's prose, the lower-case words in it and its runs of capitalised words
    (offset, words, whether it opens a sentence), which become names (``_names``)."""

    text: str
    lower: frozenset[str]
    runs: tuple[tuple[int, tuple[str, ...], bool], ...]


def editorial_warnings(
    briefing: Briefing, cache: ProseCache | None = None, rules: EditorialRules | None = None
) -> list[Diagnostic]:
    """Every finding of the editorial rules for a loaded briefing, each at its rule's
    level, in source order (``cache``: the prose of articles scanned by an earlier
    load). A rule that is off does not run."""
    rules = rules or EditorialRules()
    found: list[Diagnostic | None] = []
    root = Path(briefing.root)
    for article in sorted(briefing.articles, key=lambda a: a.path):
        if rules.source_date != "off":
            found.extend(_date_warnings(root, article, rules))
        if rules.source_url != "off":
            found.extend(_source_warnings(article, rules))
    if rules.unnamed_entity != "off":
        for use in unnamed_entities(briefing, rules.min_articles, cache=cache):
            assert use.first is not None
            found.append(
                rules.finding(
                    "unnamed_entity",
                    use.first,
                    f"'{use.name}' is named in {len(use.articles)} articles but has no entity "
                    f"(add one, or an alias; `briefing suggest-entities` lists them all)",
                )
            )
    found.extend(review_findings(briefing, rules))
    return [d for d in found if d is not None]


def _date_warnings(
    root: Path, article: Article, rules: EditorialRules
) -> Iterator[Diagnostic | None]:
    source = article.model.source
    if source is None or source.published is None:
        return
    published = source.published
    earliest = dt.date.fromisoformat(published if len(published) == 10 else published + "-01")
    if article.date >= earliest:
        return
    yield rules.finding(
        "source_date",
        _front_matter_position(root, article, "date"),
        f"the article is dated {article.date.isoformat()}, before its source was published "
        f"({published}): date it on or after the source, or cite the source it rests on",
    )


def _source_warnings(article: Article, rules: EditorialRules) -> Iterator[Diagnostic | None]:
    for annotation in article.annotations:
        model = annotation.model
        if model.kind not in rules.source_url_kinds:
            continue
        if any(source.url for source in model.sources):
            continue
        article_word = "an" if model.kind[0] in "aeiou" else "a"
        yield rules.finding(
            "source_url",
            annotation.position,
            f"{article_word} {model.kind} needs a source with a URL that readers can check "
            f"(the official text, the original report)",
        )


def _front_matter_position(root: Path, article: Article, key: str) -> Position:
    """Where ``key:`` is written in the article's front matter (read again only here,
    when there is something to report)."""
    try:
        lines = (root / article.path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return Position(article.path)
    for number, line in enumerate(lines[1 : article.body_line], start=2):
        if line.startswith(f"{key}:"):
            return Position(article.path, number, 1)
    return Position(article.path)


# --------------------------------------------------------------------------- names


def unnamed_entities(
    briefing: Briefing, min_articles: int = MIN_ARTICLES, cache: ProseCache | None = None
) -> list[NameUse]:
    """Names used in at least ``min_articles`` articles that no entity claims, most
    widely used first."""
    articles = sorted(briefing.articles, key=lambda a: a.path)
    prose = (cache or ProseCache()).prose(briefing, articles)
    lower: set[str] = set().union(*(p.lower for p in prose.values()))
    uses: dict[str, NameUse] = {}
    for article in articles:
        text = prose[article.slug].text
        for start, name, initial in _names(prose[article.slug].runs, lower):
            use = uses.setdefault(name, NameUse(name))
            use.count += 1
            use.mid_sentence = use.mid_sentence or not initial
            if article.slug not in use.articles:
                use.articles.append(article.slug)
            if use.first is None:
                use.first = _position(article, text, start)
    found = [u for u in uses.values() if len(u.articles) >= min_articles and u.mid_sentence]
    found.sort(key=lambda u: (-len(u.articles), -u.count, u.name.casefold()))
    return found


def _prose(body: str, matcher: Matcher) -> str:
    """The body with markup that is not prose, and every entity mention, blanked out
    (same length, so offsets still point into the source)."""
    text = _NOT_PROSE.sub(_blank, body)
    pieces = []
    position = 0
    for mention in matcher.find(text):
        pieces.append(text[position : mention.start])
        pieces.append(_BLANKS.sub("\x00", text[mention.start : mention.end]))
        position = mention.end
    pieces.append(text[position:])
    return "".join(pieces)


def _blank(match: re.Match[str]) -> str:
    return _BLANKS.sub("\x00", match.group())


def _runs(text: str) -> Iterator[tuple[int, tuple[str, ...], bool]]:
    """(offset, words, whether it opens a sentence) for each run of capitalised words
    in ``text``, cut at numbers (``4 July``), generic words (``Chinese``), compounds
    that end in lower case (``AI-generated``) and after a possessive (``China's AI``).
    (A run never holds a line break: its words are joined by spaces.)"""
    for match in _RUN.finditer(text):
        for start, words in _segments(match.start(), match.group().split(" ")):
            yield start, tuple(words), _starts_sentence(text, start)


def _names(
    runs: Iterable[tuple[int, tuple[str, ...], bool]], lower: set[str]
) -> Iterator[tuple[int, str, bool]]:
    """(offset, name, whether it is one word opening a sentence) for each run: a word
    opening a sentence that the text also writes in lower case is no name, and
    connectors at either end are dropped."""
    for start, run, initial in runs:
        words = list(run)
        if initial and words[0].lower() in lower:
            start += len(words[0]) + 1
            words = words[1:]
            initial = False
        while words and words[-1] in _CONNECTORS:
            words.pop()
        while words and words[0] in _CONNECTORS:
            start += len(words[0]) + 1
            words = words[1:]
        if words and len(" ".join(words)) > 1:
            yield start, " ".join(words), initial and len(words) == 1


def _segments(start: int, words: list[str]) -> Iterator[tuple[int, list[str]]]:
    current: list[str] = []
    current_start = start
    for word in words:
        bare = word[:-2] if word.endswith(("'s", "’s")) else word
        breaks = (
            (bare.lower() == bare and bare not in _CONNECTORS)  # no capital letter
            or bare in GENERIC_WORDS
            or ("-" in bare and bare.rsplit("-", 1)[1].islower())  # "AI-generated"
        )
        if breaks:
            if current:
                yield current_start, current
            current = []
            current_start = start + len(word) + 1
        else:
            if not current:
                current_start = start
            current.append(bare)
            if bare != word:  # "China's": the name ends here
                yield current_start, current
                current = []
                current_start = start + len(word) + 1
        start += len(word) + 1
    if current:
        yield current_start, current


def _starts_sentence(text: str, start: int) -> bool:
    """Does the word at ``start`` open a sentence: only leading marks (``_LEAD``)
    between it and the line's start, a sentence's end, or a list's number?"""
    i = start - 1
    while i >= 0 and text[i] in _LEAD:
        i -= 1
    if i >= 0 and text[i] == "." and i > 0 and text[i - 1].isdigit():  # "1. " list marker
        j = i - 1
        while j >= 0 and text[j].isdigit():
            j -= 1
        if j < 0 or text[j] in " \t\n":
            return True
    return i < 0 or text[i] == "\n" or text[i] in _SENTENCE_END


def _position(article: Article, text: str, offset: int) -> Position:
    line, col = line_col(text, offset)
    return Position(article.path, article.body_line + line - 1, col)


def suggestions(briefing: Briefing, min_articles: int = MIN_ARTICLES) -> list[str]:
    """``briefing suggest-entities``: one comment and one ``briefing new entity`` command
    per name, most widely used first. TYPE is left for the editor to choose."""
    out: list[str] = []
    taken = set(briefing.entities)
    for use in unnamed_entities(briefing, min_articles):
        entity_id = use.suggested_id
        while entity_id in taken:
            entity_id += "-2"
        taken.add(entity_id)
        out.append(
            f"# {use.name}: {len(use.articles)} articles, {use.count} uses "
            f"({', '.join(use.articles)}); first at {use.first}"
        )
        out.append(f"briefing new entity {entity_id} --name {_shell(use.name)} --type TYPE")
    return out


def _shell(text: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9._-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"
