"""A hostile pull request through the real build and through ``briefing check``: the
files it can add (symlinks, active static files, assets that shadow the plugin's,
hostile names, pages that collide with generated ones), each an error naming the file,
the same in both; strict mode holds under ``-q``; the previous site survives."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from briefing.cli import main
from conftest import configure, metadata, run_build

SECRET = "BRIEFING_TEST_SECRET_VALUE"


def check(project: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout.splitlines()


def site_text(site: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in site.rglob("*") if p.is_file()
    )


def _outside(project: Path) -> Path:
    secret = project.parent / "outside.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return secret


# Each attack changes the project and names the file the error must point at.
ATTACKS: dict[str, Callable[[Path], str]] = {}


def attack(fn: Callable[[Path], str]) -> Callable[[Path], str]:
    ATTACKS[fn.__name__] = fn
    return fn


@attack
def environ_symlink(p: Path) -> str:
    (p / "docs/env.txt").symlink_to("/proc/self/environ")
    return "docs/env.txt"


@attack
def outside_file_symlink(p: Path) -> str:
    (p / "docs/leak.md").symlink_to(_outside(p))
    return "docs/leak.md"


@attack
def folder_symlink(p: Path) -> str:
    outside = p.parent / "elsewhere"
    outside.mkdir()
    (outside / "page.md").write_text(f"# Page\n\n{SECRET}\n", encoding="utf-8")
    (p / "docs/linked").symlink_to(outside)
    return "docs/linked"


@attack
def link_loop(p: Path) -> str:
    (p / "docs/loop").symlink_to(".")
    return "docs/loop"


@attack
def two_folder_loops(p: Path) -> str:
    # MkDocs walks docs/ following links: two links to "." are 2**40 folders.
    (p / "docs/a").symlink_to(".")
    (p / "docs/b").symlink_to(".")
    return "docs/a"


@attack
def root_link_in_a_dot_folder(p: Path) -> str:
    # A link to / (MkDocs would walk the build machine, /proc's links to / included).
    (p / "docs/.cache").mkdir()
    (p / "docs/.cache/root").symlink_to("/")
    return "docs/.cache/root"


@attack
def entity_symlink(p: Path) -> str:
    (p / "briefing_src/entities/leak.yml").symlink_to(_outside(p))
    return "briefing_src/entities/leak.yml"


@attack
def article_symlink(p: Path) -> str:
    (p / "briefing_src/articles/leak.md").symlink_to(_outside(p))
    return "briefing_src/articles/leak.md"


@attack
def sources_symlink(p: Path) -> str:
    outside = p.parent / "src-elsewhere"
    (p / "briefing_src").rename(outside)
    (p / "briefing_src").symlink_to(outside)
    return "briefing_src"


@attack
def shadow_plugin_script(p: Path) -> str:
    target = p / "docs/assets/briefing/briefing.js"
    target.parent.mkdir(parents=True)
    target.write_text(f"alert('{SECRET}')", encoding="utf-8")
    return "docs/assets/briefing/briefing.js"


@attack
def html_page(p: Path) -> str:
    (p / "docs/evil.html").write_text(f"<script>alert('{SECRET}')</script>", encoding="utf-8")
    return "docs/evil.html"


@attack
def svg_file(p: Path) -> str:
    (p / "docs/logo.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'{SECRET}\')"/>',
        encoding="utf-8",
    )
    return "docs/logo.svg"


@attack
def js_file(p: Path) -> str:
    (p / "docs/x.js").write_text(f"alert('{SECRET}')", encoding="utf-8")
    return "docs/x.js"


@attack
def markup_file_name(p: Path) -> str:
    name = 'q"><meta http-equiv=refresh content=0;url=https:evil.example><i class=".md'
    (p / "docs" / name).write_text(f"# Q\n\n{SECRET}\n", encoding="utf-8")
    return "docs/q"


@attack
def newline_file_name(p: Path) -> str:
    (p / "docs/a\n::error file=x::pwned.md").write_text(f"# A\n\n{SECRET}\n", encoding="utf-8")
    return "docs/a\\u000a::error"


def _kling_page(p: Path, rel: str) -> str:
    """A docs page of the contributor's where Briefing generates Kling's glossary page."""
    target = p / rel
    target.parent.mkdir(parents=True)
    target.write_text(f"# Kling\n\n{SECRET}\n", encoding="utf-8")
    return rel


@attack
def generated_collision(p: Path) -> str:
    return _kling_page(p, "docs/glossary/kling/index.md")


@attack
def generated_collision_in_another_case(p: Path) -> str:
    # On macOS or Windows it is written over glossary/kling/; elsewhere a second "Kling".
    return _kling_page(p, "docs/Glossary/Kling/index.md")


@attack
def not_utf8_page(p: Path) -> str:
    (p / "docs/latin.md").write_bytes(b"# Title\n\ncaf\xe9 " + SECRET.encode() + b"\n")
    return "docs/latin.md:3"


@attack
def nfd_twin(p: Path) -> str:
    (p / "docs/caf\u00e9.md").write_text("# Cafe\n", encoding="utf-8")
    (p / "docs/cafe\u0301.md").write_text("# Cafe\n", encoding="utf-8")
    return "docs/caf"


@attack
def broken_yaml(p: Path) -> str:
    (p / "briefing_src/entities/broken.yml").write_text("name: [\n", encoding="utf-8")
    return "briefing_src/entities/broken.yml"


@attack
def deep_lists(p: Path) -> str:
    body = "\n".join("    " * i + "- x" for i in range(300))
    (p / "docs/deep.md").write_text(f"# Deep\n\n{body}\n", encoding="utf-8")
    return "docs/deep.md:34:1"  # the 32nd item, nested 31 deep


@attack
def bracket_flood(p: Path) -> str:
    (p / "docs/brackets.md").write_text("# B\n\n" + "[" * 12_000 + "\n", encoding="utf-8")
    return "docs/brackets.md:3:1"


@attack
def unfinished_tags(p: Path) -> str:
    # Python's HTMLParser (Python-Markdown's) read on from each to the page's end.
    (p / "docs/tags.md").write_text("# T\n\nText.\n\n" + "<path " * 20_000 + "\n", "utf-8")
    return "docs/tags.md:5:1"


@attack
def own_template(p: Path) -> str:
    (p / "docs/t.md").write_text(
        "---\ntemplate: briefing/article.html\n---\n# T\n\nText.\n", encoding="utf-8"
    )
    return "docs/t.md:2:11"


@attack
def search_index(p: Path) -> str:
    (p / "docs/search").mkdir()
    (p / "docs/search/search_index.json").write_text(
        '{"config": {"lang": ["en"]}, "docs": [{"location": "https://evil.example/",'
        ' "title": "Kling", "text": "Kling"}]}'
    )
    return "docs/search/search_index.json"


@attack
def book_replacement(p: Path) -> str:
    (p / "docs/briefing.pdf").write_bytes(b"%PDF-1.4 https://evil.example/")
    return "docs/briefing.pdf"


FOLDER_LINKS = {"folder_symlink", "link_loop", "two_folder_loops", "root_link_in_a_dot_folder"}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_fails_build_and_check_and_publishes_nothing(name: str, project: Path) -> None:
    """Each attack: an error naming the file from the strict build and from check alike;
    a non-strict build publishes nothing of it and reads nothing outside the project."""
    assert run_build(project).ok
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    os.environ[SECRET] = SECRET  # what /proc/self/environ would leak
    try:
        where = ATTACKS[name](project)
        code, lines = check(project)
        assert code == 1
        assert any(line.startswith(where) and ": error: " in line for line in lines), lines
        strict = run_build(project)
        assert not strict.ok
        assert any(m.startswith(f"briefing: {where}") for m in strict.messages), strict.messages
        after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
        assert after == before  # the failed strict build kept the previous site
        loose = run_build(project, strict=False)
    finally:
        del os.environ[SECRET]
    if name == "sources_symlink":
        return  # nothing of the briefing is read at all: the site is the docs pages only
    if name in FOLDER_LINKS:  # the build stops before MkDocs walks docs/, strict or not
        assert not loose.ok and loose.messages[0].startswith(f"briefing: {where}:1:1: error:")
        return
    assert loose.ok, loose.messages
    assert SECRET not in site_text(loose.site)
    assert "evil.example" not in site_text(loose.site)
    # the plugin's own script is the one published
    own = Path(__file__).parent.parent / "plugins/briefing/site/theme/assets/briefing/briefing.js"
    assert (loose.site / "assets/briefing/briefing.js").read_bytes() == own.read_bytes()


def test_symlinked_docs_folder_is_an_error_not_a_traceback(project: Path) -> None:
    outside = project.parent / "docs-elsewhere"
    (project / "docs").rename(outside)
    (project / "docs").symlink_to(outside)
    code, lines = check(project)
    assert code == 1 and any(line.startswith("docs:1:1: error:") for line in lines), lines
    result = run_build(project)
    assert not result.ok
    assert any("docs:1:1: error: the docs folder is a symbolic link" in m for m in result.messages)


def test_opting_in_publishes_an_active_type(project: Path) -> None:
    (project / "docs/logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    configure(project, {"static_types": "[.svg]"})
    assert check(project)[0] == 0
    result = run_build(project)
    assert result.ok, result.messages
    assert (result.site / "logo.svg").is_file()


def test_passive_static_files_and_dot_folders_pass(project: Path) -> None:
    (project / "docs/img.png").write_bytes(b"\x89PNG\r\n")
    drafts = project / "docs/.drafts"
    drafts.mkdir()
    (drafts / "x.md").write_text("# Draft\n\n[[no-such-entity]]\n", encoding="utf-8")
    (project / "docs/.git").mkdir()  # excluded by MkDocs: never read, never published
    (project / "docs/.git/config").write_text("[core]\n", encoding="utf-8")
    assert check(project) == (0, [])
    assert run_build(project).ok


def test_sources_in_wrong_places_are_warnings(project: Path) -> None:
    src = project / "briefing_src"
    (src / "articles/old").mkdir()
    (src / "articles/old/lost.md").write_text("---\ntitle: T\ndate: 2024-01-01\n---\n")
    (src / "articles/upper.MD").write_text("---\ntitle: T\ndate: 2024-01-01\n---\n")
    (src / "notes.txt").write_text("x")
    code, lines = check(project)
    assert code == 1  # warnings, which fail a strict build too
    assert "briefing_src/articles/old:1:1: warning: folder not read" in "\n".join(lines)
    assert any(
        line.startswith("briefing_src/articles/upper.MD:1:1: warning:")
        and "rename it to .md" in line
        for line in lines
    )
    assert any(
        line.startswith("briefing_src/notes.txt:1:1: warning: file not read") for line in lines
    )
    assert not run_build(project).ok  # strict: warnings fail too


@pytest.mark.parametrize("how", ["-q", "-v", "strict: true"])
def test_strict_means_strict_with_any_verbosity(project: Path, how: str) -> None:
    """The real command line: an unknown [[id]] fails ``mkdocs build --strict -q``
    (MkDocs' -q hides warnings from its own strict count), ``-v``, and ``strict: true``;
    the previous site stays as it was."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "0"}
    command = [sys.executable, "-m", "mkdocs", "build"]
    assert subprocess.run(command, cwd=project, env=env, capture_output=True).returncode == 0
    before = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    with (project / "docs/index.md").open("a", encoding="utf-8") as page:
        page.write("\nSee [[no-such-entity]].\n")
    if how == "strict: true":
        config = project / "mkdocs.yml"
        config.write_text("strict: true\n" + config.read_text("utf-8"), encoding="utf-8")
        args = command
    else:
        args = [*command, "--strict", how]
    run = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)
    assert run.returncode != 0, run.stderr
    assert "docs/index.md" in run.stderr and "unknown entity 'no-such-entity'" in run.stderr
    after = {p: p.read_bytes() for p in (project / "site").rglob("*") if p.is_file()}
    assert after == before
    assert not list(project.parent.glob(".site-staging-*"))


