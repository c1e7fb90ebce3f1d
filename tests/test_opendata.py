"""The briefing as open data, read by real consumers: feedparser for the Atom feed, PyLD
(offline, with the contexts shipped in tests/contexts) for the Web Annotations and the
schema.org blocks, jsonschema for the download; and `briefing import-annotations`, down
to a round trip of the shipped briefing's annotations."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from briefing.cli.check import analyze_project
from briefing.core.safety import sanitize
from briefing.site.opendata.rendered import _parsed_words, plain_text
from conftest import ROOT, BuildResult, copy_shipped, one, project_copy, run_build, write

SITE_URL = "https://example.org/briefing/"
CONTEXTS = {
    "http://www.w3.org/ns/anno.jsonld": Path(__file__).parent / "contexts" / "anno.jsonld",
    "https://schema.org": Path(__file__).parent / "contexts" / "schemaorg.jsonld",
}
OA = "http://www.w3.org/ns/oa#"
SDO = "http://schema.org/"


def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """PyLD's document loader, from files: no network."""
    key = url.rstrip("/") if url.rstrip("/") in CONTEXTS else url
    if key not in CONTEXTS:
        raise AssertionError(f"the document asks for a context we do not serve: {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(CONTEXTS[key].read_text("utf-8")),
    }


