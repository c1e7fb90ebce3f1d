"""The floods of a hostile pull request, each through ``briefing check`` and a real
build, against a time budget.

    .venv/bin/python benchmarks/floods.py [--budget 30] [--only NAME]

Each flood is a copy of the ``basic`` test fixture with one hostile file added. The
baseline is the same fixture without it, timed in the same run; every flood prints
its seconds, its ratio to the baseline and the size of check's output. Exit status 1
when a flood takes longer than --budget seconds (or prints more than 1 MB).

The build is without the PDF book (BRIEFING_PDF=0), except for the floods aimed at
the book (marked "PDF"): those build with it, and their ratio is to a baseline built
with it too (``briefing check`` never lays the book out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "basic"
ARTICLE = "---\ntitle: {title}\ndate: 2024-01-01\n{front}---\n{body}\n"


def article(root: Path, slug: str, body: str, front: str = "") -> None:
    text = ARTICLE.format(title=slug, front=front, body=body)
    (root / f"briefing_src/articles/{slug}.md").write_text(text, encoding="utf-8")


def unknown_links(root: Path) -> None:
    article(root, "flood", "\n\n".join(f"[[no-such-{i}]]" for i in range(20_000)))


def shared_alias(root: Path) -> None:
    for i in range(200):
        (root / f"briefing_src/entities/twin-{i}.yml").write_text(
            f"name: Twin {i}\ntype: concept\nsummary: A twin.\naliases: [Same]\n", "utf-8"
        )


def many_mentions(root: Path) -> None:
    article(root, "flood", "Kling " * 10_000)


def marked_paragraphs(root: Path) -> None:
    """Material's annotation markers, "(1)", in 30,000 paragraphs with the class
    ``annotate`` before one list of 2,000 items: for the rule that links the first
    mention a reader sees, each paragraph's list is looked for (and its items counted).
    (Not more items: Material's search reads a long list's items in quadratic time, on
    a site without Briefing too.)"""
    marked = "Kling (1)\n{ .annotate }\n\n" * 30_000
    article(root, "flood", marked + "1. item\n" * 2_000)


def short_quotes(root: Path) -> None:
    quotes = "".join(f"  - {{quote: 'ab', kind: context, note: n{i}}}\n" for i in range(50))
    article(root, "flood", "ab " * 100_000, "annotations:\n" + quotes)


def unfound_quotes(root: Path) -> None:
    body = " ".join(f"word{i}" for i in range(20_000))
    quotes = "".join(
        f"  - {{quote: '{'missing quote text ' * 10}{i}', kind: context, note: n}}\n"
        for i in range(250)
    )
    article(root, "flood", body, "annotations:\n" + quotes)


def brackets(root: Path) -> None:
    article(root, "flood", "[" * 12_000)


def nested_lists(root: Path) -> None:
    article(root, "flood", "\n".join("  " * i + "- x" for i in range(300)))


def nested_divs(root: Path) -> None:
    article(root, "flood", "<div>" * 250 + "x" + "</div>" * 250)


def spanning_cells(root: Path) -> None:
    # The issue: a table of such cells took the (WeasyPrint) PDF 71 s instead of 2.
    cell = "<td colspan=100000 rowspan=100000>x</td>"
    rows = "".join(f"<tr>{cell * 10}</tr>" for _ in range(5))
    article(root, "flood", f"A table.\n\n<table>{rows}</table>\n\nAfter it.")


def gif_bomb() -> bytes:
    """35 bytes of GIF declaring 65,535 x 65,535 pixels (Typst asked for 17 GB)."""
    screen = struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + frame + b";"


def png_bomb(side: int = 100_000) -> bytes:
    """A PNG of a few bytes declaring ``side`` x ``side`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def picture(root: Path, name: str, data: bytes) -> None:
    (root / "docs/img").mkdir(parents=True, exist_ok=True)
    (root / "docs/img" / name).write_bytes(data)
    article(root, "flood", f"A picture: ![A picture](../img/{name})\n\nAfter it.")


# Regexes over contributor text, each fed what made it quadratic (issue 22).
def angle_brackets(root: Path) -> None:
    # The editorial scan's <[^>\n]*>: 400 KB took check and build past any time limit.
    article(root, "flood", "<" * 400_000)


def link_targets(root: Path) -> None:
    article(root, "flood", "](" * 200_000)


def backticks(root: Path) -> None:
    # The sanitiser's code-span and fence patterns, over a description with a tag.
    (root / "briefing_src/entities/ticks.yml").write_text(
        "name: Ticks\ntype: concept\nsummary: Backticks.\n"
        f"description: '<b>x</b> {'`' * 300_000}'\n",
        "utf-8",
    )


def fences(root: Path) -> None:
    lines = "\n".join("`" * n for n in range(3, 700))  # no fence closes another
    article(root, "flood", f"<b>x</b>\n\n{lines}")


def svg_spaces(root: Path) -> None:
    # The sanitiser's <path ...\s*/>: a lazy body before \s* read spaces quadratically.
    article(root, "flood", f"<svg><path d='M0'{' ' * 300_000}/x></svg>")


def unfinished_tags(root: Path) -> None:
    # Not a regex: Python's HTMLParser, which Python-Markdown reads raw HTML with, read
    # on from each unfinished tag to the page's end (gh-135462): now an error past 1,000.
    article(root, "flood", "<path " * 50_000)


def handler_names(root: Path) -> None:
    # The CSP report's on[a-z]+\s*=, over every built page.
    article(root, "flood", "on" * 200_000)


def handler_names_backwards(root: Path) -> None:
    # The same pattern read backwards from each '=' (the page reversed): '=' runs.
    article(root, "flood", "= on" * 50_000 + " =" + "no" * 100_000)