def test_github_format_and_text_escape_names(project: Path) -> None:
    (project / "docs/a\n::error file=x,line=1::pwned.md").write_text("# A\n")
    code, lines = check(project, "--format", "github")
    assert code == 1
    assert all(line.startswith("::") for line in lines), lines
    assert not any(line.startswith("::error file=x") for line in lines)
    assert any("file=docs/a\\u000a%3A%3Aerror file=x%2Cline=1%3A%3Apwned.md" in x for x in lines)
    code, lines = check(project)
    assert all(line.startswith("docs/") for line in lines), lines


def test_no_temporary_folder_left(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private temp folder, so other processes' builds on the machine do not count."""
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    assert run_build(project).ok
    (project / "docs/index.md").write_text("# Home\n\n[[nope]]\n", encoding="utf-8")
    assert not run_build(project).ok
    assert list(private.glob("briefing-*")) == []  # jieba keeps its dictionary cache there


def test_log_level_does_not_hide_the_problems_of_a_quiet_strict_build(project: Path) -> None:
    (project / "docs/index.md").write_text("# Home\n\n[[nope]]\n", encoding="utf-8")
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        result = run_build(project)
    finally:
        logger.setLevel(level)
    assert not result.ok
    assert any("unknown entity 'nope'" in m for m in result.messages), result.messages


def test_an_unclosed_div_in_a_description_swallows_nothing(project: Path) -> None:
    entity = project / "briefing_src/entities/kling.yml"
    text = entity.read_text("utf-8")
    entity.write_text(
        text.replace("made by [[kuaishou]].", "made by [[kuaishou]].\n  <div class=x>"), "utf-8"
    )
    code, lines = check(project)
    assert code == 1
    assert any(
        line.startswith("briefing_src/entities/kling.yml:6:3: error: the description leaves <div>")
        for line in lines
    ), lines
    result = run_build(project, strict=False)
    assert result.ok
    page = result.html("glossary/kling/index.html")
    related = [h.get_text() for h in page.select("article h2")]
    assert "Related" in related, related  # rendered, not raw Markdown
    assert "## Related" not in page.get_text()


def browser_tree(page: Path) -> Any:
    """A built page parsed as a browser parses it (the HTML5 algorithm)."""
    import tinyhtml5

    return tinyhtml5.parse(page.read_text("utf-8"))


XHTML = "{http://www.w3.org/1999/xhtml}"
KLING_NOTE = "    note: Checked against the [[kuaishou|company]]'s own announcement.\n"


def _note_paragraphs(tree: Any) -> list[str]:
    return ["".join(p.itertext()) for p in tree.iter(f"{XHTML}p")]


@pytest.mark.parametrize("tag", ['<div class="x">', "<textarea>", "<style>", "<b>"])
def test_unclosed_html_in_a_note_swallows_nothing(project: Path, tag: str) -> None:
    """A note that leaves raw HTML open is an error, and in a (non-strict) build it is
    closed at the note's end: the next note, on the article and on the entity page
    (both about Kling), is still a paragraph of its own, outside the open element."""
    article = project / "briefing_src/articles/kling-launch.md"
    text = article.read_text("utf-8")
    assert KLING_NOTE in text
    text = text.replace(
        KLING_NOTE,
        f"    note: |\n      Checked against the company.\n\n      {tag}\n      Open\n",
    ).replace("is the article's own.\n", "is the article's own.\n    entities: [kling]\n")
    article.write_text(text, "utf-8")
    code, lines = check(project)
    assert code == 1
    name = tag.split()[0].strip("<>")
    assert any(f"error: the note leaves <{name}> open" in line for line in lines), lines
    result = run_build(project, strict=False)
    assert result.ok
    for page in ("articles/kling-launch/index.html", "glossary/kling/index.html"):
        tree = browser_tree(result.site / page)
        second = [p for p in _note_paragraphs(tree) if p.startswith("The comparison with")]
        assert second == ["The comparison with Sora is the article's own."], page
        for el in tree.iter():
            if "".join(el.itertext()).strip().startswith("Open"):
                assert "The comparison" not in "".join(el.itertext()), (page, el.tag)


def test_an_article_that_leaves_a_textarea_open_keeps_its_notes(project: Path) -> None:
    """A raw-text element (its content read as text to its end tag) left open in an
    article's body cannot take in the annotation list after it."""
    with (project / "briefing_src/articles/kling-launch.md").open("a", encoding="utf-8") as f:
        f.write("\nAnd then <textarea> nothing more.\n\n<style>\n")
    result = run_build(project, strict=False)
    assert result.ok
    tree = browser_tree(result.site / "articles/kling-launch/index.html")
    notes = [el for el in tree.iter(f"{XHTML}li") if el.get("id", "").startswith("bf-note-")]
    assert len(notes) == 3
    assert not [
        el
        for el in tree.iter()
        if el.tag in (f"{XHTML}textarea", f"{XHTML}style") and "bf-note" in "".join(el.itertext())
    ]
    assert "And then  nothing more." in _note_paragraphs(tree)


def _flood_article(project: Path, body: str, front: str = "") -> str:
    rel = "briefing_src/articles/flood.md"
    (project / rel).write_text(
        f"---\ntitle: Flood\ndate: 2024-01-01\n{front}---\n{body}\n", encoding="utf-8"
    )
    return rel


def test_a_flood_of_problems_is_counted_not_printed(project: Path) -> None:
    """1,200 unknown [[id]] links: check prints 1,000 of them then the count of the rest;
    the build logs 1,000 then says the rest are not shown; a quiet strict build (-q)
    prints 50 with its failure, then the count of the rest."""
    rel = _flood_article(project, "\n\n".join(f"[[no-such-{i:04}]]" for i in range(1200)))
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 1000, lines[-3:]
    assert all(line.startswith(f"{rel}:") and "unknown entity 'no-such-" in line for line in lines)
    assert result.stderr.splitlines() == ["and 200 more problems", "1,200 errors"]

    strict = run_build(project)
    assert not strict.ok
    flood = [m for m in strict.messages if m.startswith(f"briefing: {rel}:")]
    assert len(flood) == 1000
    # (the line said "briefing: briefing: more than", and check counted it as a warning)
    assert strict.messages[-2] == "briefing: more than 1,000 problems; the rest are not shown"
    assert strict.messages[-1].startswith("briefing: 1,200 problems in strict mode;")
    assert len(strict.messages) == 1002, strict.messages[:3]

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "0"}
    quiet = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert quiet.returncode != 0
    err = quiet.stderr.splitlines()
    assert sum(line.startswith(f"{rel}:") for line in err) == 50, err
    assert "and 1,150 more" in err, err
    assert any("briefing: 1,200 problems in strict mode" in line for line in err), err


