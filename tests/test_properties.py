"""Property-based tests (hypothesis), bounded and derandomized so CI is reproducible:
hostile Markdown through the extension and through real builds, and arbitrary front
matter through ``briefing check``. The whole file runs in well under a minute."""

from __future__ import annotations

import re

import markdown
import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_markdown import render
from test_payloads import BAD_SCHEMES, browser_url

from briefing.cli import main
from briefing.core.safety import SVG_TAGS, safe_style
from briefing.markdown.mentions import NO_AUTOLINK, SKIP_TAGS
from conftest import one, project_copy, run_build


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


hostile = st.sampled_from(
    [
        "Kling",
        "Kling AI",
        "可灵",
        "Sora",
        "chip embargo",
        "text",
        " ",
        "\n",
        "\n\n",
        "    ",
        "**",
        "`",
        "```\n",
        "# ",
        "- ",
        "> ",
        "<",
        ">",
        "&",
        '"',
        "'",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        "[[kling]]",
        "[[nope]]",
        "[[",
        "]]",
        "|",
        "{: ",
        " }",
        'onclick="alert(1)"',
        "<script>alert(1)</script>",
        "<script>",
        "</div>",
        '<div markdown="1">',
        '<div class="no-autolink" markdown>\n',
        '<a href="javascript:alert(1)">',
        "</a>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<style>",
        "<iframe src=//x>",
        "<!--",
        "-->",
        "<![CDATA[",
        "javascript:",
        "JaVaScRiPt:",
        "java&#x09;script:",
        "javascript&colon;",
        "&#106;avascript:",
        "data:text/html,",
        "vbscript:",
        "alert(1)",
        '"><script>',
        "\u202e",
        "\u200b",
        "\x00",
        "\t",
    ]
)
hostile_text = st.lists(hostile, max_size=30).map("".join)


def assert_inert(html: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.select("script, style, math, iframe, object, embed, form, base, meta")
    # Inline SVG (Material's icons) is allowed as shapes only.
    assert all(el.name in SVG_TAGS for svg in soup.select("svg") for el in svg.find_all(True))
    for el in soup.find_all(True):
        for name, value in el.attrs.items():
            assert not name.startswith("on"), el
            assert name != "style" or safe_style(str(value)) == value, el
            if name in ("href", "src"):
                assert not browser_url(str(value)).startswith(BAD_SCHEMES), el
            if name == "title":
                assert "<" not in str(value), el


@bounded(500)
@given(body=hostile_text, note=hostile_text)
def test_any_markdown_gives_html_or_diagnostics_and_nothing_executable(
    body: str, note: str
) -> None:
    soup, ctx = render(
        "Quoted passage here.\n\n" + body,
        uri="articles/a.md",
        article="a",
        annotations=[
            {"quote": "Quoted passage", "kind": "context", "note": note if note.strip() else "n"}
        ],
    )
    assert_inert(str(soup))
    for problem in ctx.diagnostics:
        assert re.fullmatch(r"[^:]+:\d+:\d+", str(problem.position)), problem


# ------------------------------------------------------------------ linking

constructs = st.sampled_from(
    [
        "Kling",
        "Kling AI",
        "可灵",
        "Sora",
        "Kuaishou",
        "chip embargo",
        "plain words",
        " ",
        "\n",
        "\n\n",
        "**",
        "_",
        "`Kling`",
        "``Sora Kling``",
        "```\nKling\n```\n",
        "    Kling indented\n",
        "# Kling heading\n",
        "#### Sora heading\n",
        "[Kling site](https://example.org/)",
        "<https://example.org/Kling>",
        "<kbd>Sora</kbd>",
        "<samp>Kling</samp>",
        "<code>Kling</code>",
        '<a href="https://example.org/">Sora raw</a>',
        '<span class="no-autolink">Kling opted out</span>',
        '\n<div class="no-autolink" markdown>\nKling in a div\n</div>\n',
        "<button>Sora</button>",
        "- ",
        "> ",
        "1. ",
        "| Kling | Sora |\n|---|---|\n| a | b |\n",
        "&amp;",
        "<",
    ]
)


def excluded(el: Tag) -> bool:
    """Is a mention link inside an element where mentions are never linked?"""
    for parent in el.parents:
        if parent.name in SKIP_TAGS or NO_AUTOLINK in (parent.get("class") or []):
            return True
    return False


@bounded(500)
@given(st.lists(constructs, max_size=30).map("".join), st.sampled_from(["first", "all"]))
def test_linking_adds_links_only_and_never_where_excluded(text: str, mode: str) -> None:
    """Visible text: the page's text nodes, with HTML's whitespace folding, is the same
    with and without Briefing (the mention links and repeat marks wrap existing words;
    nothing here is a [[id]] link or an annotation, which add words on purpose)."""
    plain = BeautifulSoup(
        markdown.Markdown(extensions=["toc", "md_in_html", "fenced_code"]).convert(text),
        "html.parser",
    )
    md = render(text, mode=mode)[0]
    assert md.get_text().split() == plain.get_text().split()
    for link in md.select("a.bf-mention, span.bf-mention-repeat"):
        assert not excluded(link), (text, str(link.parent))


# ------------------------------------------------------------------ real builds


@bounded(10)
@given(body=hostile_text)
def test_real_builds_of_hostile_bodies(tmp_path_factory: pytest.TempPathFactory, body: str) -> None:
    root = project_copy(tmp_path_factory.mktemp("prop") / "basic")
    path = root / "briefing_src/articles/fuzz.md"
    path.write_text(f"---\ntitle: Fuzz\ndate: 2024-01-01\n---\n{body}\n", encoding="utf-8")
    result = run_build(root, strict=False)
    assert result.ok, result.messages
    for message in result.messages:
        if ": error: " in message or ": warning: " in message:
            assert re.match(r"(briefing: )?[^:]+:\d+:\d+: ", message), message
    content = one(result.html("articles/fuzz/index.html"), "article")
    for chrome in content.select("a.md-content__button, .md-source-file, .md-feedback"):
        chrome.decompose()
    assert_inert(str(content))


# ------------------------------------------------------------------ briefing check

yaml_piece = st.sampled_from(
    [
        *"abc: -[]{}&*!|>'\"\n\t#%@`,?0123456789可",
        "title: ",
        "date: ",
        "annotations:",
        "  - quote: ",
        "    note: ",
        "kind: ",
        "!!python/object:os.system",
        "<<: ",
        "&a ",
        "*a",
        "---\n",
        "\ufeff",
        "\r\n",
        "\u202e",
        "2024-01-01",
        "javascript:",
        "<script>",
    ]
)


@bounded(100)
@given(
    front=st.lists(yaml_piece, max_size=40).map("".join),
    entity=st.lists(yaml_piece, max_size=40).map("".join),
)
def test_check_reports_any_front_matter_as_positioned_lines(
    tmp_path_factory: pytest.TempPathFactory,
    front: str,
    entity: str,
) -> None:
    root = project_copy(tmp_path_factory.mktemp("check") / "basic")
    (root / "briefing_src/articles/fuzz.md").write_text(f"---\n{front}\n---\nBody.\n", "utf-8")
    (root / "briefing_src/entities/fuzz.yml").write_text(entity, "utf-8")
    result = CliRunner().invoke(main, ["check", "-f", str(root / "mkdocs.yml")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1)
    for line in result.stdout.splitlines():
        assert re.fullmatch(r"[^:]+:\d+:\d+: (error|warning): .+", line), line
