"""Golden files: a small article's page as the site shows it, and its content as the
book reads it (controls taken out) and typesets it. A change to the page contract (an id, a class, a label, the markup around a note)
shows in review as a diff of ``tests/golden/``. After a deliberate change, rewrite
them with ``BRIEFING_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py``
and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

from bs4 import BeautifulSoup

from briefing.book.pages import BookPage, book_content, content_only
from briefing.book.typeset import Typeset
from conftest import BuildResult

GOLDEN = Path(__file__).parent / "golden"
ARTICLE = "kling-launch"


def matches_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("BRIEFING_UPDATE_GOLDEN") == "1":
        path.write_text(text, "utf-8")
    expected = path.read_text("utf-8")
    assert text == expected, f"{path} differs: rewrite it if the change is meant"


def article_html(site: Path) -> str:
    """The article element, without the theme's own buttons (Material's markup, which
    its releases change, is not Briefing's contract)."""
    page = (site / "articles" / ARTICLE / "index.html").read_text("utf-8")
    soup = BeautifulSoup(content_only(page), "html.parser")
    for theirs in soup.select("a.md-content__button, a.headerlink"):
        theirs.decompose()
    return str(soup)


def test_an_articles_page_matches_its_golden_file(basic_site: BuildResult) -> None:
    html = article_html(basic_site.site)
    assert 'class="bf-marker' in html  # the article with notes, not an empty page
    matches_golden(f"{ARTICLE}.html", html + "\n")


def test_an_articles_book_markup_matches_its_golden_file(basic_site: BuildResult) -> None:
    html = basic_site.site / "articles" / ARTICLE / "index.html"
    page = BookPage("article", ARTICLE, html, f"briefing_src/articles/{ARTICLE}.md", "")
    typ = Typeset().blocks(book_content(page))
    assert "#bf" in typ  # the book's own functions, not plain text only
    matches_golden(f"{ARTICLE}.typ", typ + "\n")