def test_a_quote_found_at_15_places_lists_10_and_counts_the_rest(project: Path) -> None:
    body = " ".join(f"word{i} the same words here." for i in range(15))
    front = "annotations:\n  - {quote: the same words here, kind: context, note: Which one?}\n"
    rel = _flood_article(project, body, front)
    code, lines = check(project)
    assert code == 1
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith(f"{rel}:5:13: error: quote found 15 times; add a 'prefix' or 'suffix'")
    places = re.findall(r'(?:choose one: |; )(\d+): "', line)
    assert places == [str(n) for n in range(1, 11)], line
    assert line.endswith('"; and 5 more'), line
    strict = run_build(project)
    assert not strict.ok
    assert strict.messages[0] == f"briefing: {line}", strict.messages


@pytest.mark.parametrize(
    ("tag", "col", "message"),
    [
        ("gpj\\u202Eexe", 15, "must not contain invisible or direction-changing characters"),
        ("two\\nlines", 15, "must be one line (U+000A at character 4)"),
    ],
)
def test_a_hostile_tag_is_an_error_and_never_reaches_the_book(
    project: Path, tag: str, col: int, message: str
) -> None:
    """Tags become the PDF's /Keywords: a direction override (U+202E) or a line break in
    one is an error at its place in check and the strict build; a non-strict build drops
    the article (its front matter is invalid) and its tags with it."""
    rel = "briefing_src/articles/kling-launch.md"
    article = project / rel
    text = article.read_text("utf-8")
    assert "\ntags: [video]\n" in text
    article.write_text(text.replace("\ntags: [video]\n", f'\ntags: [video, "{tag}"]\n'), "utf-8")
    embargo = project / "briefing_src/articles/embargo.md"
    embargo.write_text(
        embargo.read_text("utf-8").replace(
            "date: 2024-10-01\n", "date: 2024-10-01\ntags: [chips]\n"
        ),
        "utf-8",
    )
    where = f"{rel}:6:{col}: error: 'tags[1]': {message}"
    code, lines = check(project)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith(where), lines
    strict = run_build(project)
    assert not strict.ok
    assert any(m.startswith(f"briefing: {where}") for m in strict.messages), strict.messages
    loose = run_build(project, strict=False, pdf=True)
    assert loose.ok, loose.messages
    assert any(m.startswith(f"briefing: {where}") for m in loose.messages), loose.messages
    keywords = metadata(PdfReader(loose.site / "briefing.pdf")).get("/Keywords")
    assert keywords == "chips", keywords  # neither the bad tag nor its article's "video"
    assert not (loose.site / "articles/kling-launch").exists()
    assert "\u202e" not in site_text(loose.site)
