"""The post-build steps as commands, for a site any host built (the MkDocs plugin,
plain MkDocs from an export, Zensical): ``briefing csp SITE``, ``briefing pdf --site
SITE`` and ``briefing publish ... -- COMMAND`` (staged: the old site stays on failure).
Real builds where it matters; hand-written pages where a host's markup is the point."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefing.cli import main
from briefing.site.csp import (
    Authorship,
    Templates,
    _Attributes,
    _attributes,
    _candidates_end,
    apply_policy,
    blocked,
    fold,
    javascript_url,
    policy,
)
from conftest import BuildResult, metadata, run_build, write

# A page as Zensical 0.0.73 writes it (its base.html): the theme's inline script in the
# head, the content in <article class="md-content__inner md-typeset">, the
# configuration as a JSON data block after it.
ZENSICAL_PAGE = textwrap.dedent(
    """\
    <!doctype html>
    <html lang="en" class="no-js">
      <head>
        <meta charset="utf-8">
        <script>__md_scope=new URL("..",location)</script>
        <link rel="stylesheet" href="../assets/stylesheets/modern/main.css">
      </head>
      <body>
        <main class="md-main">
          <article class="md-content__inner md-typeset">
            <h1>Kling</h1>
            {content}
          </article>
        </main>
        <script id="__config" type="application/json">{{"base": ".."}}</script>
        <script src="../assets/javascripts/bundle.min.js"></script>
      </body>
    </html>
    """
)


def csp_of(html: str) -> str:
    meta = BeautifulSoup(html, "html.parser").select_one(
        'meta[http-equiv="Content-Security-Policy"]'
    )
    assert meta is not None
    return str(meta["content"])


def zensical_site(root: Path, pages: dict[str, str]) -> Path:
    """A site folder of Zensical-like pages (content per page) plus a non-HTML file."""
    for rel, content in pages.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ZENSICAL_PAGE.format(content=content), encoding="utf-8")
    (root / "search.json").write_text('{"onclick=": "javascript:"}', encoding="utf-8")
    return root


# --------------------------------------------------------------------------- the check


def test_blocked_lists_what_the_policy_stops_where_it_stands() -> None:
    page = ZENSICAL_PAGE.format(
        content='<p><button onclick="go()">Go</button> <a href=" JavaScript:go()">go</a></p>\n'
        "        <script>alert(1)</script>\n"
        '        <script type="application/ld+json">{"a": 1}</script>'
    )
    found = [(b.line, b.col, b.what) for b in blocked(page)]
    assert found == [
        (12, 12, 'an inline event handler <button onclick="go()">'),
        (12, 47, 'a javascript: URL <a href="JavaScript:go()">'),
        (13, 9, "an inline script <script>alert(1)"),
    ]
    # The theme's script (outside the content) is allowed by hash; the data blocks and
    # the script in the content are not hashed.
    assert policy(page).count("'sha256-") == 1


@pytest.mark.parametrize(
    "tag",
    [
        '<b\tonclick="go()">x</b>',
        '<b\nonclick="go()">x</b>',
        '<b\x0conclick="go()">x</b>',
        '<b title="t"onclick="go()">x</b>',
        "<b title='t'onmouseover=\"go()\">x</b>",
        "<svg/onload=go()></svg>",
        '<B ONCLICK="go()">x</B>',
    ],
)
def test_a_handler_is_found_whatever_stands_before_its_name(tag: str) -> None:
    """A browser reads an attribute's name after any HTML whitespace, after the quote
    that closed the value before it, or after the slash of ``<svg/onload=...>``, in any
    case: the pass that finds handlers (a regex on the lowered page) must too."""
    found = [b.what for b in blocked(ZENSICAL_PAGE.format(content=f"<p>{tag}</p>"))]
    assert len(found) == 1 and found[0].startswith("an inline event handler"), found


@pytest.mark.parametrize(
    "attributes",
    [
        'type="text/jscript"',
        'type="text/x-javascript"',
        'type="application/x-javascript"',
        'type="text/javascript1.5"',
        'data-src="later.js"',  # not a src: the script is inline
    ],
)
def test_every_inline_script_a_browser_runs_is_judged(attributes: str) -> None:
    """Chromium runs each JavaScript MIME type, and a script with ``data-src`` from its
    text: in the content it is reported, in the theme it is allowed by hash (its script
    would break otherwise)."""
    script = f"<script {attributes}>go()</script>"
    page = ZENSICAL_PAGE.format(content=script).replace("<head>", "<head>" + script)
    assert [b.what for b in blocked(page)] == ["an inline script <script>go()"]
    assert "'sha256-" in policy(page).split(";")[1]


THEMED_PAGE = textwrap.dedent(
    """\
    <html><head><script>function toggleScheme() {{}}</script></head><body>
    <header><a href="javascript:toggleScheme();">Dark</a>
    <button onclick="toggleScheme()">Switch</button></header>
    <article>{content}</article>
    <footer><a href="JavaScript:void%280%29">Share</a></footer>
    </body></html>"""
)


def test_the_owners_handlers_and_urls_are_allowed_by_hash() -> None:
    """Outside the content, the theme's handler and javascript: URLs are the owner's:
    allowed by their hashes with 'unsafe-hashes', nothing reported. A handler in the
    content is a contributor's: blocked and reported, its hash not added."""
    page = THEMED_PAGE.format(content="<p>text</p>")
    assert blocked(page) == []
    csp = policy(page)
    assert csp.count("'sha256-") == 4 and "'unsafe-hashes'" in csp
    # The URL hashed as the browser's parser reads it (what Chromium checks).
    assert "'sha256-rRMdkshZyJlCmDX27XnL7g3zXaxv7ei6Sg+yt4R3svU='" in csp  # javascript:void(0)
    leaked = THEMED_PAGE.format(content='<img src="x" onerror="steal()">')
    assert [b.what for b in blocked(leaked)] == ['an inline event handler <img onerror="steal()">']
    assert policy(leaked) == csp  # steal() is not allowed
    # Without handlers or javascript: URLs of the owner's, no 'unsafe-hashes'.
    plain = "<html><head><script>x()</script></head><body><article></article></body></html>"
    assert "unsafe-hashes" not in policy(plain)


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("javascript:toggleScheme();", "javascript:toggleScheme();"),
        (" JavaScript:window.r=%31 ", "javascript:window.r=1"),
        ("java\tscript:go()", "javascript:go()"),
        ("javascript:window.r = 1 ", "javascript:window.r = 1"),
        ("https://example.org/javascript:x", None),
        ("#javascript:x", None),
    ],
)
def test_javascript_urls_read_as_chromium_hashes_them(value: str, read: str | None) -> None:
    assert javascript_url(value) == read


