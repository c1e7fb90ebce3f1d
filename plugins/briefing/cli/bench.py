"""Performance of Briefing against plain MkDocs, in one run.

    python -m briefing.cli.bench --articles 1000 --entities 500 [--repeat 3] [--pdf 200]

Writes a deterministic synthetic briefing (articles of realistic length with
headings, lists and code; entities with two or more aliases, some multi-word,
some Chinese; mentions at about 2 % of words; several annotations per article),
then builds it with the plugin (PDF off) and the same pages as plain MkDocs +
Material (the generated glossary, entity and timeline pages written out as
ordinary Markdown, each article followed by its notes as a Markdown list, so that
both builds render the same text), alternating the two, and prints medians, the ratio, peak
memory of each build, the mention matcher's throughput and the anchoring time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

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
    # The same navigation as the plugin makes, so both builds render the same sidebar.
    nav = navigation(briefing, ["index.md"])
    (plain / "mkdocs.yml").write_text(
        MKDOCS.format(plugin="") + yaml.safe_dump({"nav": nav}, sort_keys=False)
    )
    for page in generate_pages(briefing):
        target = plain / "docs" / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        content = re.sub(r"^template: .*\n", "", page.content, count=1, flags=re.M)
        article = briefing.article(page.article) if page.article else None
        if article is not None:
            content += _notes_as_markdown(article, briefing)
        target.write_text(content, "utf-8")


def _notes_as_markdown(article: Article, briefing: Briefing) -> str:
    """The article's notes as plain Markdown, for the plain twin: a reader of either
    site gets the same text, so the plain build renders it too."""

    def link(m: re.Match[str]) -> str:  # an [[id]] or [[id|label]], as the extension reads it
        entity = m.group(1).strip()
        label = (m.group(2) or briefing.entities[entity].name).strip()
        return f"[{label}](../glossary/{entity}.md)"

    lines = ["", "## Annotations", ""]
    for annotation in article.annotations:
        model = annotation.model
        note = re.sub(WIKI_RE, link, model.note)
        lines.append(f"1. **{model.kind}** “{model.quote}”")
        lines.append("")
        lines.append(f"    {note}")
        lines.append("")
        sources = "; ".join(f"[{s.title}]({s.url})" for s in model.sources)
        lines.append(f"    Sources: {sources}")
        lines.append("")
    return "\n".join(lines)


def build(project: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``mkdocs build`` in a fresh process."""
    env = {**os.environ, "BRIEFING_PDF": "0", "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        assert process.stderr is not None
        raise SystemExit(f"build of {project} failed:\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def matching_throughput(project: Path) -> tuple[float, float]:
    """MB of text and MB/s of the mention matcher over every article's text."""
    from ..core.mentions import build_matcher
    from ..core.sources import load_briefing

    briefing, _ = load_briefing(project)
    matcher = build_matcher(briefing)
    chunks = [p for a in briefing.articles for p in a.body.split("\n\n")]
    size = sum(len(c.encode("utf-8")) for c in chunks) / 1e6
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for chunk in chunks:
            matcher.find(chunk)
        best = min(best, time.perf_counter() - started)
    return size, size / best


def anchoring_time(project: Path) -> tuple[int, float]:
    """Annotations anchored and seconds spent on them, on the rendered articles."""
    import markdown

    from ..core.anchoring import TextIndex, locate
    from ..core.sources import load_briefing

    briefing, _ = load_briefing(project)
    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", "md_in_html"])
    trees = []
    for article in briefing.articles:
        md.reset()
        html = md.convert(article.body)
        import xml.etree.ElementTree as etree

        trees.append((article, etree.fromstring(f"<div>{html}</div>")))
    count = 0
    started = time.perf_counter()
    for article, root in trees:
        index = TextIndex(root)
        for annotation in article.annotations:
            locate(index, annotation.model.quote, annotation.model.prefix, annotation.model.suffix)
            count += 1
    return count, time.perf_counter() - started


def report_builds(root: Path, repeat: int) -> None:
    plugin_runs, plain_runs = [], []
    for _ in range(repeat):  # alternate, so both see the same machine state
        plugin_runs.append(build(root / "briefing"))
        plain_runs.append(build(root / "plain"))
    plugin = statistics.median(t for t, _ in plugin_runs)
    plain = statistics.median(t for t, _ in plain_runs)
    print(
        f"build with the plugin:  median {plugin:.2f} s  (runs: "
        + ", ".join(f"{t:.2f}" for t, _ in plugin_runs)
        + ")"
    )
    print(
        f"plain MkDocs, same pages: median {plain:.2f} s  (runs: "
        + ", ".join(f"{t:.2f}" for t, _ in plain_runs)
        + ")"
    )
    print(f"ratio: {plugin / plain:.2f}x")
    print(
        f"peak RSS: plugin {max(r for _, r in plugin_runs):.0f} MB, "
        f"plain {max(r for _, r in plain_runs):.0f} MB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--entities", type=int, default=500)
    parser.add_argument(
        "--repeat", type=int, default=3, help="builds of each kind; 0: matching and anchoring only"
    )
    parser.add_argument("--keep", type=Path, help="write the projects here and keep them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        generate(root, args.articles, args.entities)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}"
        )
        print(
            f"synthetic briefing: {args.articles} articles, {args.entities} entities "
            f"(generated in {time.perf_counter() - started:.1f} s)"
        )
        if args.repeat > 0:
            report_builds(root, args.repeat)
        size, speed = matching_throughput(root / "briefing")
        print(f"mention matching: {size:.1f} MB of text at {speed:.1f} MB/s")
        count, seconds = anchoring_time(root / "briefing")
        print(
            f"anchoring: {count} annotations in {seconds:.2f} s "
            f"({seconds / max(count, 1) * 1000:.2f} ms each)"
        )


if __name__ == "__main__":
    main()
