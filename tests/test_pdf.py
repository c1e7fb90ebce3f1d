"""The PDF book, opened with pypdf: structure, links, text, fonts and the page index."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, Destination, DictionaryObject, PdfObject, StreamObject

from briefing.book.progress import Progress
from briefing.core.sources import load_briefing
from conftest import ROOT, BuildResult, configure, metadata, run_build, write

sys.path.insert(0, str(ROOT / "benchmarks"))  # floods.py makes the picture bombs


def reader(result: BuildResult) -> PdfReader:
    return PdfReader(result.site / "briefing.pdf")


def dictionary(value: object) -> DictionaryObject:
    """A PDF dictionary, through its reference if it is one; the test fails on anything
    else (pypdf types what a dictionary holds as any PDF object)."""
    found = value.get_object() if isinstance(value, PdfObject) else value
    assert isinstance(found, DictionaryObject), found
    return found


def known(number: int | None) -> int:
    """A page number pypdf found; the test fails when a link or bookmark leads nowhere."""
    assert number is not None, "a destination on no page of the book"
    return number


def page_texts(pdf: PdfReader) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in pdf.pages]


def outline_titles(items: list, depth: int = 0) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for item in items:
        if isinstance(item, list):
            out.extend(outline_titles(item, depth + 1))
        else:
            out.append((depth, item.title))
    return out


def links(pdf: PdfReader) -> tuple[list[str], list[int]]:
    """External URIs, and the target page (0-based) of every internal link."""
    uris: list[str] = []
    targets: list[int] = []
    names = pdf.named_destinations
    for page in pdf.pages:
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            if action is not None and action.get("/S") == "/URI":
                uris.append(str(action["/URI"]))
            elif "/Dest" in annot:
                dest = annot["/Dest"]
                target = names.get(str(dest), dest)
                if isinstance(target, Destination):
                    targets.append(known(pdf.get_destination_page_number(target)))
                else:
                    targets.append(known(pdf.get_page_number(target[0].get_object())))
    return uris, targets


def test_fixture_book_structure(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    texts = page_texts(pdf)
    assert 6 <= len(pdf.pages) <= 20
    meta = metadata(pdf)
    assert meta.title == "Fixture briefing"
    assert meta.author == "Fixture editors"
    assert meta.subject == "A small briefing for the tests."
    assert meta.get("/Keywords") == "video"
    assert meta.get("/Producer")
    assert pdf.root_object.get("/Lang") == "en"
    outline = outline_titles(pdf.outline)
    assert (0, "The chip embargo tightens") in outline
    assert (0, "Kling reaches the public") in outline
    assert (0, "Glossary") in outline and (0, "Timeline") in outline
    assert {(1, "Kling"), (1, "Kuaishou"), (1, "US chip embargo")} <= set(outline)
    # Cover, then contents with page numbers.
    assert "Fixture briefing" in texts[0]
    assert re.search(r"Kling reaches the public[ .]*\d+", texts[1]), texts[1]
    # Chinese aliases are real text, not images or blank boxes.
    assert "可灵" in " ".join(texts) and "快手" in " ".join(texts)


def test_fixture_book_links(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    uris, targets = links(pdf)
    assert "https://example.org/wire" in uris
    assert "https://klingai.com/" in uris
    texts = page_texts(pdf)
    glossary = next(i for i, t in enumerate(texts) if t.startswith("Glossary"))
    # Contents entries, entity mentions and the index all jump inside the book.
    assert len(targets) >= 15
    assert all(0 <= t < len(pdf.pages) for t in targets)
    assert any(t >= glossary for t in targets)  # mentions -> glossary appendix
    assert any(t < glossary for t in targets)  # contents and index -> articles
    # An external link shows its address in print, once.
    wire = [t for t in texts if "(https://example.org/wire)" in t]
    assert len(wire) == 1


def test_annotation_notes_are_footnotes_on_the_page_of_their_quote(basic_pdf: BuildResult) -> None:
    texts = page_texts(reader(basic_pdf))
    pairs = [
        ("opened Kling to the public", "Checked against the company"),
        ("Kling AI is also sold abroad", "Which markets?"),
        ("a bold rival to Sora", "The comparison with Sora"),
    ]
    for quote, note in pairs:
        pages = [i for i, t in enumerate(texts) if quote in t]
        assert pages, quote
        assert note in texts[pages[0]], (quote, note)
    kinds = " ".join(texts)
    assert "Fact-check" in kinds or "FACT-CHECK" in kinds


def index_entries(pdf: PdfReader, names: dict[str, str]) -> dict[str, list[int]]:
    """The printed 'Mentioned on pages 3, 4' of each glossary entry, by entity id: found
    after the entry's title line, between the page its bookmark points to and the next
    entry's page."""
    raw = [page.extract_text() or "" for page in pdf.pages]
    by_name = {name: entity for entity, name in names.items()}
    found: dict[str, list[int]] = {}
    outline = pdf.outline
    glossary = outline[
        outline.index(next(i for i in outline if not isinstance(i, list) and i.title == "Glossary"))
        + 1
    ]
    items = list(glossary)
    starts = [known(pdf.get_destination_page_number(item)) for item in items]
    for n, item in enumerate(items):
        entity = by_name[item.title]
        page = starts[n]
        # An entry can run over more than one page break: read up to the next entry's page.
        end = starts[n + 1] if n + 1 < len(items) else len(raw) - 1
        text = "\n".join(raw[page : max(end, page + 1) + 1])
        lines = text.split("\n")
        start = next(i for i, line in enumerate(lines) if line.strip() == item.title)
        rest = " ".join(lines[start + 1 :])
        match = re.search(r"Mentioned on pages? ([\d ,]+)|Not mentioned", rest)
        assert match, item.title
        found[entity] = [int(n) for n in re.findall(r"\d+", match.group(1) or "")]
    return found


