"""The synthetic briefing the benchmark builds, and its plain twin.

``generate`` writes a deterministic briefing of any size (articles of realistic length
with headings, lists and code; entities with two or more aliases, some multi-word, some
Chinese; mentions at about 2 % of words; several annotations per article) and the same
pages as a plain MkDocs + Material project: the generated glossary, entity and timeline
pages written out as ordinary Markdown (each entry's notes in full where the plugin grafts
them), each article followed by its notes as a Markdown list, so that both builds render
the same text. ``briefing.devtools.bench`` times them.
"""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import yaml

from ..core.contract import NOTE_SLOT, note_slot
from ..core.model import Article, Briefing
from ..markdown.extension import WIKI_RE

SYLLABLES = "ka li mo ren sha tu vi zen qa bo lu na pe ri so ta wu xi ya zo".split()
HAN = "海天智云星光华新科数联达信安明德通远宏盛泰和"
WORDS = (
    "the model data policy market chips export rules open source developers weights training "
    "compute cloud companies government report analysis users research investment growth "
    "platform service language video open regulation security agency industry strategy "
    "national capacity release public access licence debate budget partners forecast"
).split()


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def make_entities(rng: random.Random, count: int) -> list[dict[str, object]]:
    entities: list[dict[str, object]] = []
    used: set[str] = set()
    kinds = ["company", "product", "person", "organization", "policy", "concept", "place"]
    while len(entities) < count:
        base = _name(rng, 3)
        second = _name(rng, 2)
        chinese = "".join(rng.choice(HAN) for _ in range(3))
        names = [base, f"{base} {second}", chinese, f"{base}{len(entities)}"]
        if any(n.casefold() in used for n in names):
            continue
        used.update(n.casefold() for n in names)
        entities.append(
            {
                "id": f"e{len(entities):04d}-{base.lower()}",
                "name": base,
                "type": rng.choice(kinds),
                "summary": f"{base} is a synthetic entity number {len(entities)}.",
                "aliases": names[1:],
                "dates": [
                    {
                        "date": f"20{rng.randint(10, 25):02d}-{rng.randint(1, 12):02d}",
                        "event": f"{base} does something notable",
                    }
                ],
            }
        )
    return entities


def _sentence(rng: random.Random, terms: list[str], unique: str) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 22))]
    for i in range(len(words)):
        if rng.random() < 0.02:  # mentions at about 2 % of words
            words[i] = rng.choice(terms)
    words.insert(rng.randint(1, len(words) - 1), unique)
    return " ".join(words).capitalize() + "."


def make_article(rng: random.Random, index: int, entities: list[dict[str, object]]) -> str:
    terms = [str(n) for e in entities for n in [e["name"], *e["aliases"]]]  # type: ignore[misc]
    paragraphs: list[str] = []
    quotes: list[str] = []
    for section in range(4):
        paragraphs.append(f"## Section {section + 1}")
        for p in range(3):
            sentences = [
                _sentence(rng, terms, f"marker{index}x{section}x{p}x{s}") for s in range(4)
            ]
            paragraphs.append(" ".join(sentences))
            if p == 0:
                sentence = sentences[1]
                words = sentence.split()
                quotes.append(" ".join(words[1:9]))
        paragraphs.append("\n".join(f"- {rng.choice(WORDS)} item {k}" for k in range(4)))
        if section == 1:
            paragraphs.append("```python\nvalue = compute(model, data)  # no mentions here\n```")
    annotations = []
    for n, quote in enumerate(quotes):
        about = rng.choice(entities)
        annotations.append(
            {
                "quote": quote,
                "kind": rng.choice(["context", "fact-check", "definition", "analysis", "question"]),
                # A note of realistic length: two sentences, emphasis and an explicit link.
                "note": (
                    f"Passage {n} of this article, *read against* the record of "
                    f"[[{about['id']}]]. {_sentence(rng, terms, f'note{index}x{n}')}"
                ),
                "entities": [about["id"]],
                "sources": [{"title": f"Source {n}", "url": f"https://example.org/{index}/{n}"}],
            }
        )
    front = {
        "title": f"Synthetic article {index}",
        "date": f"2024-{index % 12 + 1:02d}-{index % 28 + 1:02d}",
        "summary": "A generated article for the benchmark.",
        "annotations": annotations,
    }
    return (
        "---\n"
        + yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
        + "---\n\n"
        + ("\n\n".join(paragraphs) + "\n")
    )