def expand(document: Any, base: str) -> list[dict[str, Any]]:
    return jsonld.expand(document, {"documentLoader": loader, "base": base})


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The shipped briefing, built strictly as the Pages workflow builds it (SITE_URL)."""
    project = copy_shipped(tmp_path_factory.mktemp("opendata") / "briefing")
    result = run_build(project, env={"SITE_URL": SITE_URL})
    assert result.ok, result.messages
    return result


def annotation_count(project: Path) -> int:
    analysis = analyze_project(project / "mkdocs.yml")
    assert analysis.briefing is not None
    return sum(len(a.annotations) for a in analysis.briefing.articles)


def json_ld_blocks(soup: BeautifulSoup) -> list[Any]:
    return [json.loads(s.get_text()) for s in soup.find_all("script", type="application/ld+json")]


# --------------------------------------------------------------------------- the feed


def test_the_feed_is_valid_atom_newest_first_with_absolute_links(shipped: BuildResult) -> None:
    feed = feedparser.parse((shipped.site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "China's open-source AI push"
    analysis = analyze_project(shipped.project / "mkdocs.yml")
    assert analysis.briefing is not None
    articles = analysis.briefing.articles
    assert len(feed.entries) == len(articles) + annotation_count(shipped.project)
    updated = [entry.updated_parsed for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    links = [entry.link for entry in feed.entries]
    assert all(link.startswith(SITE_URL) for link in links)
    assert len({entry.id for entry in feed.entries}) == len(feed.entries)
    for article in articles:
        entry = next(e for e in feed.entries if e.link == f"{SITE_URL}articles/{article.slug}/")
        assert entry.title == article.title
        if article.model.summary:
            assert entry.summary == " ".join(article.model.summary.split())
    notes = [e for e in feed.entries if "#bf-note-" in e.link]
    assert notes and all(e.summary for e in notes)


def test_every_page_announces_the_feed(shipped: BuildResult) -> None:
    pages = list(shipped.site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        links = BeautifulSoup(page.read_text("utf-8"), "html.parser").select(
            'head link[rel="alternate"][type="application/atom+xml"]'
        )
        assert [link["href"] for link in links] == [f"{SITE_URL}feed.xml"], page


def test_without_site_url_no_feed_and_no_warning(basic_site: BuildResult) -> None:
    assert not (basic_site.site / "feed.xml").exists()
    assert not basic_site.html("index.html").select('link[type="application/atom+xml"]')
    assert (basic_site.site / "briefing.json").exists()


def test_a_feed_asked_for_without_site_url_is_a_clear_warning(project: Path) -> None:
    config = (project / "mkdocs.yml").read_text("utf-8")
    (project / "mkdocs.yml").write_text(
        config.replace("repo_url: https://github.com/example/briefing", "feed: true"), "utf-8"
    )
    result = run_build(project, strict=False)
    assert result.ok
    assert any("no Atom feed: set site_url" in m for m in result.messages), result.messages
    assert not (result.site / "feed.xml").exists()


# --------------------------------------------------------------------------- Web Annotations


def test_annotations_are_w3c_web_annotations(shipped: BuildResult) -> None:
    document = json.loads((shipped.site / "annotations.jsonld").read_text("utf-8"))
    expanded = expand(document, SITE_URL + "annotations.jsonld")
    collection = expanded[0]
    assert collection["@type"] == ["http://www.w3.org/ns/activitystreams#OrderedCollection"]
    page = collection["http://www.w3.org/ns/activitystreams#first"][0]
    items = page["http://www.w3.org/ns/activitystreams#items"][0]["@list"]
    assert len(items) == annotation_count(shipped.project)
    data = json.loads((shipped.site / "briefing.json").read_text("utf-8"))
    kinds = {a["url"]: a for a in data["annotations"]}
    for item in items:
        assert item["@type"] == [OA + "Annotation"]
        source = kinds[item["@id"]]
        motivation = item[OA + "motivatedBy"][0]["@id"]
        expected = {
            "fact-check": "assessing",
            "correction": "editing",
            "definition": "describing",
            "question": "questioning",
        }.get(source["kind"], "commenting")
        assert motivation == OA + expected
        target = item[OA + "hasTarget"][0]
        assert target[OA + "hasSource"][0]["@id"] == f"{SITE_URL}articles/{source['article']}/"
        selector = target[OA + "hasSelector"][0]
        assert selector["@type"] == [OA + "TextQuoteSelector"]
        assert selector[OA + "exact"][0]["@value"] == " ".join(source["quote"].split())
        bodies = item[OA + "hasBody"]
        choice = next(b for b in bodies if b.get("@type") == [OA + "Choice"])
        formats = [
            i["http://purl.org/dc/elements/1.1/format"][0]["@value"]
            for i in choice["http://www.w3.org/ns/activitystreams#items"][0]["@list"]
        ]
        assert formats == ["text/html", "text/plain", "text/markdown"]
        entities = [
            b[OA + "hasSource"][0]["@id"]
            for b in bodies
            if b.get(OA + "hasPurpose") == [{"@id": OA + "identifying"}]
        ]
        assert entities == [f"{SITE_URL}glossary/{e}/" for e in source["entities"]]
        if source["author"]:
            creator = item["http://purl.org/dc/terms/creator"][0]
            assert creator["http://xmlns.com/foaf/0.1/name"][0]["@value"] == source["author"]


def test_the_selector_gives_the_text_around_the_quote(basic_site: BuildResult) -> None:
    document = json.loads((basic_site.site / "annotations.jsonld").read_text("utf-8"))
    items = document["first"]["items"]
    selector = next(
        i["target"]["selector"] for i in items if "bold rival" in i["target"]["selector"]["exact"]
    )
    assert selector["exact"] == "a bold rival to Sora"
    assert selector["prefix"].endswith("Observers called it ")
    assert selector["suffix"].startswith(". Why Kling matters")


# --------------------------------------------------------------------------- schema.org


def test_article_pages_carry_news_article_and_claim_review(basic_site: BuildResult) -> None:
    soup = basic_site.html("articles/kling-launch/index.html")
    blocks = json_ld_blocks(soup)
    assert len(blocks) == 1
    base = "https://example.org/site/articles/kling-launch/"
    graph = expand(blocks[0], base)
    news = next(n for n in graph if n["@type"] == [SDO + "NewsArticle"])
    assert news[SDO + "headline"][0]["@value"] == "Kling reaches the public"
    assert news[SDO + "url"][0]["@id"] == base
    review = next(n for n in graph if n["@type"] == [SDO + "ClaimReview"])
    assert review[SDO + "claimReviewed"][0]["@value"] == "Kuaishou opened Kling to the public"
    rating = review[SDO + "reviewRating"][0]
    assert rating[SDO + "alternateName"][0]["@value"] == "Mostly accurate"
    assert rating[SDO + "ratingValue"][0]["@value"] == 4
    assert rating[SDO + "bestRating"][0]["@value"] == 5
    assert review[SDO + "url"][0]["@id"] == base + "#bf-note-1"
    claim = review[SDO + "itemReviewed"][0]
    assert claim[SDO + "author"][0][SDO + "name"][0]["@value"] == "Example Wire"
    appearance = claim[SDO + "appearance"][0]
    assert appearance[SDO + "url"][0]["@id"] == "https://example.org/wire"
    assert appearance[SDO + "datePublished"][0]["@value"] == "2024-07"
    assert review[SDO + "author"][0][SDO + "name"][0]["@value"] == "Fixture briefing"
    # The anchor the review names is the note's.
    assert soup.select_one("li#bf-note-1") is not None


def test_the_glossary_is_a_defined_term_set(basic_site: BuildResult) -> None:
    (block,) = json_ld_blocks(basic_site.html("glossary/index.html"))
    base = "https://example.org/site/glossary/"
    (term_set,) = expand(block, base)
    assert term_set["@type"] == [SDO + "DefinedTermSet"]
    terms = {t[SDO + "termCode"][0]["@value"]: t for t in term_set[SDO + "hasDefinedTerm"]}
    assert set(terms) == {"chip-embargo", "kling", "kuaishou", "openai", "sora"}
    kling = terms["kling"]
    assert kling["@type"] == [SDO + "DefinedTerm"]
    assert kling["@id"] == "https://example.org/site/glossary/kling/"
    assert [a["@value"] for a in kling[SDO + "alternateName"]] == ["可灵", "Kling AI"]
    assert kling[SDO + "inDefinedTermSet"][0]["@id"] == base


def test_the_csp_allows_no_data_block(basic_site: BuildResult) -> None:
    from briefing.site.csp import policy

    html = (basic_site.site / "articles/kling-launch/index.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    csp = one(soup, 'meta[http-equiv="Content-Security-Policy"]')["content"]
    block = str(soup.find("script", type="application/ld+json"))
    assert policy(block).count("'sha256-") == 0
    assert policy(html).count("'sha256-") == csp.count("'sha256-")
    assert policy(f"<head>{block.replace('ld+json', 'javascript')}</head>").count("sha256") == 1


def test_the_verdict_is_a_label_on_the_note(
    basic_site: BuildResult, basic_pdf: BuildResult
) -> None:
    note = one(basic_site.html("articles/kling-launch/index.html"), "li#bf-note-1")
    label = note.select_one(".bf-annotation-head .bf-verdict")
    assert label is not None and label.get_text() == "Verdict: Mostly accurate"
    from pypdf import PdfReader

    text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in PdfReader(basic_pdf.site / "briefing.pdf").pages
    )
    assert "Verdict: Mostly accurate Checked against the company" in text


# --------------------------------------------------------------------------- the download


def test_the_download_follows_its_published_schema(shipped: BuildResult) -> None:
    schema = json.loads((shipped.site / "briefing.schema.json").read_text("utf-8"))
    assert schema == json.loads((ROOT / "schemas/briefing.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads((shipped.site / "briefing.json").read_text("utf-8"))
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["$schema"] == SITE_URL + "briefing.schema.json"
    analysis = analyze_project(shipped.project / "mkdocs.yml")
    assert analysis.briefing is not None
    assert [e["id"] for e in data["entities"]] == sorted(analysis.briefing.entities)
    assert len(data["annotations"]) == annotation_count(shipped.project)
    assert all(a["anchor"]["anchored"] for a in data["annotations"])
    kling = next(e for e in data["entities"] if e["id"] == "kling")
    assert "可灵" in kling["aliases"]
    assert kling["mentions"] == len(kling["mentioned_on"]) > 1
    assert f"{SITE_URL}articles/kling-waic-demo/" in kling["mentioned_on"]
    rows = list(csv.DictReader(io.StringIO((shipped.site / "entities.csv").read_text("utf-8"))))
    assert [r["id"] for r in rows] == [e["id"] for e in data["entities"]]
    assert next(r for r in rows if r["id"] == "kling")["mentions"] == str(kling["mentions"])


def test_a_wrong_download_fails_the_schema(basic_site: BuildResult) -> None:
    schema = json.loads((basic_site.site / "briefing.schema.json").read_text("utf-8"))
    data = json.loads((basic_site.site / "briefing.json").read_text("utf-8"))
    data["annotations"][0]["verdict"] = "sort of"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_the_download_is_linked_from_the_home_page_and_the_glossary(shipped: BuildResult) -> None:
    for page, prefix in (("index.html", ""), ("glossary/index.html", "../")):
        hrefs = {a["href"] for a in shipped.html(page).select("article a[href]")}
        for name in ("briefing.json", "entities.csv", "annotations.jsonld"):
            assert prefix + name in hrefs, (page, name)


def test_the_open_data_is_reproducible_byte_for_byte(tmp_path: Path) -> None:
    built = []
    for name in ("one", "two"):
        project = project_copy(tmp_path / name / "basic")
        result = run_build(project, env={"SITE_URL": ""})
        assert result.ok, result.messages
        built.append(result.site)
    for name in ("annotations.jsonld", "briefing.json", "entities.csv", "briefing.schema.json"):
        assert (built[0] / name).read_bytes() == (built[1] / name).read_bytes(), name


# --------------------------------------------------------------------------- import


def strip_annotations(project: Path) -> None:
    """An empty copy: no annotation in the front matter, no sidecar."""
    for sidecar in project.glob("briefing_src/articles/*.annotations.yml"):
        sidecar.unlink()
    for article in project.glob("briefing_src/articles/*.md"):
        _, front, body = article.read_text("utf-8").split("---\n", 2)
        data = yaml.safe_load(front)
        data.pop("annotations", None)
        dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        article.write_text(f"---\n{dumped}---\n{body}", "utf-8")


def anchored(project: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Each article's annotations as the build places them: where the quote starts in
    the text, and everything the annotation says (prefix/suffix aside: they only pick)."""
    analysis = analyze_project(project / "mkdocs.yml")
    assert analysis.briefing is not None
    assert not analysis.problems.errors, analysis.problems.items
    out: dict[str, list[tuple[Any, ...]]] = {}
    for article in analysis.briefing.articles:
        starts = {r.index: r.start for r in analysis.context.annotations.get(article.slug, [])}
        out[article.slug] = sorted(
            (
                starts[a.index],
                " ".join(a.model.quote.split()),
                a.model.kind,
                a.model.verdict,
                a.model.note.strip(),
                tuple(a.model.entities),
                tuple((s.title, s.url) for s in a.model.sources),
                a.model.author,
                a.model.date,
            )
            for a in article.annotations
        )
    return out