def check_index(result: BuildResult) -> int:
    briefing, _ = load_briefing(result.project)
    pdf = reader(result)
    texts = [t.casefold() for t in page_texts(pdf)]
    entries = index_entries(pdf, {e.id: e.name for e in briefing.entities.values()})
    assert len(entries) == len(briefing.entities)
    # Each printed number is a link to the mention it counts.
    destinations = pdf.named_destinations
    linked: dict[str, set[int]] = {}
    for page in pdf.pages:
        for ref in page.get("/Annots") or []:
            dest = str(ref.get_object().get("/Dest", ""))
            found = re.fullmatch(r"m\.([^.]+)\..+\.\d+", dest)
            if found and dest in destinations:
                number = known(pdf.get_destination_page_number(destinations[dest])) + 1
                linked.setdefault(found.group(1), set()).add(number)
    assert {e: sorted(p) for e, p in linked.items()} == {e: p for e, p in entries.items() if p}
    # And the page names the entity: by one of its names, or in an explicit link's own
    # words ([[samr|market regulator]]), where the glossary link is the mention.
    checked = named = 0
    for entity, pages in entries.items():
        names = [" ".join(n.split()).casefold() for n in briefing.entities[entity].names]
        for number in pages:
            in_text = any(name in texts[number - 1] for name in names)
            assert in_text or number in linked[entity], (entity, number)
            checked += 1
            named += in_text
    assert named >= checked * 0.9, (named, checked)  # mostly by name
    return checked


def test_index_page_numbers_are_where_the_mentions_are(basic_pdf: BuildResult) -> None:
    assert check_index(basic_pdf) >= 5


def test_fonts_are_embedded(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    embedded = set()
    for page in pdf.pages:
        fonts = dictionary(page["/Resources"]).get("/Font") or {}
        for ref in fonts.values():
            font = dictionary(ref)
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(target.get("/BaseFont")))
    assert any("CJK" in name for name in embedded), embedded


def write_embargo(project: Path, body: str) -> None:
    """The fixture's chip-embargo article, with ``body`` as its text (from line 6)."""
    (project / "briefing_src/articles/embargo.md").write_text(
        f"---\ntitle: The chip embargo tightens\ndate: 2024-10-01\n---\n\n{body}", "utf-8"
    )


