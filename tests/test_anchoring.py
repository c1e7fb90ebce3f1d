"""Quote anchoring: every rule is a row of cases/anchoring.yml, run on real rendered HTML."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from briefing.core.anchoring import Anchor, AnchorProblem, Span, TextIndex, highlight, locate

WS = ["", " ", "  ", "\n", " \n\t ", "\u3000", "\u00a0 "]
CASES = yaml.safe_load((Path(__file__).parent / "cases" / "anchoring.yml").read_text("utf-8"))


def render(text: str) -> etree.Element:
    md = markdown.Markdown()
    html = md.convert(text)
    return etree.fromstring(f"<div>{html}</div>")


def make_mark(spans: list[Span]) -> etree.Element:
    mark = etree.Element("mark")
    mark.set("data-n", str(spans[0].number))
    return mark


def make_marker(span: Span) -> etree.Element:
    button = etree.Element("button")
    button.set("data-n", str(span.number))
    return button


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_anchoring_rule(case: dict) -> None:
    root = render(case["markdown"])
    visible_before = "".join(root.itertext())
    index = TextIndex(root)
    found = locate(index, case["quote"], case.get("prefix", ""), case.get("suffix", ""))
    if "error" in case:
        assert isinstance(found, AnchorProblem)
        assert case["error"] in found.message
        return
    assert isinstance(found, Anchor), found
    occurrences = index.find_all(index.text[found.start : found.end])
    assert occurrences.index(found.start) + 1 == case.get("occurrence", 1)
    highlight(index, [Span(found.start, found.end, 1, "context")], make_mark, make_marker)
    marks = root.findall(".//mark")
    highlighted = "".join(m.text or "" for m in marks)
    assert highlighted.split() == case["expect"].split() or (
        "".join(highlighted.split()) == "".join(case["expect"].split()) and len(marks) > 1
    )
    assert len(root.findall(".//button")) == 1
    # Highlighting adds elements, never text.
    assert "".join(root.itertext()) == visible_before


def test_overlapping_annotations_share_marks() -> None:
    root = render("Kuaishou showed Kling at the World AI Conference in Shanghai.")
    index = TextIndex(root)
    a = locate(index, "showed Kling at the World")
    b = locate(index, "the World AI Conference")
    assert isinstance(a, Anchor) and isinstance(b, Anchor)
    highlight(
        index,
        [Span(a.start, a.end, 1, "context"), Span(b.start, b.end, 2, "analysis")],
        make_mark,
        make_marker,
    )
    texts = [m.text for m in root.iter("mark")]
    assert None not in texts
    assert "".join(filter(None, texts)) == "showed Kling at the World AI Conference"
    assert [b.get("data-n") for b in root.iter("button")] == ["1", "2"]
    text = "".join(root.itertext())
    assert text == "Kuaishou showed Kling at the World AI Conference in Shanghai."


def test_highlight_keeps_inline_markup() -> None:
    root = render("A **very bold** and [linked](https://example.org/) claim.")
    index = TextIndex(root)
    found = locate(index, "bold and linked claim")
    assert isinstance(found, Anchor)
    highlight(index, [Span(found.start, found.end, 1, "context")], make_mark, make_marker)
    strong = root.find(".//strong")
    link = root.find(".//a")
    assert strong is not None and strong.findtext("mark") == "bold"
    assert link is not None and link.findtext("mark") == "linked"
    assert link.get("href") == "https://example.org/"


def test_marker_never_inside_a_link() -> None:
    root = render("Models go to [Hugging Face](https://huggingface.co/) first.")
    index = TextIndex(root)
    found = locate(index, "Models go to Hugging Face")
    assert isinstance(found, Anchor)
    before = "".join(root.itertext())
    highlight(index, [Span(found.start, found.end, 1, "context")], make_mark, make_marker)
    link = root.find(".//a")
    assert link is not None and link.find(".//button") is None
    p = root.find("p")
    assert p is not None
    assert [c.tag for c in p] == ["mark", "a", "button"]
    assert "".join(root.itertext()) == before


@given(
    st.lists(
        st.tuples(st.text(alphabet="ab可\u00a0", min_size=1, max_size=4), st.sampled_from(WS)),
        max_size=12,
    ),
    st.sampled_from(WS),
)
def test_folded_text_maps_back_to_the_same_words(pieces: list, lead: str) -> None:
    """Every word of the folded text maps back to the same characters of the raw text,
    however the whitespace between, before and after the words is made up."""
    raw = lead + "".join(word + space for word, space in pieces)
    root = etree.Element("p")
    root.text = raw
    index = TextIndex(root)
    assert index.text == " ".join(raw.split())
    indexed = f" {raw} "  # a paragraph is a block: the index adds a separator each side
    position = 0
    for word in index.text.split(" ") if index.text else []:
        start, end = index.raw_range(position, position + len(word))
        assert indexed[start:end] == word
        position += len(word) + 1
