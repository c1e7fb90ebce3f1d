"""The PDF book's cache is an optimisation, never an input (issue 22): a pull request can
commit entries (their names are digests of public code), links, or files in the cache's
place. Each attack goes through the real build; the book is then opened with pypdf and
must hold no attacker's text or action, and nothing outside the cache may change."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader
from test_payloads import DANGEROUS_KEYS, pdf_objects

from briefing.book.cache import FOLDER_KEY, SIGNED, USER_KEY, BookCache
from conftest import BuildResult, run_build

ATTACKER = "ATTACKER TEXT"
CACHE = Path(".cache") / "briefing-pdf"
CACHE_WARNING = ": warning: not used as the PDF book's cache: "


@pytest.fixture
def xdg(tmp_path: Path) -> dict[str, str]:
    """The environment of the builds: the user's cache folder (where the key of a cache
    inside the project is kept) in the test's own folder, and the cache in the project."""
    return {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "BRIEFING_CACHE_DIR": ""}


def build(project: Path, env: dict[str, str], strict: bool = True) -> BuildResult:
    return run_build(project, strict=strict, pdf=True, env=env)


def book_text(result: BuildResult) -> str:
    pdf = PdfReader(result.site / "briefing.pdf")
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


def assert_clean(result: BuildResult) -> None:
    """The book is whole (both articles in it), with nothing of the attacker's: no text,
    no action, links only to http, https and mailto."""
    pdf = PdfReader(result.site / "briefing.pdf")
    text = book_text(result)
    assert "Kling reaches the public" in text and "The chip embargo tightens" in text
    assert ATTACKER not in text and "javascript" not in text.lower()
    for key, value in pdf_objects(pdf.trailer):
        assert key not in DANGEROUS_KEYS, key
        if key == "/URI":
            assert str(value).startswith(("http:", "https:", "mailto:")), value


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under ``folder``: its bytes, or where it points."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def hostile_pdf(path: Path, action: bool = True, link: bool = True) -> None:
    """Rewrite the PDF at ``path`` as an attacker would: the attacker's words on its first
    page, a page action run on opening (/AA) and a link that runs JavaScript."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0]
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        if action:
            page.obj.AA = pikepdf.Dictionary(O=script)
        hostile = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 200, 200],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("javascript:alert(1)")),
        )
        if link:
            annots = [*page.obj.get("/Annots", []), hostile]
            page.obj.Annots = pdf.make_indirect(pikepdf.Array(annots))
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name.FAttacker)
        page.contents_add(
            pdf.make_stream(f"BT /FAttacker 12 Tf 72 72 Td ({ATTACKER}) Tj ET".encode())
        )
        pdf.save(path)


def attacker_entry(entry: dict) -> dict:
    """A page entry with the attacker's markup in place of the page's."""
    markup = f'#link("javascript:alert(1)")[{ATTACKER}]'
    for kind in ("article", "entity"):
        if kind in entry:
            entry[kind]["typ"] = markup
    if "map" in entry:
        entry["map"] = markup
    if "timeline" in entry:
        entry["timeline"][0] = markup
    return entry


def page_entry(path: Path) -> dict:
    """A page entry's data, without its signature line."""
    return json.loads(path.read_bytes().partition(b"\n")[2])


def test_entries_this_machine_did_not_write_are_misses(project: Path, xdg: dict[str, str]) -> None:
    """Committed page entries and laid-out parts under the names the build looks for, in
    the old unsigned form and with a made-up signature: the build reads and lays out the
    pages again (a strict build passes: a miss is no problem) and replaces them."""
    assert build(project, xdg).ok
    cache = project / CACHE
    for n, path in enumerate(sorted((cache / "pages").glob("*.json"))):
        data = json.dumps(attacker_entry(page_entry(path))).encode()
        path.write_bytes(data if n % 2 else SIGNED + b"0" * 64 + b"\n" + data)
    for path in cache.glob("*.pdf"):
        hostile_pdf(path)
    result = build(project, xdg)
    assert result.ok, result.messages
    assert_clean(result)
    # The cache holds this build's entries again, signed, and no attacker's part.
    for path in (cache / "pages").glob("*.json"):
        assert ATTACKER.encode() not in path.read_bytes()
    for path in cache.glob("*.pdf"):
        assert ATTACKER.encode() not in path.read_bytes() and b"/AA" not in path.read_bytes()