def test_a_glyph_no_font_has_is_an_error_naming_the_text(project: Path) -> None:
    write_embargo(project, "A scribe wrote 𓀀 on the wall.\n")
    result = run_build(project, pdf=True)
    assert not result.ok
    errors = [e.removeprefix("briefing: ") for e in result.errors()]
    assert len(errors) == 1
    # at the character itself (line 6, after "A scribe wrote ")
    assert errors[0].startswith("briefing_src/articles/embargo.md:6:16: error: no font for the PDF")
    assert "U+13000" in errors[0] and "A scribe wrote" in errors[0]


def test_html_nested_too_deep_is_an_error_and_the_book_is_still_made(project: Path) -> None:
    # 250 nested <div> made the PDF's layout a RecursionError (a traceback, no book).
    deep = "<div>" * 250 + "deep text" + "</div>" * 250
    code = "`" + "<div>" * 40 + "`"  # shown, not made: not counted
    write_embargo(project, f"Code such as {code} is fine.\n\n{deep}\n\nAfter the flood.\n")
    result = run_build(project, strict=False, pdf=True)
    assert result.ok
    errors = [e.removeprefix("briefing: ") for e in result.errors()]
    assert errors == ["briefing_src/articles/embargo.md:8:1: error: HTML nested more than 30 deep"]
    text = "".join(page.extract_text() for page in PdfReader(project / "site/briefing.pdf").pages)
    assert "deep text" in text and "After the flood." in text
    html = (project / "site/articles/embargo/index.html").read_text(encoding="utf-8")
    assert "&lt;div&gt;" * 40 in html  # the code span kept every tag it shows


def test_a_layout_that_runs_too_long_is_stopped_and_named(project: Path) -> None:
    # Typst lays out a long unbroken run of escaped characters in quadratic time (100,000
    # '<' took 20 s, a megabyte would take most of an hour): each layout process has a
    # time limit, here cut to 0.2 s so that any part goes over it.
    write_embargo(project, "<" * 20_000 + "\n")
    result = run_build(project, pdf=True, env={"BRIEFING_PDF_PART_SECONDS": "0.2"})
    assert not result.ok
    stopped = [e for e in result.errors() if "took longer than 0.2 s" in e]
    assert stopped and "the PDF book was not made: Typst could not lay out" in stopped[0]
    assert not (project / "site/briefing.pdf").exists()


def test_cells_spanning_100000_columns_and_rows_are_clamped_in_the_book(project: Path) -> None:
    # The flood: such a table took the PDF 71 s instead of 2 (benchmarks/floods.py
    # times it); the spans are cut to MAX_SPAN in the page, so the book too is made of it.
    from briefing.core.safety import MAX_SPAN

    cell = "<td colspan=100000 rowspan=100000>cell</td>"
    rows = "".join(f"<tr>{cell * 10}</tr>" for _ in range(5))
    write_embargo(project, f"A table.\n\n<table>{rows}</table>\n\nAfter the table.\n")
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    page = result.html("articles/embargo/index.html")
    spans = {(td["colspan"], td["rowspan"]) for td in page.select("article table td")}
    assert spans == {(str(MAX_SPAN), str(MAX_SPAN))}
    assert len(page.select("article table td")) == 50
    text = " ".join(page_texts(reader(result)))
    assert text.count("cell") == 50 and "After the table." in text


def test_the_book_fetches_nothing_from_the_network(project: Path) -> None:
    write_embargo(project, "![A chart](https://example.org/chart.png)\n")
    result = run_build(project, pdf=True)
    assert not result.ok
    assert [e.removeprefix("briefing: ") for e in result.errors()] == [
        "briefing_src/articles/embargo.md:6:12: error: the PDF does not fetch "
        "https://example.org/chart.png; it prints the picture's alternative text"
    ]


PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d7"
    "63f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def test_a_picture_typst_cannot_read_is_its_alt_text_and_a_warning(project: Path) -> None:
    (project / "docs/img").mkdir(parents=True)
    (project / "docs/img/chart.png").write_bytes(PNG_1X1)
    (project / "docs/img/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not a picture" * 50)
    write_embargo(
        project,
        "A chart: ![A real chart](../img/chart.png) and a broken one:\n![A broken chart](../img/broken.png)\n",
    )
    result = run_build(project, strict=False, pdf=True)
    assert result.ok, result.messages
    warnings = [m.removeprefix("briefing: ") for m in result.messages if ": warning: " in m]
    (warning,) = [w for w in warnings if "picture" in w]
    assert warning.startswith(  # where the article shows it
        "briefing_src/articles/embargo.md:7:26: warning: the PDF book cannot show the picture "
        "img/broken.png (has no picture header that can be read)"
    ), warning
    assert warning.endswith("it prints its alternative text instead")
    text = " ".join(page_texts(reader(result)))
    assert "[A broken chart]" in text  # only the broken picture is its alternative text
    assert "[A real chart]" not in text
    assert sum(len(page.images) for page in reader(result).pages) == 1  # the real chart
    assert not run_build(project, strict=True, pdf=True).ok


@pytest.mark.parametrize("paper, width", [("a4", 595), ("letter", 612)])
def test_paper_size(project: Path, paper: str, width: int) -> None:
    configure(project, {"paper": paper})
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    assert round(float(reader(result).pages[0].mediabox.width)) == width


def test_site_links_the_book(basic_pdf: BuildResult) -> None:
    soup = basic_pdf.html("articles/kling-launch/index.html")
    link = [a for a in soup.select("nav.md-nav--primary a") if "Download PDF" in a.get_text()]
    assert link and link[0]["href"] == "../../briefing.pdf"


def test_no_pdf_when_turned_off(basic_site: BuildResult) -> None:
    assert not (basic_site.site / "briefing.pdf").exists()
    assert "Download PDF" not in basic_site.html("index.html").get_text()


def test_shipped_briefing_book(shipped_pdf: BuildResult) -> None:
    pdf = reader(shipped_pdf)
    briefing, _ = load_briefing(shipped_pdf.project)
    outline = outline_titles(pdf.outline)
    for article in briefing.articles:
        assert (0, article.title) in outline
    assert sum(1 for depth, _ in outline if depth == 1) == len(briefing.entities)
    texts = " ".join(page_texts(pdf))
    for alias in ("可灵", "快手", "百度", "李彦宏"):
        assert alias in texts
    assert metadata(pdf).title == "China's open-source AI push"
    assert check_index(shipped_pdf) >= 50


def test_appendix_has_the_map_and_the_timeline_as_figures(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    texts = page_texts(pdf)
    outline = outline_titles(pdf.outline)
    titles = [title for depth, title in outline if depth == 0]
    assert titles.index("Glossary") < titles.index("Entity map") < titles.index("Timeline")
    assert re.search(r"Entity map[ .]*\d+", texts[1])  # in the contents
    (map_page,) = [i for i, t in enumerate(texts) if t.startswith("Entity map")]
    page = pdf.pages[map_page]
    assert page.mediabox.width > page.mediabox.height  # a landscape page
    # The map's labels are text on the page: every entity is drawn, with its key.
    for name in ("Kling", "Kuaishou", "OpenAI", "Sora", "US chip embargo", "Entity types:"):
        assert name in texts[map_page], name
    assert "untick" not in texts[map_page]  # the site's filter is a plain key on paper
    (timeline_page,) = [i for i, t in enumerate(texts) if t.startswith("Timeline")]
    assert "Articles" in texts[timeline_page] and "Companies" in texts[timeline_page]
    assert "2024-10-01" in texts[timeline_page]  # the list is kept below the picture


# --------------------------------------------------------------------------- accessibility


def marked_texts(pdf: PdfReader) -> dict[tuple[int, int], str]:
    """(page, marked-content id) -> the text drawn inside that marked content."""
    return {
        (number, mcid): text
        for number, page in enumerate(pdf.pages)
        for mcid, text in page_marked_texts(page).items()
    }


def page_marked_texts(page: PageObject) -> dict[int, str]:
    texts: dict[int, str] = {}
    stack: list[int | None] = []

    def before(op: bytes, args: list, cm: object, tm: object) -> None:
        if op == b"BDC":
            props = args[1] if len(args) > 1 else None
            stack.append(props.get("/MCID") if isinstance(props, dict) else None)
        elif op == b"BMC":
            stack.append(None)
        elif op == b"EMC" and stack:
            stack.pop()

    def text(t: str, cm: object, tm: object, font: object, size: object) -> None:
        if stack and stack[-1] is not None:
            texts[int(stack[-1])] = texts.get(int(stack[-1]), "") + t

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def structure(pdf: PdfReader) -> tuple[str, list[dict]]:
    """What a screen reader reads: the marked text in the order of the structure tree;
    and the tree's Figure elements."""
    texts = marked_texts(pdf)
    refs = [p.indirect_reference for p in pdf.pages]
    assert None not in refs
    pages = {r.idnum: i for i, r in enumerate(refs) if r is not None}
    out: list[str] = []
    figures: list[dict] = []

    def walk(node: object, page: int | None) -> None:
        elem = dictionary(node)
        if "/Pg" in elem:
            page = pages[elem.raw_get("/Pg").idnum]
        if elem.get("/S") == "/Figure":
            figures.append(elem)
        kids = elem.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int):
                out.append(texts.get((page, kid), "") if page is not None else "")
            elif kid.get_object().get("/Type") != "/OBJR":
                walk(kid, page)

    walk(pdf.root_object["/StructTreeRoot"], None)
    return " ".join(" ".join(out).split()), figures


