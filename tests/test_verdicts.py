"""Verdicts that mean what they say (issue 25): a ClaimReview only for a real fact-check,
and `update` notes shown to readers, in the book and in the data, never as ClaimReview.
One real build of a fixture briefing with its PDF book."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
import yaml
from pypdf import PdfReader

from conftest import BuildResult, one, project_copy, run_build, write

SITE_URL = "https://example.org/site/"
SDO_TYPE = "ClaimReview"

NOTES = """
- quote: the first claim
  kind: fact-check
  verdict: "false"
  note: Rated false against the record.
  sources:
    - {title: The record, url: "https://example.org/record"}
- quote: the second claim
  kind: fact-check
  verdict: unverified
  note: The evidence does not settle it.
  sources:
    - {title: A report, url: "https://example.org/report"}
- quote: the third claim
  kind: correction
  verdict: misleading
  note: Put right in the text.
  sources:
    - {title: A print article with no address}
- quote: the fourth claim
  kind: update
  date: 2025-03-01
  note: Accurate when published; the licence changed in 2025.
  sources:
    - {title: The new licence, url: "https://example.org/licence"}
- quote: the fifth claim
  kind: context
  note: Background only.
"""


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    # The correction cites no URL: a warning of its own rule, turned off here.
    project = project_copy(
        tmp_path_factory.mktemp("verdicts") / "basic",
        plugin_options={"editorial": "{source_url: off}"},
        extra_config=f"site_url: {SITE_URL}\n",
    )
    write(
        project,
        {
            "briefing_src/articles/claims.md": """
                ---
                title: Five claims
                date: 2024-08-01
                source: {name: Example Wire, url: "https://example.org/wire", published: 2024-08}
                ---
                Here are the first claim, the second claim, the third claim, the fourth
                claim and the fifth claim.
            """,
            "briefing_src/articles/claims.annotations.yml": NOTES,
        },
    )
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    return result


def _reviews(result: BuildResult, page: str) -> list[dict]:
    found = []
    for script in result.html(page).find_all("script", type="application/ld+json"):
        for node in json.loads(script.get_text()).get("@graph", []):
            if node["@type"] == SDO_TYPE:
                found.append(node)
    return found


def test_claim_review_only_for_a_real_fact_check(verdicts: BuildResult) -> None:
    # A fact-check with a verdict on the scale and a source a reader can open: yes. An
    # unverified one, a correction citing no URL, an update, a context note: no.
    (review,) = _reviews(verdicts, "articles/claims/index.html")
    assert review["claimReviewed"] == "the first claim"
    assert review["reviewRating"]["ratingValue"] == 1
    assert review["reviewRating"]["alternateName"] == "False"
    assert review["url"] == SITE_URL + "articles/claims/#bf-note-1"
    # The basic fixture's sourced mostly-accurate fact-check still is one.
    (other,) = _reviews(verdicts, "articles/kling-launch/index.html")
    assert other["reviewRating"]["ratingValue"] == 4
    # Both verdicts a reader sees stay on the page, unverified included.
    soup = verdicts.html("articles/claims/index.html")
    shown = [v.get_text() for v in soup.select(".bf-annotation-head .bf-verdict")]
    assert shown == ["Verdict: False", "Verdict: Unverified", "Verdict: Misleading"]


def test_an_update_is_shown_with_its_label_and_colour(verdicts: BuildResult) -> None:
    soup = verdicts.html("articles/claims/index.html")
    note = one(soup, "li#bf-note-4")
    assert "bf-kind-update" in note["class"]
    chip = one(note, ".bf-annotation-head .bf-chip")
    assert chip.get_text() == "Update" and "bf-kind-update" in chip["class"]
    assert note.select_one(".bf-verdict") is None
    marker = one(soup, "a.bf-marker.bf-kind-update")
    assert marker["aria-label"] == "Annotation 4: Update"
    legend = [c.get_text() for c in soup.select(".bf-legend .bf-chip")]
    assert legend == ["Context", "Fact-check", "Correction", "Update"]
    css = (verdicts.site / "assets/briefing/kinds.css").read_text("utf-8")
    assert css.count("--bf-update:") == 2 and ".bf-kind-update" in css


def test_an_update_in_the_book(verdicts: BuildResult) -> None:
    book = PdfReader(verdicts.site / "briefing.pdf")
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in book.pages)
    # Footnotes: number, the kind's label (in capitals), the verdict if any, the note.
    assert "4 UPDATE Accurate when published; the licence changed in 2025." in text
    assert "1 FACT-CHECK Verdict: False Rated false against the record." in text


def test_an_update_in_the_data_never_as_claim_review(verdicts: BuildResult) -> None:
    site = verdicts.site
    data = json.loads((site / "briefing.json").read_text("utf-8"))
    update = next(a for a in data["annotations"] if a["quote"] == "the fourth claim")
    assert update["kind"] == "update" and update["verdict"] is None
    assert update["date"] == "2025-03-01" and update["reviewed"] is None
    collection = json.loads((site / "annotations.jsonld").read_text("utf-8"))
    (item,) = [a for a in collection["first"]["items"] if a["id"] == update["url"]]
    assert item["motivation"] == "commenting"
    assert {"type": "TextualBody", "purpose": "tagging", "value": "update"} in item["body"]
    assert not any(b.get("purpose") == "oa:assessing" for b in item["body"])
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    titles = [e.title for e in feed.entries]
    assert "Update on “the fourth claim”, in Five claims" in titles
    published = "".join(p.read_text("utf-8") for p in Path(site).rglob("*.html"))
    assert published.count('"ClaimReview"') == 2  # the two real fact-checks, nothing else


def test_an_imported_update_keeps_its_kind_and_no_verdict(project: Path) -> None:
    from test_opendata import hypothesis_row, import_cli

    sidecar = project / "briefing_src/articles/kling-launch.annotations.yml"
    before = sidecar.read_text("utf-8")
    rows = [hypothesis_row("Kling AI is also sold", "Later, abroad too.", ["update", "false"])]
    export = project / "export.json"
    export.write_text(json.dumps({"total": 1, "rows": rows}), "utf-8")
    done = import_cli(project, export)
    (added,) = yaml.safe_load(sidecar.read_text("utf-8")[len(before) :])
    assert added["kind"] == "update" and "verdict" not in added
    assert str(added["date"]) == "2025-01-02"  # the annotation's creation: an update's date
    # Checked as a hand-written one: an update cites a source with a URL.
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1].endswith(
        "warning: an update needs a source with a URL that readers can check"
        " (the official text, the original report) [source_url]"
    )