def test_signed_entries_of_the_wrong_shape_are_misses(project: Path, xdg: dict[str, str]) -> None:
    """Entries signed with this machine's key (as a damaged or older one is) but whose data
    is not what the build wrote: JSON of the wrong types, another page's entry, a part whose
    PDF is not the one described, huge, a pipe, a folder. No traceback, no hang: misses."""
    assert build(project, xdg).ok
    cache = project / CACHE
    key = bytes.fromhex((Path(xdg["XDG_CACHE_HOME"]) / USER_KEY).read_text().strip())
    store = BookCache(cache, key)
    pages = sorted((cache / "pages").glob("*.json"))
    entries = [page_entry(path) for path in pages]
    other = next(e for e in entries if "entity" in e)
    shapes: list[object] = [
        [],
        "text",
        {"texts": 5, "blocked": []},
        {"texts": [["a.md"]], "blocked": []},
        {"texts": [], "blocked": [], "article": None},
        {"texts": [], "blocked": [], "timeline": [ATTACKER, "not a list"]},
        {**other, "blocked": [], "extra": ATTACKER},
        attacker_entry({**other, "entity": {**other["entity"], "key": "not-this-page"}}),
    ]
    for n, path in enumerate(pages):
        wrong = shapes[n % len(shapes)]
        if "article" in entries[n]:  # an entity's entry under an article's name
            wrong = attacker_entry(other)
        store.write(f"pages/{path.name}", json.dumps(wrong).encode())
    parts = sorted(cache.glob("*.json"))
    laid = json.loads(parts[0].read_bytes().partition(b"\n")[2])
    wrong_parts: list[object] = [
        {**laid, "pages": "1"},
        {**laid, "anchors": 5},
        {**laid, "pdf": [1, "0" * 64]},  # not the PDF beside it
        {**laid, "pdf": [10**12, laid["pdf"][1]]},
        {**laid, "extra": True},
        None,
    ]
    for n, path in enumerate(parts):
        store.write(path.name, json.dumps(wrong_parts[n % len(wrong_parts)]).encode())
    # One entry a huge file (sparse: nothing is written), one a pipe, one a folder.
    with (cache / "pages" / pages[0].name).open("r+b") as file:
        file.truncate(300 * 2**20)
    pages[1].unlink()
    os.mkfifo(pages[1])
    pdf = next(cache.glob("*.pdf"))
    pdf.unlink()
    pdf.mkdir()
    result = build(project, xdg)
    assert result.ok, result.messages
    assert_clean(result)
    assert pages[0].stat().st_size < 2**20 and pages[1].is_file()
    assert pdf.is_dir()  # not a file of the cache's: left alone, the part kept elsewhere


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (lambda pdf: hostile_pdf(pdf, link=False), "holds /AA; the book has none"),
        (
            lambda pdf: hostile_pdf(pdf, action=False),
            "a link acts with /URI 'javascript:alert(1)'; the book's do not",
        ),
        (
            lambda pdf: pdf.write_bytes(b"%PDF-1.7\n" + b"\x00" * 100),
            "is not a PDF that can be read",
        ),
    ],
    ids=["page-action", "javascript-link", "not-a-pdf"],
)
def test_the_join_takes_nothing_active_even_from_a_signed_part(
    project: Path, xdg: dict[str, str], tamper: Callable[[Path], None], problem: str
) -> None:
    """Defence in depth: were an attacker to hold this machine's key, a part with actions,
    or one that cannot be read, still never reaches the book: an error names the part in
    the cache, and no book is written (not part of one)."""
    assert build(project, xdg).ok
    cache = project / CACHE
    key = bytes.fromhex((Path(xdg["XDG_CACHE_HOME"]) / USER_KEY).read_text().strip())
    store = BookCache(cache, key)
    for path in cache.glob("*.json"):
        laid = json.loads(path.read_bytes().partition(b"\n")[2])
        pdf = path.with_suffix(".pdf")
        tamper(pdf)
        data = pdf.read_bytes()
        laid["pdf"] = [len(data), hashlib.sha256(data).hexdigest()]
        store.write(path.name, json.dumps(laid).encode())
    (project / "site").rename(project / "site-before")
    result = build(project, xdg, strict=False)
    [error] = [m for m in result.errors() if "the PDF book was not made" in m]
    assert f"{cache.resolve()}/" in error and problem in error, error
    assert "Traceback" not in "\n".join(result.messages)
    assert not (result.site / "briefing.pdf").exists()


