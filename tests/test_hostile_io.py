"""Issue 22, round two: a hostile export given to ``briefing import-annotations`` and a
hostile project given to ``briefing export`` get nothing. Each attack goes through the
real command (a subprocess, as CI runs it) on a copy of the ``basic`` fixture."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing.core.files import write_atomically
from briefing.core.safety import unclosed_tags, without_code
from briefing.core.sources import load_briefing
from conftest import attr, run_build

BRIEFING = str(Path(sys.executable).with_name("briefing"))
SIDECAR = "briefing_src/articles/kling-launch.annotations.yml"
QUOTE = "months before OpenAI did the same"


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BRIEFING, *args], cwd=project, capture_output=True, text=True, check=False, timeout=300
    )


def row(note: str, quote: str = QUOTE, created: str = "2025-01-02T10:00:00Z") -> dict[str, Any]:
    """One annotation of a Hypothesis export on the fixture's Kling article."""
    page = "https://example.org/site/articles/kling-launch/"
    return {
        "uri": page,
        "text": note,
        "tags": ["context"],
        "user": "acct:reader@hypothes.is",
        "created": created,
        "target": [{"source": page, "selector": [{"type": "TextQuoteSelector", "exact": quote}]}],
    }


def import_rows(project: Path, *rows: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    export = project / "export.json"
    export.write_text(json.dumps({"rows": list(rows)}), "utf-8")
    return run(project, "import-annotations", str(export))


@pytest.mark.parametrize(
    ("note", "char"),
    [
        # A bare carriage return: written raw, the sidecar read back as two annotations,
        # the second an unanchored fact-check with the verdict "false".
        ("Fine.\r- quote: x\r  kind: fact-check\r  verdict: 'false'\r  note: evil", "U+000D"),
        ("Red \x1b[31malert", "U+001B"),  # ESC: YAML refuses the whole sidecar
        ("Half a pair \ud800 of surrogates", "U+D800"),  # emptied the sidecar (78 -> 0 bytes)
        ("Line\u2028- quote: x", "U+2028"),  # a YAML line break, as the carriage return
        ("Next line\x85 too", "U+0085"),
    ],
    ids=["carriage-return", "escape", "lone-surrogate", "line-separator", "next-line"],
)
def test_a_note_yaml_would_misread_is_an_error_and_the_sidecar_keeps_its_bytes(
    project: Path, note: str, char: str
) -> None:
    before = (project / SIDECAR).read_bytes()
    done = import_rows(project, row("A good note."), row(note))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert len(problems) == 1, done.stdout
    assert "export.json:1:" in problems[0]
    assert "annotation 2 not imported: 'note' holds " + char in problems[0]
    # The good one is added after the old bytes, the bad one nowhere.
    after = (project / SIDECAR).read_bytes()
    assert after.startswith(before)
    added = yaml.safe_load(after[len(before) :])
    assert [a["note"] for a in added] == ["A good note.\n"]
    briefing, problems_after = load_briefing(project, "briefing_src")
    assert not problems_after.errors
    article = briefing.article("kling-launch")
    assert article is not None and len(article.annotations) == 4


def test_a_windows_line_end_in_a_note_is_a_line_end(project: Path) -> None:
    done = import_rows(project, row("First line.\r\nSecond line."))
    assert done.returncode == 0, done.stdout + done.stderr
    added = yaml.safe_load((project / SIDECAR).read_text("utf-8"))[-1]
    assert added["note"] == "First line.\nSecond line.\n"


@pytest.mark.parametrize(
    ("created", "message"),
    [
        ("2025-02-30T10:00:00Z", "'created': '2025-02-30T10:00:00Z' is not a date"),
        ("yesterday", "'created': 'yesterday' is not a date"),
    ],
)
def test_an_impossible_date_is_an_error(project: Path, created: str, message: str) -> None:
    before = (project / SIDECAR).read_bytes()
    done = import_rows(project, row("Dated.", created=created))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"annotation 1 not imported: {message}" in done.stdout
    assert (project / SIDECAR).read_bytes() == before


def nested(depth: int) -> object:
    """The number 1 inside ``depth`` lists, one in another."""
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"rows": [row("Deep.")], "more": nested(40)}),
        "1" * 5_000,
    ],
    ids=["recursion", "over-the-depth", "huge-number"],
)
def test_deep_or_odd_json_is_an_error_not_a_traceback(project: Path, text: str) -> None:
    before = (project / SIDECAR).read_bytes()
    (project / "export.json").write_text(text, "utf-8")
    done = run(project, "import-annotations", "export.json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith("export.json:1:1: error: ")
    assert (project / SIDECAR).read_bytes() == before


def test_a_write_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "kept.yml"
    target.write_text("- quote: kept\n", "utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "- quote: \ud800\n")
    assert target.read_text("utf-8") == "- quote: kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.yml"]  # no temporary file left
    write_atomically(target, "- quote: new\n")
    assert target.read_text("utf-8") == "- quote: new\n"


# --------------------------------------------------------------------------- export


def export(project: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run(project, "export", str(out))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (links not followed) and its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_exported_pages_carry_no_markup_from_the_sources(project: Path, tmp_path: Path) -> None:
    """Summaries, authors and docs pages' front matter reach Material's <meta> tags
    unescaped in a plain MkDocs build of the export: the export escapes them as the
    plugin escapes them before the theme sees them."""
    summary = 'x"><script>alert(1)</script>'
    kling = project / "briefing_src/entities/kling.yml"
    kling.write_text(
        kling.read_text("utf-8").replace(
            "summary: Kuaishou's text-to-video model.", f"summary: '{summary}'"
        ),
        "utf-8",
    )
    article = project / "briefing_src/articles/kling-launch.md"
    article.write_text(
        article.read_text("utf-8").replace(
            "authors: [Fixture editors]", "authors: ['a\"><script>alert(2)</script>']"
        ),
        "utf-8",
    )
    (project / "docs/page.md").write_text(
        "---\ndescription: 'd\"><script>alert(3)</script>'\n"
        "author: 'e\"><img src=x onerror=alert(4)>'\n---\n# A page\n\nText.\n",
        "utf-8",
    )
    out = tmp_path / "out"
    done = export(project, out)
    assert done.returncode == 0, done.stdout + done.stderr
    built = run_build(out)
    assert built.ok, built.messages
    for url in ("glossary/kling", "articles/kling-launch", "page"):
        page = BeautifulSoup((built.site / url / "index.html").read_text("utf-8"), "html.parser")
        scripts = " ".join(s.get_text() for s in page.find_all("script"))
        assert "alert" not in scripts, url
        assert not page.find_all(onerror=True), url
        assert not page.select("head img, head script:not([src]):-soup-contains('alert')")
    kling_page = BeautifulSoup(
        (built.site / "glossary/kling/index.html").read_text("utf-8"), "html.parser"
    )
    # The reader sees the text as it was written, once unescaped by the browser.
    description = kling_page.select_one('meta[name="description"]')
    assert description is not None and html.unescape(attr(description, "content")) == summary
    page = BeautifulSoup((built.site / "page/index.html").read_text("utf-8"), "html.parser")
    author = page.select_one('meta[name="author"]')
    assert author is not None and "onerror" in author["content"]  # text, not an attribute


def link(path: Path, to: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(to)


@pytest.mark.parametrize(
    ("attack", "named"),
    [
        (lambda p: (p / "docs/x.html").write_text("<script>alert(1)</script>"), "docs/x.html"),
        (lambda p: (p / "docs/x.svg").write_text("<svg onload='alert(1)'/>"), "docs/x.svg"),
        (lambda p: (p / "docs/x.js").write_text("alert(1)"), "docs/x.js"),
        (
            lambda p: (
                (p / "docs/assets/briefing/briefing.js").parent.mkdir(parents=True)
                or (p / "docs/assets/briefing/briefing.js").write_text("alert(1)")
            ),
            "docs/assets/briefing/briefing.js",
        ),
        (lambda p: link(p / "docs/env.txt", Path("/proc/self/environ")), "docs/env.txt"),
        (lambda p: link(p / "docs/notes", Path("/etc")), "docs/notes"),
        (
            lambda p: link(p / "briefing_src/.env", Path("/proc/self/environ")),
            "briefing_src/.env",
        ),
        (
            lambda p: (p / "docs/away.md").write_text(
                "---\ntemplate: redirect.html\nlocation: javascript:alert(1)\n---\n"
            ),
            "docs/away.md",
        ),
    ],
    ids=[
        "html",
        "svg",
        "js",
        "over-briefing-js",
        "link-to-environ",
        "link-to-folder",
        "link-in-sources",
        "javascript-redirect",
    ],
)
def test_a_refused_project_exports_nothing(
    project: Path, tmp_path: Path, attack: Any, named: str
) -> None:
    out = tmp_path / "out"
    first = export(project, out)
    assert first.returncode == 0, first.stdout + first.stderr
    before = snapshot(out)
    attack(project)
    done = export(project, out)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert any(line.startswith(f"{named}:") for line in done.stderr.splitlines()), done.stderr
    assert "nothing exported" in done.stderr
    assert snapshot(out) == before  # the previous export, byte for byte
    assert not [p for p in out.rglob("*") if p.is_symlink()]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("inside", ["briefing_src/out", "docs/out", "docs"])
def test_an_export_into_a_folder_it_copies_is_refused(project: Path, inside: str) -> None:
    """Into the sources, the export copied its own copy, then that copy, until the name
    was too long (the fixture's 12 files some 140 times over); into docs/, it left a
    project there that the next build refused as active files."""
    before = snapshot(project)
    done = run(project, "export", inside)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    top = inside.split("/")[0]
    assert f"Error: {inside}: inside the project's {top}/, which the export copies" in done.stderr
    assert snapshot(project) == before  # nothing written, not even the folder
    assert not (project / inside).exists() or inside == "docs"
    checked = run(project, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_style_sheet_beside_briefings_assets_is_exported(project: Path, tmp_path: Path) -> None:
    """A CSS file of the site's own in docs/assets/briefing/ crashed the export."""
    (project / "docs/assets/briefing").mkdir(parents=True)
    (project / "docs/assets/briefing/site.css").write_text("p { color: teal }", "utf-8")
    done = export(project, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    assets = tmp_path / "out/docs/assets/briefing"
    assert (assets / "site.css").read_text("utf-8") == "p { color: teal }"
    assert (assets / "briefing.js").is_file() and (assets / "briefing.css").is_file()


def test_a_page_named_like_a_placeholder_keeps_its_name(project: Path, tmp_path: Path) -> None:
    (project / "docs/BRIEFING-CONFIG-DIR.md").write_text("# Odd name\n\nText.\n", "utf-8")
    out = tmp_path / "out"
    done = export(project, out)
    assert done.returncode == 0, done.stdout + done.stderr
    built = run_build(out)
    assert built.ok, built.messages
    assert (built.site / "BRIEFING-CONFIG-DIR/index.html").is_file()
    text = (out / "mkdocs.yml").read_text("utf-8")
    assert "- BRIEFING-CONFIG-DIR.md" in text


def sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def test_csp_over_an_exported_site_hashes_only_the_themes_scripts(
    project: Path, tmp_path: Path
) -> None:
    """Before the export escaped front matter, a summary put a <script> into a page's
    <head>, outside the content, and `briefing csp` allowed it by its hash. The site
    another host built is untrusted: only the scripts its theme writes on every page
    are hashed; one on a single page is reported, never allowed."""
    out = tmp_path / "out"
    assert export(project, out).returncode == 0
    built = run_build(out)
    assert built.ok, built.messages
    kling = built.site / "glossary/kling/index.html"
    page = kling.read_text("utf-8")
    # What a host printing a description unescaped would make of the old summary.
    payload = "alert(document.domain)"
    kling.write_text(page.replace("</head>", f"<script>{payload}</script></head>", 1), "utf-8")
    done = run(tmp_path, "csp", str(built.site))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert any(
        "glossary/kling/index.html:" in line and "blocks an inline script" in line
        for line in done.stdout.splitlines()
    ), done.stdout
    policies = {}
    for path in built.site.rglob("*.html"):
        head = BeautifulSoup(path.read_text("utf-8"), "html.parser").head
        assert head is not None
        meta = head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert meta is not None, path
        policies[path.relative_to(built.site).as_posix()] = meta["content"]
    assert sha256(payload) not in policies["glossary/kling/index.html"]
    # The theme's own scripts stay allowed, on that page and the others.
    theme = [
        s.get_text()
        for s in BeautifulSoup(page, "html.parser").find_all("script")
        if not s.get("src") and not s.get("type") and not s.find_parent("article")
    ]
    assert theme
    assert all(sha256(s) in policies["glossary/kling/index.html"] for s in theme)
    assert sha256(theme[-1]) in policies["index.html"]  # the same script on every page


# --------------------------------------------------------------------------- linear time

_OLD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$", re.M | re.S)
_OLD_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
"""The sanitiser's old (quadratic) patterns: on ordinary Markdown, the linear pass must
remove the same code."""


@pytest.mark.parametrize(
    "text",
    [
        "a `<div>` b",
        "a ``x ` y`` b `c`",
        "```\n<div>\n```\nafter <b>",
        "  ```py\n<div>\n  ```  \nafter",
        "~~~~\n<i>\n~~~~\nz",
        "~~~~\n<i>\n~~~\nz",  # closed by a shorter fence, as Python-Markdown's regex reads it
        "```\nnever closed <div>",
        "one ` only <span>",
        "```\na\n```\n\n```\nb\n```",
    ],
)
def test_code_is_removed_as_before(text: str) -> None:
    assert without_code(text) == _OLD_SPAN.sub("", _OLD_FENCE.sub("", text))


def test_an_escaped_backtick_opens_no_code_span() -> None:
    """Python-Markdown reads \\` as a backtick, not code: the tag after it is HTML."""
    assert unclosed_tags(r"\`<div>` text") == ["div"]
    assert unclosed_tags("`<div>` text") == []


def test_the_extension_reads_no_figure_through_a_link(project: Path, tmp_path: Path) -> None:
    """The exported project may live in a repository of its own, open to pull requests:
    a figure replaced by a link to the build machine's secrets is not read."""
    out = tmp_path / "out"
    assert export(project, out).returncode == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=do-not-publish", "utf-8")
    figure = out / "briefing_figures/glossary/kling.html"
    assert figure.is_file()
    figure.unlink()
    figure.symlink_to(secret)
    built = run_build(out, strict=False)
    assert built.ok
    assert any("a symbolic link, not read" in m for m in built.messages), built.messages
    page = (built.site / "glossary/kling/index.html").read_text("utf-8")
    assert "do-not-publish" not in page