def import_cli(project: Path, export: Path, *args: str) -> subprocess.CompletedProcess[str]:
    briefing = Path(sys.executable).with_name("briefing")
    return subprocess.run(
        [str(briefing), "import-annotations", str(export), *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )


def test_round_trip_of_the_shipped_annotations(shipped: BuildResult, tmp_path: Path) -> None:
    empty = copy_shipped(tmp_path / "empty")
    strip_annotations(empty)
    assert annotation_count(empty) == 0
    done = import_cli(empty, shipped.site / "annotations.jsonld")
    assert done.returncode == 0, done.stdout + done.stderr
    assert anchored(empty) == anchored(shipped.project)
    # Again: everything is already there; nothing changes.
    files = {p: p.read_bytes() for p in empty.glob("briefing_src/articles/*")}
    again = import_cli(empty, shipped.site / "annotations.jsonld")
    assert again.returncode == 0
    assert "is already there" in again.stderr
    assert {p: p.read_bytes() for p in empty.glob("briefing_src/articles/*")} == files


def hypothesis_row(
    quote: str, text: str, tags: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    """One row of a Hypothesis API export (as its search endpoint returns them)."""
    selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": quote, **extra}
    return {
        "uri": "https://example.org/site/articles/kling-launch/",
        "text": text,
        "tags": tags or [],
        "user": "acct:reader@hypothes.is",
        "created": "2025-01-02T10:00:00.000000+00:00",
        "target": [
            {
                "source": "https://example.org/site/articles/kling-launch/",
                "selector": [
                    {"type": "TextPositionSelector", "start": 1, "end": 2},
                    selector,
                ],
            }
        ],
    }


def test_a_hypothesis_export_is_appended_and_what_fails_is_reported(project: Path) -> None:
    sidecar = project / "briefing_src/articles/kling-launch.annotations.yml"
    before = sidecar.read_text("utf-8")
    rows = [
        hypothesis_row(
            "months before OpenAI did the same",
            "Sora opened in *December*.",
            tags=["fact-check", "verdict:accurate", "sora"],
        ),
        # "Sora" stands three times; the prefix picks the one after "the same with".
        hypothesis_row("Sora", "The second one.", prefix="OpenAI did the same with "),
        hypothesis_row("Kling opened to everyone in May", "Not in the text."),
        {
            **hypothesis_row("Kling", "Elsewhere."),
            "uri": "https://example.org/other/page/",
            "target": [
                {
                    "source": "https://example.org/other/page/",
                    "selector": [{"type": "TextQuoteSelector", "exact": "Kling"}],
                }
            ],
        },
        hypothesis_row(
            "a bold rival to Sora", "Tagged wrongly.", tags=["context", "verdict:accurate"]
        ),
    ]
    export = project / "export.json"
    export.write_text(json.dumps({"total": len(rows), "rows": rows}, indent=2), "utf-8")
    done = import_cli(project, export)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(
        "export.json:" in line
        and "not imported: quote not found" in line
        and "closest passage" in line
        for line in lines
    ), lines
    assert any("is not an article of this briefing" in line for line in lines), lines
    after = sidecar.read_text("utf-8")
    assert after.startswith(before)  # nothing overwritten: the new items follow
    added = yaml.safe_load(after[len(before) :])
    assert [a["quote"] for a in added] == [
        "months before OpenAI did the same",
        "Sora",
        "a bold rival to Sora",
    ]
    first, second, third = added
    assert first["kind"] == "fact-check" and first["verdict"] == "accurate"
    assert first["entities"] == ["sora"] and first["author"] == "reader"
    assert str(first["date"]) == "2025-01-02"
    assert second["prefix"] == "with" and "verdict" not in third
    assert third["kind"] == "context"
    # Checked as a hand-written one: the project is clean, every note anchored.
    analysis = analyze_project(project / "mkdocs.yml")
    assert not analysis.problems.errors, analysis.problems.items
    results = analysis.context.annotations["kling-launch"]
    assert len(results) == 6 and all(r.anchored for r in results)


def test_a_bad_verdict_is_reported_with_a_suggestion(project: Path) -> None:
    write(
        project,
        {
            "briefing_src/articles/embargo.annotations.yml": """
            - quote: reach further
              kind: fact-check
              verdict: mostly accurate
              note: A typo in the verdict.
            - quote: reach further
              kind: context
              verdict: "false"
              note: A verdict on a context note.
            """
        },
    )
    problems = [p.format() for p in analyze_project(project / "mkdocs.yml").problems]
    assert any(
        "embargo.annotations.yml:3:12: error:" in p and "did you mean 'mostly-accurate'" in p
        for p in problems
    ), problems
    assert any(
        "embargo.annotations.yml:7:12: error:" in p and "not on a context note" in p
        for p in problems
    ), problems


def test_a_bare_false_verdict_is_the_verdict_false(project: Path) -> None:
    # YAML 1.1 reads `false` as a boolean; a writer who types it means the verdict.
    write(
        project,
        {
            "briefing_src/articles/embargo.annotations.yml": """
            - quote: reach further
              kind: fact-check
              verdict: false
              note: Bare, as people write it.
            """
        },
    )
    analysis = analyze_project(project / "mkdocs.yml")
    assert not analysis.problems.errors, analysis.problems.items
    assert analysis.briefing is not None
    (article,) = (a for a in analysis.briefing.articles if a.slug == "embargo")
    assert [n.model.verdict for n in article.annotations] == ["false"]


def test_a_notes_html_is_the_one_its_page_shows(shipped: BuildResult) -> None:
    """The open data does not render notes again: each note's HTML in
    annotations.jsonld is the HTML of its note on the article's page, entity links
    made absolute (the page's are relative to it)."""
    collection = json.loads((shipped.site / "annotations.jsonld").read_text("utf-8"))
    checked = 0
    for item in collection["first"]["items"]:
        target = item["target"]["source"]
        slug = target.removeprefix(SITE_URL).strip("/").split("/")[-1]
        number = item["id"].rsplit("-", 1)[-1]
        choice = next(b for b in item["body"] if b.get("type") == "Choice")
        published = BeautifulSoup(choice["items"][0]["value"], "html.parser")
        page = shipped.html(f"articles/{slug}/index.html")
        note = page.select_one(f"li#bf-note-{number} div.bf-note")
        assert note is not None, (slug, number)
        for link in note.select("a[data-entity]"):
            link["href"] = f"{SITE_URL}glossary/{link['data-entity']}/"
        assert published.decode() == note.decode_contents().strip(), (slug, number)
        checked += 1
    assert checked == annotation_count(shipped.project)


_MARKUP = """<p> </p> <em> </em> <a|href="x>y"> </a> <br> <br/> <li> </li> <ul> </ul> <h2> </h2>
    <div> </div> <P|CLASS=x> </|p> <x-y> </x-y> <td> <tr> <a|title='a"b'> <!--|c|>|-->
    <?pi?> <script>a<b</script> <style>p>x</style> <![CDATA[x]]> &amp; &lt; &gt; &nbsp;
    &#65; &am < > " ' | word İ 可灵"""  # pieces apart; "|" is a space
_PIECES = st.sampled_from([*(piece.replace("|", " ") for piece in _MARKUP.split()), "\n"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_a_notes_plain_text_is_what_the_html_parser_reads(markup: str) -> None:
    """The plain text of the open data's notes is read by a regular expression when the
    HTML is the allow-list's (and by HTMLParser otherwise): the same words either way,
    for the allow-list's output and for anything else."""
    for html in (sanitize(markup), markup):
        assert plain_text.__wrapped__(html) == _parsed_words(html)