def link_to(target: Path) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target, target_is_directory=True)

    return make


def a_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ATTACKER)


@pytest.mark.parametrize(
    ("where", "make", "problem"),
    [
        (".cache/briefing-pdf", "link", ".cache/briefing-pdf is a symbolic link"),
        (".cache", "link", ".cache is a symbolic link"),
        (".cache/briefing-pdf/pages", "link", ".cache/briefing-pdf/pages is a symbolic link"),
        (".cache/briefing-pdf", "file", ".cache/briefing-pdf is not a folder"),
        (".cache", "file", ".cache is not a folder"),
        (".cache/briefing-pdf/pages", "file", ".cache/briefing-pdf/pages is not a folder"),
    ],
)
def test_a_link_or_a_file_in_the_cache_s_place_is_refused(
    project: Path, tmp_path: Path, xdg: dict[str, str], where: str, make: str, problem: str
) -> None:
    """The folder (or one on its way, or its pages/) is a committed link to a folder
    outside, holding entries under the names the build would write and prune, or a file:
    the build writes, deletes and reads nothing there, and says so."""
    outside = tmp_path / "outside"
    (outside / "pages").mkdir(parents=True)
    for name in ("0123456789abcdef0123456789abcdef.pdf", "0123456789abcdef0123456789abcdef.json"):
        (outside / name).write_text(ATTACKER)
        (outside / "pages" / name).write_text(ATTACKER)
    (outside / "briefing-pdf").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    (link_to(outside) if make == "link" else a_file)(project / where)
    result = build(project, xdg, strict=False)
    assert result.ok
    assert_clean(result)
    warnings = [m for m in result.messages if CACHE_WARNING in m]
    assert [w.removeprefix("briefing: ") for w in warnings] == [
        f".cache/briefing-pdf:1:1{CACHE_WARNING}{problem}; the book is made without it "
        "(a cache is this machine's own, never the repository's: remove it, or set "
        "BRIEFING_CACHE_DIR to a folder outside the project)"
    ], result.messages
    assert snapshot(outside) == before
    if make == "file":
        assert (project / where).read_text() == ATTACKER


def test_linked_entries_are_neither_followed_nor_written_through(
    project: Path, tmp_path: Path, xdg: dict[str, str]
) -> None:
    """Entries that are links to files outside (copies of this machine's own, signed
    entries): not read, replaced by the build's own files, or pruned as links; the files
    they point at are left as they were."""
    assert build(project, xdg).ok
    cache = project / CACHE
    outside = tmp_path / "outside"
    outside.mkdir()
    entries = [*cache.glob("*.json"), *cache.glob("*.pdf"), *(cache / "pages").glob("*.json")]
    for n, path in enumerate(entries):
        target = outside / f"{n}-{path.name}"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    stale = cache / "pages" / ("f" * 32 + ".json")  # a name no page has: pruned
    stale.symlink_to(outside / "0-victim.json")
    (outside / "0-victim.json").write_text(ATTACKER)
    # What a stopped build left two days ago (removed, a link as a link), and today (kept).
    day = 24 * 3600
    (cache / ".new-old").mkdir()
    (cache / ".new-old" / "part.pdf").symlink_to(outside / "0-victim.json")
    (cache / ".new-link").symlink_to(outside, target_is_directory=True)
    (cache / ".new-today").mkdir()
    for left in (".new-old", ".new-link"):
        os.utime(cache / left, (0, time.time() - 2 * day), follow_symlinks=False)
    before = snapshot(outside)
    result = build(project, xdg)
    assert result.ok, result.messages
    assert_clean(result)
    assert snapshot(outside) == before
    assert not stale.is_symlink() and not stale.exists()
    assert sorted(p.name for p in cache.glob(".new-*")) == [".new-today"]
    assert not [p for p in cache.rglob("*") if p.is_symlink()]