def test_pages_outside_ascii_keep_their_offsets_and_names_fold_as_a_browsers() -> None:
    """The pass reads the page with ASCII letters lowered, each other character one
    ``?``: what it finds stands where it is in the page, whatever comes before (CJK,
    "İ", which ``str.lower`` makes two characters, an emoji), and only names a browser
    reads are names (``<article-x>`` is not an article; with the Kelvin sign,
    ``ON\u212aEYDOWN`` is no handler)."""
    text = "可灵 İstanbul \U0001f600 "
    page = THEMED_PAGE.format(content=f'<p>{text}<b onclick="go()">x</b></p>')
    found = [(b.line, b.col, b.what) for b in blocked(page)]
    assert found == [(4, 10 + len(text) + 3, 'an inline event handler <b onclick="go()">')]
    assert policy(page) == policy(THEMED_PAGE.format(content="<p>text</p>"))
    # The theme's code before a custom element is the theme's, not content's.
    custom = THEMED_PAGE.replace("<header>", "<header><article-x>x</article-x>")
    assert blocked(custom.format(content="<p>text</p>")) == []
    assert blocked(ZENSICAL_PAGE.format(content="<p ON\u212aEYDOWN=go()>x</p>")) == []


_PAGE_PIECES = """<p> </p> <b|onclick="go()"> </b> <a|href="javascript:go()"> </a> <!-- <!--|<b|onclick=x>|-->
    <script> </script> <style> </style> <a|title="x>y"|ONLOAD=go()> <svg/onload=go()> x > &amp;
    <b|title='a|onclick=b'> <a|href=' JavaScript:x'> <textarea> </textarea> <!x|onclick=y> <
    text|onclick=go() javascript:text <br/> "|onclick=x"""  # pieces apart; "|" is a space