def hostile_export(root: Path) -> list[str]:
    """18 MB of Web Annotations for ``briefing import-annotations``, whose quotes the
    text search could not find as written (JSON's \\/): the search was quadratic."""
    row = {
        "uri": "https://example.org/articles/kling-launch/",
        "text": "A note. " + "x" * 300,
        "tags": ["context"],
        "target": [
            {
                "source": "https://example.org/articles/kling-launch/",
                "selector": [{"type": "TextQuoteSelector", "exact": "months before OpenAI"}],
            }
        ],
    }
    rows = [{**row, "text": f"{row['text']} {i}"} for i in range(30_000)]
    export = root / "export.json"
    export.write_text(json.dumps({"rows": rows}).replace("/", "\\/"), "utf-8")
    return ["import-annotations", "--dry-run", str(export)]


def open_comment_site(root: Path) -> list[str]:
    """A site another host built, for ``briefing csp``: a page whose comment, left open
    before a handler, runs on past 500,000 ``>`` to the page's end. The policy pass
    parses as far as the last possible handler, fed on until the parser holds nothing:
    fed one tag at a time, the parser read the open comment again at each."""
    site = root / "foreign-site"
    site.mkdir()
    page = "<html><head></head><body><article><!-- <a onclick=x> " + "> " * 500_000
    (site / "index.html").write_text(page + "</article></body></html>", "utf-8")
    return ["csp", str(site)]


BASELINE = "baseline"
PDF = ", PDF"
"""The end of the name of a flood built with the PDF book (its baseline's too)."""
IMPORT = "import: "
CSP = "csp: "
"""The start of the name of a flood given to ``briefing import-annotations`` or to
``briefing csp`` (its command line is what the flood returns): timed in the check
column, no build."""

FLOODS: dict[str, Callable[[Path], Any]] = {
    BASELINE: lambda root: None,
    "20,000 unknown [[id]] links": unknown_links,
    "200 entities sharing one alias": shared_alias,
    "10,000 mentions in one paragraph": many_mentions,
    "30,000 marked paragraphs before a 2,000-item list": marked_paragraphs,
    "50 two-letter quotes in a long article": short_quotes,
    "250 unfound long quotes": unfound_quotes,
    "12,000 '['": brackets,
    "400,000 '[' on one line": lambda root: article(root, "flood", "[" * 400_000),
    "300 nested list levels": nested_lists,
    "250 nested <div>": nested_divs,
    "400,000 '<' on one line": angle_brackets,
    "200,000 '](' on one line": link_targets,
    "300,000 '`' in a description": backticks,
    "700 fence lines that close nothing": fences,
    "<path with 300,000 spaces": svg_spaces,
    "200,000 'on' in a row": handler_names,
    "50,000 '= on' and 100,000 'no'": handler_names_backwards,
    "50,000 unfinished '<path '": unfinished_tags,
    IMPORT + "30,000 annotations, 18 MB": hostile_export,
    CSP + "a comment open before 500,000 '>'": open_comment_site,
    BASELINE + PDF: lambda root: None,
    "50 <td colspan=rowspan=100000>" + PDF: spanning_cells,
    "a 35-byte GIF of 65,535 x 65,535 pixels" + PDF: lambda root: picture(
        root, "bomb.gif", gif_bomb()
    ),
    "a PNG of 100,000 x 100,000 pixels" + PDF: lambda root: picture(root, "bomb.png", png_bomb()),
}


def timed(args: list[str], cwd: Path, pdf: bool = False) -> tuple[float, int]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "1" if pdf else "0"}
    started = time.perf_counter()
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True)
    return time.perf_counter() - started, len(run.stdout) + len(run.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per flood")
    parser.add_argument(
        "--only", help="run only the floods whose name holds this (and their baseline)"
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    over = []
    base: dict[bool, tuple[float, float]] = {}
    chosen = [n for n in FLOODS if not args.only or args.only in n]
    # A baseline runs when a chosen flood is built as it is (with or without the book).
    wanted = {n.endswith(PDF) for n in chosen if not n.startswith(BASELINE)} or {False}
    print(f"{'flood':42} {'check s':>8} {'ratio':>6} {'build s':>8} {'ratio':>6} {'output':>9}")
    for name, make in FLOODS.items():
        pdf = name.endswith(PDF)
        if name.startswith(BASELINE):
            if pdf not in wanted:
                continue
        elif name not in chosen:
            continue
        with tempfile.TemporaryDirectory(prefix="briefing-flood-") as tmp:
            root = Path(tmp) / "p"
            shutil.copytree(FIXTURE, root)
            command = make(root) or ["check"]
            check_s, size = timed([str(bin_dir / "briefing"), *command], root)
            build_s, _ = (
                timed([sys.executable, "-m", "mkdocs", "build", "-q"], root, pdf)
                if not name.startswith((IMPORT, CSP))
                else (0.0, 0)
            )
            if pdf and not (root / "site/briefing.pdf").is_file():
                print(f"{name}: the build wrote no PDF book")
                over.append(name)
        if name.startswith(BASELINE):
            base[pdf] = (check_s, build_s)
        base_check, base_build = base[pdf]
        print(
            f"{name:42} {check_s:8.1f} {check_s / base_check:6.1f} "
            f"{build_s:8.1f} {build_s / base_build:6.1f} {size:9,}",
            flush=True,
        )
        if max(check_s, build_s) > args.budget or size > 1_000_000:
            over.append(name)
    if over:
        print(f"over the budget of {args.budget:g} s or 1 MB: {', '.join(over)}")
        return 1
    print(f"every flood within {args.budget:g} s and 1 MB of output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