def test_a_cache_tracked_by_git_is_refused_by_the_build_and_by_check(
    project: Path, xdg: dict[str, str]
) -> None:
    """A pull request's entries, committed: the build does not use the folder (a warning
    naming it, so the strict build fails), and ``briefing check`` says the same."""
    assert build(project, xdg).ok
    page = next((project / CACHE / "pages").glob("*.json"))
    for command in (["init", "-q"], ["add", "-f", str(page)]):
        subprocess.run(["git", *command], cwd=project, check=True, capture_output=True)
    message = (
        f".cache/briefing-pdf:1:1{CACHE_WARNING}git tracks 1 file in it; the book is made "
        "without it"
    )
    assert not build(project, xdg).ok  # strict: a warning fails it
    result = build(project, xdg, strict=False)
    assert result.ok and [m for m in result.messages if message in m], result.messages
    assert_clean(result)
    check = subprocess.run(
        [str(Path(sys.executable).parent / "briefing"), "check"],
        cwd=project,
        env={**os.environ, **xdg, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 1 and message in check.stdout, check.stdout + check.stderr
    assert "Traceback" not in check.stderr


def test_the_cache_outside_the_project(project: Path, tmp_path: Path, xdg: dict[str, str]) -> None:
    """BRIEFING_CACHE_DIR (as CI sets it) puts the cache, and its key, outside the
    project: what the checkout holds at .cache/briefing-pdf is never looked at."""
    (project / CACHE / "pages").mkdir(parents=True)
    (project / CACHE / "pages" / ("0" * 32 + ".json")).write_text(ATTACKER)
    committed = snapshot(project / ".cache")
    outside = tmp_path / "ci-cache"
    env = {**xdg, "BRIEFING_CACHE_DIR": str(outside)}
    assert build(project, env).ok
    parts = snapshot(outside)
    assert FOLDER_KEY in parts and any(name.startswith("pages/") for name in parts)
    assert not (Path(xdg["XDG_CACHE_HOME"]) / USER_KEY).exists()
    result = build(project, env)
    assert result.ok, result.messages
    assert_clean(result)
    assert snapshot(outside).keys() == parts.keys()  # all from the cache, none replaced
    assert snapshot(project / ".cache") == committed


def test_a_repository_planted_in_the_cache_runs_nothing(
    project: Path, tmp_path: Path, xdg: dict[str, str]
) -> None:
    """From an archive, the cache folder can hold a ``.git`` of the attacker's whose
    configuration runs a program on ``git ls-files`` (core.fsmonitor): git is asked in the
    project, with fsmonitor off, so nothing runs; the entries are misses as ever."""
    cache = project / CACHE
    (cache / "pages").mkdir(parents=True)
    (cache / "pages" / ("0" * 32 + ".json")).write_text(ATTACKER)
    marker = tmp_path / "ran"
    for command in (
        ["init", "-q"],
        ["add", "-f", "pages"],
        ["config", "core.fsmonitor", f"touch {marker}; false"],
    ):
        subprocess.run(["git", *command], cwd=cache, check=True, capture_output=True)
    result = build(project, xdg)
    assert result.ok, result.messages
    assert_clean(result)
    assert not marker.exists()