MKDOCS = """site_name: Benchmark briefing
theme:
  name: material
  font: false
plugins:
  - search
{plugin}markdown_extensions:
  - toc
  - tables
  - attr_list
  - md_in_html
"""


PLAIN = "mkdocs.yml"  # the plain twin with a one-entry nav, as issue 24 measured it
SAME_NAV = "same-nav.yml"  # the plain twin with the plugin's navigation


def generate(root: Path, articles: int, entities: int, seed: int = 1) -> None:
    """The synthetic briefing in ``root/briefing`` and the plain twin in ``root/plain``."""
    from ..core.sources import load_briefing
    from ..site.pages import generate_pages, navigation

    rng = random.Random(seed)
    cast = make_entities(rng, entities)
    project = root / "briefing"
    (project / "briefing_src" / "entities").mkdir(parents=True)
    (project / "briefing_src" / "articles").mkdir(parents=True)
    (project / "docs").mkdir()
    (project / "docs" / "index.md").write_text("# Benchmark\n\nA synthetic briefing.\n")
    (project / "mkdocs.yml").write_text(MKDOCS.format(plugin="  - briefing\n"))
    for entity in cast:
        data = {k: v for k, v in entity.items() if k != "id"}
        (project / "briefing_src" / "entities" / f"{entity['id']}.yml").write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8"
        )
    for i in range(articles):
        (project / "briefing_src" / "articles" / f"a{i:05d}.md").write_text(
            make_article(rng, i, cast), "utf-8"
        )
    plain = root / "plain"
    (plain / "docs").mkdir(parents=True)
    (plain / "docs" / "index.md").write_text("# Benchmark\n\nA synthetic briefing.\n")
    briefing, _ = load_briefing(project)
    # Two baselines: the (a one-entry nav), and the navigation the plugin makes
    # (the newest articles and, up to 150 entities, the glossary), which Material renders
    # on every page: that sidebar is cost the plugin adds to every page on purpose.
    for name, nav in [
        (PLAIN, [{"Home": "index.md"}]),
        (SAME_NAV, navigation(briefing, ["index.md"])),
    ]:
        (plain / name).write_text(
            MKDOCS.format(plugin="") + yaml.safe_dump({"nav": nav}, sort_keys=False)
        )
    for page in generate_pages(briefing):
        target = plain / "docs" / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        content = re.sub(r"^template: .*\n", "", page.content, count=1, flags=re.M)
        article = briefing.article(page.article) if page.article else None
        if article is not None:
            content += _notes_as_markdown(article, briefing)
        if page.entity is not None:
            content = _fill_note_slots(content, page.entity, briefing)
        target.write_text(content, "utf-8")


def _note_as_markdown(note: str, briefing: Briefing, glossary: str) -> str:
    """A note's Markdown with its ``[[id]]`` and ``[[id|label]]`` links (as the extension
    reads them) made Markdown links to the entries in the folder ``glossary``."""

    def link(m: re.Match[str]) -> str:
        entity = m.group(1).strip()
        label = (m.group(2) or briefing.entities[entity].name).strip()
        return f"[{label}]({glossary}{entity}.md)"

    return re.sub(WIKI_RE, link, note)


def _fill_note_slots(content: str, entity: str, briefing: Briefing) -> str:
    """A glossary entry's Markdown with each note's slot (where the plugin grafts the
    note its article's page rendered) holding the note's Markdown, indented as the
    slot is: the plain build renders the notes an entry shows, as the plugin's does."""
    notes = {
        note_slot(annotation.key): _note_as_markdown(annotation.model.note, briefing, "")
        for _, annotation in briefing.annotations_about(entity)
    }

    def fill(m: re.Match[str]) -> str:
        return textwrap.indent(notes[m.group(2)], m.group(1))

    return re.sub(rf"^( +)({NOTE_SLOT} \S+)$", fill, content, flags=re.M)


def _notes_as_markdown(article: Article, briefing: Briefing) -> str:
    """The article's notes as plain Markdown, for the plain twin: a reader of either
    site gets the same text, so the plain build renders it too."""
    lines = ["", "## Annotations", ""]
    for annotation in article.annotations:
        model = annotation.model
        note = _note_as_markdown(model.note, briefing, "../glossary/")
        lines.append(f"1. **{model.kind}** “{model.quote}”")
        lines.append("")
        lines.append(f"    {note}")
        lines.append("")
        sources = "; ".join(f"[{s.title}]({s.url})" for s in model.sources)
        lines.append(f"    Sources: {sources}")
        lines.append("")
    return "\n".join(lines)