def name_tree_keys(node: object) -> list[str]:
    tree = dictionary(node)
    names = tree.get("/Names") or []
    keys = [str(names[i]) for i in range(0, len(names), 2)]
    for kid in tree.get("/Kids") or []:
        keys.extend(name_tree_keys(kid))
    return keys


def test_the_book_is_a_tagged_pdf_ua_document(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    root = pdf.root_object
    assert dictionary(root["/MarkInfo"])["/Marked"] == True  # noqa: E712 (a BooleanObject)
    assert root["/Lang"] == "en"
    assert dictionary(root["/ViewerPreferences"])["/DisplayDocTitle"] == True  # noqa: E712
    stream = root["/Metadata"]
    assert isinstance(stream, StreamObject)
    xmp = stream.get_data()
    assert b"pdfuaid:part>1<" in xmp or b'pdfuaid:part="1"' in xmp
    tree = dictionary(root["/StructTreeRoot"])
    kids = tree["/K"]
    assert isinstance(kids, ArrayObject)
    (document,) = kids
    assert document.get_object()["/S"] == "/Document"
    # One parent-tree entry per page, none shared: the joined parts were renumbered.
    keys = [page["/StructParents"] for page in pdf.pages]
    assert len(set(keys)) == len(pdf.pages)
    nums = dictionary(tree["/ParentTree"])["/Nums"]
    assert isinstance(nums, ArrayObject)
    assert set(keys) <= set(nums[::2])
    assert len(set(nums[::2])) == len(nums) // 2
    assert tree["/ParentTreeNextKey"] > max(nums[::2])
    # Every element id (each footnote's Note has one) is unique in the book and found in
    # its id tree, though the parts were laid out apart and each counts its notes from 1.
    ids: list[str] = []

    def walk(node: object) -> None:
        elem = dictionary(node)
        if "/ID" in elem:
            ids.append(str(elem["/ID"]))
        kids = elem.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if not isinstance(kid, int) and kid.get_object().get("/Type") not in ("/OBJR", "/MCR"):
                walk(kid)

    walk(tree)
    assert len(ids) >= 3 and len(set(ids)) == len(ids)
    assert sorted(ids) == sorted(name_tree_keys(tree["/IDTree"]))


def test_a_screen_reader_reads_the_notes_the_index_and_the_figures(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    text, figures = structure(pdf)
    # The articles, their footnotes and the glossary's index are in the structure tree,
    # in reading order: a quote, then its note.
    quote = text.index("opened Kling to the public")
    assert quote < text.index("Checked against the company")
    assert "Kling reaches the public" in text and "可灵" in text
    assert re.search(r"Mentioned on pages? \d+", text)
    # Every picture has alternative text; the map's and the timeline's say what they show.
    assert figures and all(str(f.get("/Alt", "")).strip() for f in figures)
    alts = [str(f["/Alt"]) for f in figures]
    assert any(alt.startswith("Entity map: ") for alt in alts), alts
    assert any(alt.startswith("Timeline: ") for alt in alts), alts
    # Page numbers are pagination artifacts: printed, but not read out in the text.
    assert "Current as of 1 October 2024" in text


def test_current_as_of_is_on_the_cover_and_in_the_metadata(basic_pdf: BuildResult) -> None:
    pdf = reader(basic_pdf)
    assert "Current as of 1 October 2024" in page_texts(pdf)[0]  # the newest article's date
    assert metadata(pdf).get("/CurrentAsOf") == "2024-10-01"


def test_current_as_of_can_be_set(project: Path) -> None:
    configure(project, {"current_as_of": "2025-03-12"})
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    pdf = reader(result)
    assert "Current as of 12 March 2025" in page_texts(pdf)[0]
    assert metadata(pdf).get("/CurrentAsOf") == "2025-03-12"


def test_page_numbers_are_printed_on_every_page_but_the_cover(basic_pdf: BuildResult) -> None:
    texts = [page.extract_text() or "" for page in reader(basic_pdf).pages]
    for number, text in enumerate(texts[1:], 2):
        assert re.search(rf"(^|\n){number}(\n|$)", text), (number, text[-200:])


# --------------------------------------------------------------------------- progress, cache


def briefing_pdf(project: Path, out: Path) -> str:
    command = [str(Path(sys.executable).parent / "briefing"), "pdf", "-o", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_briefing_pdf_says_what_it_does_and_lays_out_only_what_changed(
    project: Path, tmp_path: Path
) -> None:
    for n in range(14):  # 16 articles: two parts, the 10 oldest and the 6 newest
        write(
            project,
            {
                f"briefing_src/articles/older-{n}.md": f"""
            ---
            title: Older story {n}
            date: 2023-01-{n + 1:02d}
            ---

            Kuaishou said little in January, story {n}.
        """
            },
        )
    cold = briefing_pdf(project, tmp_path / "cold.pdf")
    lines = cold.splitlines()
    # One line per stage in a log (no terminal here), and no stray library warnings.
    assert lines[0].startswith("PDF book: reading ")
    assert (
        "PDF book: laying out 16 of 16 articles, the map, the timeline, the page numbers" in lines
    ), cold
    # The glossary is laid out once: the contents are measured first, with wide numbers.
    assert lines[2:5] == [
        "PDF book: laying out the cover and contents, to count their pages",
        "PDF book: laying out the glossary",
        "PDF book: laying out the cover and contents",
    ], cold
    assert re.search(r"^PDF book: writing \d+ pages to briefing\.pdf$", cold, re.M), cold
    assert lines[-1] == f"wrote {tmp_path / 'cold.pdf'}"
    assert "\r" not in cold and "anchor" not in cold and "WARNING" not in cold.upper(), cold
    cache = project / ".cache" / "briefing-pdf"
    parts = sorted(cache.glob("*.pdf"))
    assert len(parts) == 8  # 2 of articles, map, timeline, digits, front measured, glossary, front
    # The book's reading of each page is kept too: 16 articles, the entities, map, timeline.
    read = sorted((cache / "pages").glob("*.json"))
    entities = len(list((project / "briefing_src/entities").glob("*.yml")))
    assert len(read) == 16 + entities + 2
    # Unchanged: nothing laid out again, the same book.
    warm = briefing_pdf(project, tmp_path / "warm.pdf")
    assert "PDF book: all 16 articles unchanged, from the cache" in warm.splitlines(), warm
    assert "laying out" not in warm, warm
    assert "not used" not in warm, warm  # every page's reading taken from the cache
    assert sorted(cache.glob("*.pdf")) == parts
    cold_texts = page_texts(PdfReader(tmp_path / "cold.pdf"))
    assert page_texts(PdfReader(tmp_path / "warm.pdf")) == cold_texts
    # The newest article edited: only its part (the 6 newest) is laid out again, and the
    # part it replaces leaves the cache.
    article = project / "briefing_src/articles/kling-launch.md"
    article.write_text(article.read_text() + "\nA sentence added later.\n")
    edited = briefing_pdf(project, tmp_path / "edited.pdf")
    assert "PDF book: laying out 6 of 16 articles" in edited.splitlines(), edited
    assert len(set(cache.glob("*.pdf")) - set(parts)) <= 3  # that part, glossary, contents
    assert len(list(cache.glob("*.pdf"))) == len(parts)
    # Only the edited article's page was read again; the entry it replaces is gone.
    assert len(set((cache / "pages").glob("*.json")) - set(read)) == 1
    assert len(list((cache / "pages").glob("*.json"))) == len(read)
    assert "A sentence added later." in " ".join(page_texts(PdfReader(tmp_path / "edited.pdf")))


def test_what_the_book_cannot_print_is_reported_where_it_was_written(project: Path) -> None:
    # Issue 22: each made Typst refuse the book (reported at mkdocs.yml:1:1, if at all);
    # an unreadable inline SVG took every picture of its part with it.
    (project / "docs/img").mkdir(parents=True)
    (project / "docs/img/chart.png").write_bytes(PNG_1X1)
    long_name = "a" * 300 + ".png"  # longer than a file name may be: no crash
    write_embargo(
        project,
        "## <span></span>\n\n"  # line 6
        "Pasted \u0092 and \U0010ffff.\n\n"  # line 8
        f"A chart ![A real chart](../img/chart.png), ![A lost one](../img/{long_name}),\n"
        'a mark <svg width="0"></svg> and a good one '
        '<svg viewBox="0 0 10 10"><path d="M0 0L10 10"/></svg>.\n\n'  # line 11
        f"[A long address](https://example.org/{'a' * 8100}).\n",  # line 13
    )
    result = run_build(project, strict=False, pdf=True)
    assert result.ok, result.messages
    problems = sorted(
        m.removeprefix("briefing: ").split(" (")[0].split(" in ")[0]
        for m in result.messages
        if m.startswith("briefing: briefing_src/")
    )
    article = "briefing_src/articles/embargo.md"
    assert problems == [
        f"{article}:11:8: warning: the PDF book cannot show an inline SVG picture",
        f"{article}:13:18: error: the PDF book cannot link an address of 8,120 characters",
        f"{article}:6:1: error: heading without text: the PDF book",
        f"{article}:8:14: error: the PDF book cannot print the noncharacter U+10FFFF",
        f"{article}:8:8: error: the PDF book cannot print the control character U+0092",
    ], problems
    # MkDocs names the lost picture; the book shows its alternative text.
    assert any(long_name in m and "is not found" in m for m in result.messages)
    pdf = reader(result)
    text = " ".join(page_texts(pdf))
    assert "Pasted \ufffd and \ufffd." in text and "A long address." in text
    assert "[A lost one]" in text and "[A real chart]" not in text
    assert "[Key:" in text  # the SVG Typst could not read, and only it
    assert sum(len(page.images) for page in pdf.pages) == 1  # the real chart is printed
    assert not run_build(project, strict=True, pdf=True).ok


def test_emoji_print_in_colour(project: Path) -> None:
    # Issue 21: an emoji was a build error ("no font has the character").
    write_embargo(project, "Launch day \U0001f680, flags \U0001f1e8\U0001f1f3, \u2764\ufe0f.\n")
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    pdf = reader(result)
    (page,) = [p for p in pdf.pages if "Launch day" in (p.extract_text() or "")]
    assert "Launch day \U0001f680, flags \U0001f1e8\U0001f1f3, \u2764\ufe0f." in page.extract_text()
    fonts = {
        str(dictionary(f).get("/Name"))
        for f in dictionary(dictionary(page["/Resources"])["/Font"]).values()
    }
    assert "/NotoColorEmoji" in fonts  # drawn from the colour font, not DejaVu's outlines


def test_picture_bombs_are_measured_never_decoded(project: Path, tmp_path: Path) -> None:
    # Issue 22: a 35-byte GIF declaring 65,535 x 65,535 pixels (a 17 GB allocation in
    # Typst) and a 100,000 x 100,000 PNG, in check, the build, and a book made from a
    # site that another host built (its pictures never vetted by the plugin).
    from floods import gif_bomb, png_bomb
    from PIL import Image

    pictures = project / "docs/img"
    pictures.mkdir(parents=True)
    Image.new("P", (1, 1)).save(pictures / "bomb.gif")
    (pictures / "bomb.png").write_bytes(PNG_1X1)
    write_embargo(project, "![A gif](../img/bomb.gif) and ![A png](../img/bomb.png).\n")
    site = tmp_path / "other-host"  # its pictures are published and linked: bombs later
    assert run_build(project).ok
    shutil.copytree(project / "site", site)
    (pictures / "bomb.gif").write_bytes(gif_bomb())
    (pictures / "bomb.png").write_bytes(png_bomb())
    (site / "img/bomb.gif").write_bytes(gif_bomb())
    (site / "img/bomb.png").write_bytes(png_bomb())
    # Each command in a process whose children's peak memory is measured.
    script = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(done.stdout + done.stderr)\n"
    )
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "BRIEFING_PDF": "1"}

    def run(*args: str) -> tuple[int, int, str]:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=project,
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        head, _, output = done.stdout.partition("\n")
        code, peak = head.split()
        return int(code), int(peak), output

    code, peak, output = run(str(bin_dir / "briefing"), "check")
    assert code == 1 and peak < 1_000_000, (peak, output)  # kB: not the 17 GB asked for
    for name in ("bomb.gif", "bomb.png"):
        assert f"docs/img/{name}:1:1: error: this picture declares more pixels than" in output
    code, peak, output = run(sys.executable, "-m", "mkdocs", "build", "-d", "built")
    assert code == 0 and peak < 1_000_000, (peak, output)
    assert "docs/img/bomb.gif:1:1: error: this picture declares" in output
    assert not (project / "built/img/bomb.gif").exists()  # not published
    out = tmp_path / "book.pdf"
    code, peak, output = run(str(bin_dir / "briefing"), "pdf", "--site", str(site), "-o", str(out))
    assert code == 1 and peak < 1_000_000, (peak, output)  # the book measures them itself
    for column, name in ((17, "bomb.gif"), (47, "bomb.png")):
        assert (
            f"briefing_src/articles/embargo.md:6:{column}: warning: the PDF book cannot show "
            f"the picture img/{name} (declares more pixels than the limits allow" in output
        ), output
    text = " ".join(page_texts(PdfReader(out)))
    assert "[A gif] and [A png]." in text


def test_headings_without_words_are_errors_at_their_lines(project: Path) -> None:
    # Typst takes a heading's title from its text: an icon (inline SVG, to which the book
    # gives a <title>), a picture or a comment is none ("heading title is empty").
    write_embargo(
        project,
        '## <svg viewBox="0 0 10 10"><path d="M0 0L10 10"/></svg>\n\n'
        "Words.\n\n### <!-- a comment -->\n\n#\n\n## A heading with words\n\nThe end.\n",
    )
    result = run_build(project, strict=False, pdf=True)
    assert result.ok, result.messages
    lines = sorted(e.removeprefix("briefing: ").split(": error:")[0] for e in result.errors())
    article = "briefing_src/articles/embargo.md"
    assert lines == [f"{article}:10:1", f"{article}:12:1", f"{article}:6:1"], result.messages
    text = " ".join(page_texts(reader(result)))
    assert "Words." in text and "A heading with words The end." in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_books_counter_rewrites_its_line_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a terminal the counter goes back to the start of its line (a carriage return,
    then erase to the end of the line), it does not print the escapes as text."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    said: list[str] = []
    progress = Progress(said.append)
    progress.count("parts", 1, 3)
    progress.stage("joined")
    assert terminal.getvalue() == "\r  PDF book: parts 1 of 3\x1b[K\r\x1b[K"
    assert said == ["PDF book: joined"]
