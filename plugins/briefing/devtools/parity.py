"""Does Briefing only add links? A site built with and without it, compared page by page.

    python -m briefing.devtools.parity PROJECT GLOSSARY [--repeat 3] [--trusted-docs]

builds the MkDocs project ``PROJECT`` as it is and with Briefing added (its
``briefing_src`` is ``GLOSSARY``, a folder with ``entities/``), alternating the two
builds ``--repeat`` times, and prints the build times, their ratio, and every
difference between the two sites other than the added mention links: a page's
content (``div.md-content``) is compared as markup and text, with Briefing's mention
links and repeat marks undone. It also lists mention links that are broken or stand
in a control or a title. The fixture test (``tests/test_material.py``) runs the same
comparison on a small site that uses every extension Material documents.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml
from bs4 import BeautifulSoup, Comment, Tag
from bs4.element import NavigableString

from ..core import contract

MENTIONS = f"a.{contract.MENTION}, span.{contract.MENTION_REPEAT}"
BOOLEAN = frozenset(["checked", "disabled", "open", "hidden", "selected", "reversed"])
_SPACE = re.compile(r"\s+")


def undo_mentions(soup: BeautifulSoup | Tag) -> None:
    """Briefing's mention links and repeat marks, replaced by their words."""
    for el in soup.select(MENTIONS):
        if not el.has_attr("class") or contract.EXPLICIT not in el["class"]:
            el.unwrap()


def canonical(root: Tag) -> str:
    """Markup and text of ``root`` in one canonical string: attributes sorted, boolean
    attributes without value, ``style`` without spacing, text with whitespace folded,
    ``<tbody>`` implied (how the HTML is spelled does not count, what a browser builds
    from it does)."""
    return "".join(_tokens(root))


def _tokens(el: Tag) -> Iterator[str]:
    text: list[str] = []
    for child in el.children:
        if isinstance(child, Comment):
            yield from _flush(text)
            yield f"<!--{child.strip()}-->"
        elif isinstance(child, NavigableString):
            text.append(str(child))
        elif isinstance(child, Tag) and child.name == "tbody":
            yield from _flush(text)  # a browser adds the <tbody> a table's rows lack
            yield from _tokens(child)
        elif isinstance(child, Tag):
            yield from _flush(text)
            attrs = []
            for name, value in sorted(child.attrs.items()):
                if isinstance(value, list):
                    value = " ".join(value)
                if name in BOOLEAN:
                    value = ""
                elif name == "style":
                    value = value.replace(" ", "").rstrip(";")
                attrs.append(f' {name}="{value}"')
            yield f"<{child.name}{''.join(attrs)}>"
            yield from _tokens(child)
            yield f"</{child.name}>"
    yield from _flush(text)


def _flush(text: list[str]) -> Iterator[str]:
    if text:
        folded = _SPACE.sub(" ", "".join(text))
        text.clear()
        if folded.strip():
            yield folded


def content(html: str) -> BeautifulSoup | Tag:
    """The page's content area (Material's ``div.md-content``), else its ``<body>``
    (a redirect page), else the whole fragment (a page's rendered Markdown)."""
    soup = BeautifulSoup(html, "html.parser")
    return soup.select_one("div.md-content") or soup.body or soup


def differences(plain: str, briefed: str, cut: str = "") -> str | None:
    """How ``briefed`` differs from ``plain`` once its mention links are undone (None:
    only by them). ``cut`` selects elements Briefing adds by design (removed first)."""
    a, b = content(plain), content(briefed)
    if cut:
        for el in b.select(cut):
            el.decompose()
    undo_mentions(b)
    left, right = canonical(a), canonical(b)
    if left == right:
        return None
    start = next((i for i, (x, y) in enumerate(zip(left, right, strict=False)) if x != y), 0)
    start = min(start, len(left), len(right))
    before, after = max(0, start - 120), start + 160
    return f"…{left[before:after]}…\n  with Briefing:\n…{right[before:after]}…"