_PIECE = st.sampled_from([piece.replace("|", " ") for piece in _PAGE_PIECES.split()] + ["\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, max_size=40).map("".join))
def test_a_page_is_parsed_as_far_as_its_last_candidate_with_what_parsing_it_whole_finds(
    html: str,
) -> None:
    """The policy pass parses a page with HTMLParser only up to the tag that holds its
    last possible handler or javascript: URL, fed on until the parser holds nothing
    back: it finds what parsing the whole page finds, whatever comes before (comments,
    scripts, quoted ">", unfinished tags)."""
    stop = _candidates_end(fold(html))
    whole = _Attributes(html)
    whole.feed(html)
    whole.close()
    assert (_attributes(html, stop) if stop else []) == whole.found


def test_who_made_which_part_of_a_page(tmp_path: Path) -> None:
    script = "document.body.dataset.comments = 'on';"
    (tmp_path / "partials").mkdir()
    (tmp_path / "partials/comments.html").write_text(
        f'<div id="c"><script>{script}</script><a onclick="go()">x</a></div>', "utf-8"
    )
    templates = Templates([tmp_path])
    content = f'<p>Body</p><div id="c"><script>{script}</script><a onclick="go()">x</a></div>'
    page = THEMED_PAGE.format(content=content + "<script>steal()</script>")
    # Unknown pages: the whole <article> is contributors'.
    assert len(blocked(page)) == 3
    # The site's own templates hold the comments partial: its script and handler are
    # the owner's wherever they stand; steal() stays blocked.
    owned = Authorship(templates=templates)
    assert [b.what for b in blocked(page, owned)] == ["an inline script <script>steal()"]
    assert policy(page, None, owned).count("'sha256-") == 6
    # A trusted docs page is the owner's whole.
    assert blocked(page, Authorship(owner_page=True)) == []
    assert "sha256" in policy(page, None, Authorship(owner_page=True))
    # The page's rendered Markdown is contributors' wherever a template prints it.
    outside = '<p>mine <b onclick="steal()">x</b></p>'
    moved = THEMED_PAGE.format(content="").replace("<footer>", outside + "<footer>")
    assert blocked(moved) == []
    assert len(blocked(moved, Authorship(content=(outside,)))) == 1


def test_clean_pages_block_nothing_and_text_is_not_an_attribute() -> None:
    page = ZENSICAL_PAGE.format(
        content="<p>onion = 3; the URL javascript:void(0) is text; "
        "&lt;b onclick=alert(1)&gt;</p><p title='&lt;a onclick=x&gt;'>x</p>"
    )
    assert blocked(page) == []


def test_applying_the_policy_twice_gives_the_same_page() -> None:
    page = ZENSICAL_PAGE.format(content="<p>text</p>")
    once, _ = apply_policy(page, {"img-src": "https:"})
    twice, _ = apply_policy(once, {"img-src": "https:"})
    assert once == twice
    assert once.count("Content-Security-Policy") == 1
    assert "img-src 'self' data: https:" in csp_of(once)


# --------------------------------------------------------------------------- briefing csp


def test_csp_command_over_a_zensical_like_site(tmp_path: Path) -> None:
    site = zensical_site(
        tmp_path / "site",
        {
            "index.html": "<p>Home</p>",
            "glossary/kling/index.html": "<p>Kling</p>",
            "articles/a/index.html": '<p><img src="x.png" onerror="steal()"></p>',
        },
    )
    result = CliRunner().invoke(main, ["csp", str(site), "--source", "img-src=https:"])
    assert result.exit_code == 1
    assert (
        f"{site.as_posix()}/articles/a/index.html:12:12: warning: the Content-Security-Policy "
        'blocks an inline event handler <img onerror="steal()">'
    ) in result.output.splitlines()
    assert "3 pages given the policy" in result.output
    for rel in ("index.html", "glossary/kling/index.html", "articles/a/index.html"):
        html = (site / rel).read_text("utf-8")
        assert csp_of(html) == policy(html, {"img-src": "https:"})
        assert "img-src 'self' data: https:" in csp_of(html)
    assert (site / "search.json").read_text("utf-8") == '{"onclick=": "javascript:"}'

    # Fixed, the same command passes; run twice, it changes nothing.
    page = site / "articles/a/index.html"
    page.write_text(page.read_text("utf-8").replace(' onerror="steal()"', ""), "utf-8")
    assert CliRunner().invoke(main, ["csp", str(site)]).exit_code == 0
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    assert CliRunner().invoke(main, ["csp", str(site)]).exit_code == 0
    assert before == {p: p.read_bytes() for p in site.rglob("*.html")}


def test_csp_command_refuses_unknown_directives(tmp_path: Path) -> None:
    site = zensical_site(tmp_path / "site", {"index.html": "<p>Home</p>"})
    result = CliRunner().invoke(main, ["csp", str(site), "--source", "scripts=https:"])
    assert result.exit_code == 2
    assert "unknown directive 'scripts'" in result.output
    assert "Content-Security-Policy" not in (site / "index.html").read_text("utf-8")


def test_plugin_allows_the_owners_code_and_reports_a_contributors(project: Path) -> None:
    """The plugin runs the same step on each page: a trusted docs page's handler is the
    site owner's and runs (by its hash); a handler in a contributor's page that got past
    the sanitiser (here a hook puts the raw HTML back) is reported at its place in the
    page's source, and a strict build fails."""
    write(
        project, {"docs/tool.md": '# Tool\n\nSome text.\n\n<button onclick="run()">Run</button>\n'}
    )
    hook = """
        import re

        def on_page_content(html, page, config, files):
            found = re.search(r"<button onclick=.*?</button>", page.file.content_string)
            return html + found.group(0) if found else html
        """
    write(project, {"leak.py": hook})
    text = (project / "mkdocs.yml").read_text("utf-8")
    (project / "mkdocs.yml").write_text(text + "hooks: [leak.py]\n")
    result = run_build(project)
    assert not result.ok
    assert any(
        m.startswith(
            "briefing: docs/tool.md:5:18: warning: the Content-Security-Policy blocks an inline "
            'event handler <button onclick="run()"> (line '
        )
        and m.endswith(" of tool/index.html)")
        for m in result.messages
    ), result.messages

    (project / "mkdocs.yml").write_text(
        text.replace("briefing:", "briefing:\n      trusted_docs: true")
    )
    result = run_build(project)
    assert result.ok, result.messages
    csp = csp_of((project / "site/tool/index.html").read_text("utf-8"))
    assert "'unsafe-hashes' 'sha256-" in csp and "unsafe-inline" not in csp.split(";")[1]


# --------------------------------------------------------------------------- publish


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def old_site(root: Path) -> Path:
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>the old site</p>", "utf-8")
    return site


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(".site-"))


def test_publish_keeps_the_old_site_when_the_build_fails(tmp_path: Path) -> None:
    site = old_site(tmp_path)
    command = python(
        "import pathlib, sys; pathlib.Path(sys.argv[1], 'index.html').write_text('half'); "
        "sys.exit(3)"
    )
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--", *command, "{staging}"])
    assert result.exit_code == 1
    assert f"the build failed (exit status 3); {site}/ left as it was" in result.output
    assert (site / "index.html").read_text("utf-8") == "<p>the old site</p>"
    assert leftovers(tmp_path) == []


def test_publish_replaces_the_site_on_success_with_the_policy(tmp_path: Path) -> None:
    site = old_site(tmp_path)
    (site / "stale.html").write_text("gone after publishing", "utf-8")
    page = ZENSICAL_PAGE.format(content="<p>new</p>")
    command = python(
        f"import pathlib, sys; pathlib.Path(sys.argv[1], 'index.html').write_text({page!r})"
    )
    result = CliRunner().invoke(
        main, ["publish", "--site", str(site), "--csp", "--", *command, "{staging}"]
    )
    assert result.exit_code == 0, result.output
    html = (site / "index.html").read_text("utf-8")
    assert "<p>new</p>" in html and csp_of(html) == policy(html)
    assert not (site / "stale.html").exists()
    assert leftovers(tmp_path) == []


def test_publish_from_a_hosts_own_folder_refused_by_the_policy(tmp_path: Path) -> None:
    """Zensical takes its site_dir from its configuration: --built names it. A page the
    policy would break stops the publication."""
    site = old_site(tmp_path)
    built = tmp_path / "build"

    def publish(href: str) -> tuple[int, str]:
        page = ZENSICAL_PAGE.format(content=f'<p><a href="{href}">go</a></p>')
        command = python(
            f"import pathlib; p = pathlib.Path({str(built)!r}); p.mkdir(exist_ok=True); "
            f"(p / 'index.html').write_text({page!r})"
        )
        args = ["publish", "--site", str(site), "--built", str(built), "--csp", "--", *command]
        result = CliRunner().invoke(main, args)
        return result.exit_code, result.output

    code, output = publish("javascript:go()")
    assert code == 1
    assert (
        f"{site.as_posix()}/index.html:12:12: warning: the Content-Security-Policy blocks "
        'a javascript: URL <a href="javascript:go()">'
    ) in output.splitlines()
    assert (site / "index.html").read_text("utf-8") == "<p>the old site</p>"
    assert leftovers(tmp_path) == []

    code, output = publish("go.html")
    assert code == 0, output
    assert "go.html" in (site / "index.html").read_text("utf-8")
    assert (built / "index.html").is_file()


def test_publish_needs_to_know_where_the_build_writes(tmp_path: Path) -> None:
    site = old_site(tmp_path)
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--", "true"])
    assert result.exit_code == 2 and "{staging}" in result.output
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--", "true", "{staging}"])
    assert result.exit_code == 1 and "the build wrote nothing" in result.output
    assert (site / "index.html").read_text("utf-8") == "<p>the old site</p>"
    assert leftovers(tmp_path) == []


def test_publish_a_real_mkdocs_build_without_the_plugins_policy(
    project: Path, basic_site: BuildResult
) -> None:
    """mkdocs build with csp: false, then --csp: every page gets the very policy the
    plugin gives it (one code path), the 404 page too; --pdf adds the book. Then a
    failing strict build over the published site leaves it as it was."""
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("briefing:", "briefing:\n      csp: false"))
    build = [sys.executable, "-m", "mkdocs", "build", "-q", "--strict", "-f", str(config)]
    env_args = ["publish", "--site", str(project / "site"), "--csp", "--pdf", "-f", str(config)]
    env_args.append("--")
    result = CliRunner(env={"BRIEFING_PDF": "0"}).invoke(
        main, [*env_args, *build, "-d", "{staging}"]
    )
    assert result.exit_code == 0, result.output
    site = project / "site"
    pages = sorted(p.relative_to(site) for p in site.rglob("*.html"))
    assert len(pages) > 10
    for rel in pages:
        html = (site / rel).read_text("utf-8")
        assert csp_of(html) == csp_of((basic_site.site / rel).read_text("utf-8")), rel
    book = PdfReader(site / "briefing.pdf")  # --pdf: made from the staged pages
    assert metadata(book).title == "Fixture briefing" and len(book.pages) > 3
    published = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}

    kling = project / "briefing_src/entities/kling.yml"
    kling.write_text(kling.read_text("utf-8") + "unknown_key: 1\n", "utf-8")
    result = CliRunner(env={"BRIEFING_PDF": "0"}).invoke(
        main, [*env_args, *build, "-d", "{staging}"]
    )
    assert result.exit_code == 1 and "the build failed" in result.output
    assert published == {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert leftovers(project) == []


# --------------------------------------------------------------------------- pdf --site


@pytest.fixture
def built_copy(tmp_path: Path, basic_site: BuildResult) -> Path:
    """The built basic fixture, project and site, free to change."""
    target = tmp_path / "basic"
    shutil.copytree(basic_site.project, target, ignore=shutil.ignore_patterns(".cache"))
    return target


def test_pdf_from_a_finished_site_is_the_plugins_book(
    built_copy: Path, basic_pdf: BuildResult
) -> None:
    """The book from the site folder alone (no build) has the plugin's pages and text."""
    site = built_copy / "site"
    result = CliRunner().invoke(
        main, ["pdf", "-f", str(built_copy / "mkdocs.yml"), "--site", str(site)]
    )
    assert result.exit_code == 0, result.output
    ours = PdfReader(site / "briefing.pdf")
    theirs = PdfReader(basic_pdf.site / "briefing.pdf")
    assert metadata(ours).title == metadata(theirs).title == "Fixture briefing"
    assert len(ours.pages) == len(theirs.pages)
    for mine, plugin in zip(ours.pages[1:], theirs.pages[1:], strict=True):  # cover: the date
        assert mine.extract_text() == plugin.extract_text()


def test_pdf_from_a_site_without_an_articles_page(built_copy: Path) -> None:
    site = built_copy / "site"
    shutil.rmtree(site / "articles/embargo")
    result = CliRunner().invoke(
        main,
        [
            "pdf",
            "-f",
            str(built_copy / "mkdocs.yml"),
            "--site",
            str(site),
            "-o",
            str(built_copy / "b.pdf"),
        ],
    )
    assert result.exit_code == 1
    assert (
        f"briefing_src/articles/embargo.md:1:1: error: its page articles/embargo/ is not in {site}"
        in result.output
    )
    assert not (built_copy / "b.pdf").exists()
