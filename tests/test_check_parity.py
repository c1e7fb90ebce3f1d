"""``briefing check`` and ``mkdocs build --strict`` fail on exactly the same inputs, with
the same messages: each bad input below goes through both (the build with its PDF
book), and the exit status and the set of messages must be equal. Briefing's problems
read the same in both; MkDocs' own warnings (a link to a missing page or anchor, a nav
entry that names no file) are MkDocs' words in both, check adding the place."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from conftest import ROOT, run_build

sys.path.insert(0, str(ROOT / "benchmarks"))
from floods import gif_bomb  # the flood's own picture

ARTICLE = "briefing_src/articles/kling-launch.md"


def _append(path: str, text: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        with (project / path).open("a", encoding="utf-8") as f:
            f.write(text)

    return change


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        file = project / path
        text = file.read_text("utf-8")
        assert old in text, (path, old)
        file.write_text(text.replace(old, new), "utf-8")

    return change


def _write(path: str, text: str) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(text, "utf-8")

    return change


def _write_bytes(path: str, data: bytes) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_bytes(data)

    return change


def _both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def change(project: Path) -> None:
        for one in changes:
            one(project)

    return change


CASES: dict[str, Callable[[Path], None]] = {
    "clean": lambda project: None,
    "docs link to a missing page": _append("docs/index.md", "\nSee [the plan](plan.md).\n"),
    "absolute link to a missing page": _append("docs/index.md", "\nSee [x](/nope/plan.md).\n"),
    "article link to a missing page": _append(ARTICLE, "\nSee [the plan](/plan.md).\n"),
    "missing anchor, anchors: warn": _both(
        _append("mkdocs.yml", "validation:\n  anchors: warn\n"),
        _append("docs/index.md", "\nSee [below](#nowhere).\n"),
    ),
    "missing anchor, default validation": _append("docs/index.md", "\nSee [x](#nowhere).\n"),
    "nav names a missing file": _append("mkdocs.yml", "nav:\n  - index.md\n  - gone.md\n"),
    "a character no book font has": _append(ARTICLE, "\nThe sign \U0001d11e ends it.\n"),
    "a picture the book cannot read": _both(
        _write_bytes("docs/img/broken.png", b"\x89PNG\r\n\x1a\n" + b"no picture" * 40),
        _append(ARTICLE, "\n![A broken chart](../img/broken.png)\n"),
    ),
    "an empty heading": _append(ARTICLE, "\n## <span></span>\n\nAfter it.\n"),
    "code points Typst cannot print": _append(
        ARTICLE, "\nPasted \u0092, \u009f, \ufdd0, \u0378, \uffff, \U0010ffff, \ufeff.\n"
    ),
    "a control character in an address the book prints": _append(
        ARTICLE, "\nSee [the filing](https://example.org/a\u0092b).\n"
    ),
    "a remote picture": _append(ARTICLE, "\n![A chart](https://example.org/chart.png)\n"),
    "an inline SVG Typst cannot read": _append(ARTICLE, '\nA mark <svg width="0"></svg>.\n'),
    "a picture bomb": _both(
        _write_bytes("docs/img/bomb.gif", gif_bomb()),
        _append(ARTICLE, "\n![A bomb](../img/bomb.gif)\n"),
    ),
    "an address too long to link": _append(ARTICLE, f"\n[x](https://e.org/{'a' * 8100})\n"),
    "emoji": _append(ARTICLE, "\nLaunch day \U0001f680, \U0001f1e8\U0001f1f3, \u2764\ufe0f.\n"),
    "unknown entity": _append("docs/index.md", "\nAnd [[nobody]].\n"),
    "javascript link": _append("docs/index.md", "\n[x](javascript:alert(1))\n"),
    "title with markup": _write("docs/about.md", "---\ntitle: A <b>bold</b> page\n---\n\nHi.\n"),
    "page in a dot folder": _write("docs/.drafts/x.md", "# Draft\n\n[y](missing.md)\n"),
    "page colliding with a generated one": _write("docs/glossary/kling/index.md", "# Mine\n"),
    "unclosed note HTML": _replace(ARTICLE, "The comparison with", "<div>The comparison with"),
    "feed asked for without site_url": _replace(
        "mkdocs.yml", "repo_url:", "feed: true\n      repo_url:"
    ),
}


BOOK = {
    "clean",
    "a character no book font has",
    "a picture the book cannot read",
    "an empty heading",
    "code points Typst cannot print",
    "a control character in an address the book prints",
    "a remote picture",
    "an inline SVG Typst cannot read",
    "a picture bomb",
    "an address too long to link",
    "emoji",
}
"""The cases built with the PDF book (it takes seconds; the others hold nothing the book
would refuse, so they are built without it)."""


def check(project: Path) -> tuple[int, set[str]]:
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, set(result.stdout.splitlines())


_POSITIONED = re.compile(r"^\S.*?:\d+:\d+: (error|warning): ")
_OUTCOME = re.compile(r"^briefing: \d+ problems? in strict mode|left as it was: the strict build")


def build_messages(messages: list[str]) -> set[str]:
    """The strict build's messages, Briefing's prefix taken off; the build's outcome
    (why it stopped, the site it kept) is no problem of the input."""
    out = set()
    for message in messages:
        if _OUTCOME.search(message):
            continue
        out.add(message.removeprefix("briefing: "))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_check_and_the_strict_build_agree(name: str, project: Path) -> None:
    CASES[name](project)
    code, lines = check(project)
    build = run_build(project, strict=True, pdf=name in BOOK)
    expected = build_messages(build.messages)
    assert (code == 0) == build.ok, (lines, build.messages)
    assert all(_POSITIONED.match(line) for line in lines), lines
    assert len(lines) == len(expected), (sorted(lines), sorted(expected))
    for message in expected:
        if _POSITIONED.match(message):
            assert message in lines, (message, sorted(lines))
        else:  # MkDocs' own words, check puts them at a place
            assert any(
                re.match(r"^\S.*?:\d+:\d+: \w+: " + re.escape(message) + "$", line)
                for line in lines
            ), (message, sorted(lines))
    if name in ("clean", "emoji"):
        assert build.ok and not lines
    elif name in BOOK:  # what the book refuses is reported where the contributor wrote it
        assert all(line.startswith((ARTICLE, "docs/img/bomb.gif:1:1:")) for line in lines), lines


def test_mkdocs_warnings_point_at_the_link(project: Path) -> None:
    """MkDocs names the page and the link; check gives the line and column of the link
    in the file a contributor edits (a generated page's: the article); the book's
    glyph check, the character's."""
    _append("docs/index.md", "\nSee [the plan](plan.md).\n")(project)
    _append(ARTICLE, "\nSee [the plan](/plan.md).\n\nThe sign \U0001d11e.\n")(project)
    code, lines = check(project)
    assert code == 1
    docs_line = len((project / "docs/index.md").read_text("utf-8").splitlines())
    art_line = len((project / ARTICLE).read_text("utf-8").splitlines()) - 2
    assert any(
        line.startswith(f"docs/index.md:{docs_line}:16: warning: Doc file 'index.md'")
        for line in lines
    ), lines
    assert any(
        line.startswith(f"{ARTICLE}:{art_line}:16: warning: Doc file 'articles/") for line in lines
    ), lines
    glyph = f"{ARTICLE}:{art_line + 2}:10: error: no font for the PDF has the character"
    assert any(line.startswith(glyph) for line in lines), lines