def mention_problems(site: Path) -> list[str]:
    """Mention links that lead nowhere, or stand inside a control, a title or a link."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        rel = page.relative_to(site).as_posix()
        for link in soup.select(f"a.{contract.MENTION}"):
            href = str(link.get("href", ""))
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or parts.path.endswith(".md"):
                problems.append(f"{rel}: mention link {href!r} is not a page of the site")
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel}: mention link {href!r} is broken")
            inside = link.find_parent(_blocked)
            if inside is not None:
                problems.append(f"{rel}: mention {link.get_text()!r} inside <{inside.name}>")
    return problems


def _blocked(tag: Tag) -> bool:
    """A control, a title, a link or code: where a mention link may never stand."""
    names = {"a", "button", "label", "summary", "select", "textarea", "abbr", "code", "pre"}
    names |= {"kbd", "h1", "h2", "h3", "h4", "h5", "h6"}
    classes = set(tag.get("class") or [])
    return tag.name in names or bool(classes & {"admonition-title", "tabbed-labels"})


def compare_sites(plain: Path, briefed: Path) -> dict[str, str]:
    """Page -> how it differs, for every page both sites have."""
    out = {}
    for page in sorted(plain.rglob("*.html")):
        rel = page.relative_to(plain).as_posix()
        other = briefed / rel
        if not other.is_file():
            out[rel] = "missing with Briefing"
            continue
        found = differences(page.read_text("utf-8"), other.read_text("utf-8"))
        if found:
            out[rel] = found
    return out


# --------------------------------------------------------------------------- a real site


def _with_briefing(project: Path, glossary: Path, options: str = "") -> Path:
    """A mkdocs.yml next to the project's own, with Briefing added (``options``: more
    lines of its config, e.g. ``"      trusted_docs: true\\n"``)."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    # Add the plugin without parsing the YAML (it may use !!python tags and !ENV).
    src = os.path.relpath(glossary, project)
    entry = f"  - briefing:\n      src: {src}\n      pdf: false\n{options}"
    match = re.search(r"^plugins:\s*\n", text, re.M)
    if match is None:
        text += f"\nplugins:\n  - search\n{entry}"
    else:
        text = text[: match.end()] + entry + text[match.end() :]
    out = project / "mkdocs.briefing.yml"
    out.write_text(text, "utf-8")
    return out


def _build(config: Path, site: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one build (CPU time hardly moves when other work
    shares the machine; wall-clock time does)."""
    started = time.perf_counter()
    used = _children_cpu()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)],
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "0"},
    )
    return time.perf_counter() - started, _children_cpu() - used


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("glossary", type=Path, help="a briefing_src folder (entities/)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--trusted-docs", action="store_true", help="the site's docs/ are trusted (no filter)"
    )
    args = parser.parse_args(argv)
    project, glossary = args.project.resolve(), args.glossary.resolve()
    options = "      trusted_docs: true\n" if args.trusted_docs else ""
    briefed_config = _with_briefing(project, glossary, options)
    out = Path(tempfile.mkdtemp(prefix="briefing-parity-"))
    times: dict[str, list[tuple[float, float]]] = {"plain": [], "briefing": []}
    for _ in range(args.repeat):  # alternating, so both see the same machine
        times["plain"].append(_build(project / "mkdocs.yml", out / "plain"))
        times["briefing"].append(_build(briefed_config, out / "briefing"))
    plain, briefed = (statistics.median(t for t, _ in times[k]) for k in ("plain", "briefing"))
    plain_cpu, briefed_cpu = (
        statistics.median(c for _, c in times[k]) for k in ("plain", "briefing")
    )
    pages = len(list((out / "plain").rglob("*.html")))
    found = compare_sites(out / "plain", out / "briefing")
    links = 0
    for page in (out / "plain").rglob("*.html"):
        twin = out / "briefing" / page.relative_to(out / "plain")
        if twin.is_file():
            links += len(content(twin.read_text("utf-8")).select(f"a.{contract.MENTION}"))
    problems = mention_problems(out / "briefing")
    entities = len(list((glossary / "entities").glob("*.yml")))
    print(
        yaml.safe_dump(
            {
                "pages compared": pages,
                "entities": entities,
                "mention links on those pages": links,
                "pages changed beyond links": len(found),
                "broken or misplaced mention links": len(problems),
                "build s (median, plain)": round(plain, 2),
                "build s (median, with Briefing)": round(briefed, 2),
                "ratio": round(briefed / plain, 2),
                "build CPU s (median, plain)": round(plain_cpu, 2),
                "build CPU s (median, with Briefing)": round(briefed_cpu, 2),
                "CPU ratio": round(briefed_cpu / plain_cpu, 2),
                "runs each": args.repeat,
            },
            sort_keys=False,
            allow_unicode=True,
        )
    )
    for rel, diff in found.items():
        print(f"--- {rel}\n{diff}\n")
    for problem in problems:
        print(problem)
    briefed_config.unlink()


if __name__ == "__main__":
    main()
