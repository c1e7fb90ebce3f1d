"""The figures on their own: the entity graph, its layout and the SVG it becomes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from briefing.core.diagnostics import Position
from briefing.core.model import Article, ArticleModel, Briefing, Entity, EntityModel
from briefing.core.sources import load_briefing
from briefing.site.figures import (
    Figures,
    ego_svg,
    entity_graph,
    layout,
    map_svg,
    place_labels,
    timeline_svg,
)
from conftest import FIXTURES

SVG = "{http://www.w3.org/2000/svg}"
TYPES = ["company", "product", "person", "organization", "policy", "concept", "place"]


def href(uri: str) -> str:
    return "../" + uri.removesuffix(".md") + "/"


def make_briefing(
    entities: Sequence[Mapping[str, object]], articles: dict[str, list[str]]
) -> tuple[Briefing, dict[str, list[str]]]:
    """A briefing from plain values, and the page -> entities a render would record."""
    loaded = {
        str(e["id"]): Entity(
            str(e["id"]),
            f"briefing_src/entities/{e['id']}.yml",
            EntityModel.model_validate({k: v for k, v in e.items() if k != "id"}),
            Position(f"briefing_src/entities/{e['id']}.yml"),
        )
        for e in entities
    }
    arts = tuple(
        Article(
            slug,
            f"briefing_src/articles/{slug}.md",
            ArticleModel.model_validate({"title": slug, "date": "2024-05-0" + str(i % 9 + 1)}),
            "",
            1,
        )
        for i, slug in enumerate(articles)
    )
    briefing = Briefing("/nowhere", "briefing_src", loaded, arts)
    return briefing, {f"articles/{slug}.md": ids for slug, ids in articles.items()}


def small() -> tuple[Briefing, dict[str, list[str]]]:
    return make_briefing(
        [
            {
                "id": "kling",
                "name": "Kling",
                "type": "product",
                "summary": "Video model.",
                "related": ["kuaishou"],
                "dates": [{"date": "2024-06", "event": "Kling opens"}],
            },
            {
                "id": "kuaishou",
                "name": "Kuaishou",
                "type": "company",
                "summary": "Video app.",
                "related": ["kling"],
            },
            {
                "id": "sora",
                "name": "Sora",
                "type": "product",
                "summary": "OpenAI's model.",
                "related": ["openai"],
            },
            {"id": "openai", "name": "OpenAI", "type": "company", "summary": "Makes Sora."},
            {"id": "lonely", "name": "Lonely", "type": "concept", "summary": "Never mentioned."},
        ],
        {"a": ["kling", "sora", "kuaishou"], "b": ["kling", "sora"], "c": ["openai"]},
    )


def parse(html: str) -> ET.Element:
    """The figure's main <svg>, parsed as XML (an XML parser rejects what a browser
    would have to guess at)."""
    found = re.search(r'<svg class="bf-(?:map|timeline)\b.*?</svg>', html, re.S)
    assert found, html[:200]
    return ET.fromstring(found.group(0))


def attribute(el: ET.Element, name: str) -> str:
    """An attribute the SVG element must have; the test fails when it is missing."""
    value = el.get(name)
    assert value is not None, f"<{el.tag}> has no {name!r}"
    return value


def child(el: ET.Element, name: str) -> ET.Element:
    """The first ``<name>`` element inside an SVG element; the test fails without one."""
    found = el.find(f"{SVG}{name}")
    assert found is not None, f"<{el.tag}> has no <{name}>"
    return found


def title(el: ET.Element) -> str:
    """The text of an SVG element's ``<title>`` (its text alternative and tooltip)."""
    text = child(el, "title").text
    assert text is not None, f"<{el.tag}> has an empty title"
    return text


def nodes(svg: ET.Element) -> list[ET.Element]:
    return [a for a in svg.iter(f"{SVG}a") if "bf-node" in a.get("class", "")]


def lines(svg: ET.Element) -> list[ET.Element]:
    return [el for el in svg.iter(f"{SVG}line") if "bf-edge" in el.get("class", "")]


def test_graph_has_every_relation_once_and_co_mentions_weighted() -> None:
    briefing, pages = small()
    graph = entity_graph(briefing, pages)
    assert [n.id for n in graph.nodes] == ["kling", "kuaishou", "lonely", "openai", "sora"]
    by_pair = {(e.a, e.b): e for e in graph.edges}
    assert by_pair[("kling", "kuaishou")].related  # listed on both sides: one edge
    assert by_pair[("openai", "sora")].related
    assert not by_pair[("kling", "sora")].related and by_pair[("kling", "sora")].weight == 2
    assert by_pair[("kuaishou", "sora")].weight == 1
    assert len(graph.edges) == 4
    kling = graph.by_id["kling"]
    assert (kling.articles, graph.by_id["lonely"].articles) == (2, 0)


def test_map_svg_parses_with_a_node_per_entity_and_a_line_per_edge() -> None:
    briefing, pages = small()
    graph = entity_graph(briefing, pages)
    svg = parse(map_svg(graph, href))
    drawn = nodes(svg)
    assert sorted(attribute(a, "data-id") for a in drawn) == sorted(briefing.entities)
    for a in drawn:
        assert a.get("href") == f"../glossary/{a.get('data-id')}/"
        # The text alternative (and the tooltip): name, type, summary, how often mentioned.
        entity = briefing.entities[attribute(a, "data-id")]
        assert title(a).startswith(f"{entity.name} (")
        assert entity.summary in title(a)
        assert f"bf-of-{entity.type}" in attribute(a, "class")
    edges = lines(svg)
    assert len(edges) == len(graph.edges)
    assert sum("bf-related" in attribute(e, "class") for e in edges) == 2
    sizes = {a.get("data-id"): float(attribute(child(a, "circle"), "r")) for a in drawn}
    assert sizes["kling"] > sizes["openai"] > sizes["lonely"]  # by mentions


def test_same_briefing_same_bytes_and_order_does_not_matter() -> None:
    briefing, pages = small()
    first = map_svg(entity_graph(briefing, pages), href)
    again = map_svg(entity_graph(briefing, dict(reversed(pages.items()))), href)
    assert first == again
    shuffled, _ = make_briefing(
        [
            {"id": e.id, **e.model.model_dump(exclude_defaults=True)}
            for e in reversed(briefing.entities.values())
        ],
        {"a": [], "b": [], "c": []},
    )
    assert map_svg(entity_graph(shuffled, pages), href) == first
    positions = re.findall(r'cx="([\d.]+)"', first)
    assert all(len(p.partition(".")[2]) <= 1 for p in positions)  # rounded, stable bytes


def test_hostile_names_and_summaries_are_escaped() -> None:
    briefing, pages = make_briefing(
        [
            {
                "id": "evil",
                "name": 'Evil "quoted" & Co',
                "type": "company",
                "summary": 'Breaks out "><script>alert(1)</script> & more.',
                "related": ["other"],
            },
            {
                "id": "other",
                "name": "Other",
                "type": "person",
                "summary": "Fine.",
                "dates": [{"date": "2024-01", "event": '"</text><script>x</script>'}],
            },
        ],
        {"a": ["evil", "other"]},
    )
    graph = entity_graph(briefing, pages)
    for text in (map_svg(graph, href), ego_svg(graph, "evil", href), timeline_svg(briefing, href)):
        assert "<script" not in text
        parse(text)  # still well-formed
    svg = parse(map_svg(graph, href))
    evil = next(a for a in nodes(svg) if a.get("data-id") == "evil")
    assert title(evil).startswith('Evil "quoted" & Co (Company): Breaks out "><script>')


def test_entity_page_map_shows_the_entity_and_its_neighbours() -> None:
    briefing, pages = small()
    graph = entity_graph(briefing, pages)
    svg = parse(ego_svg(graph, "kling", href))
    assert sorted(attribute(a, "data-id") for a in nodes(svg)) == ["kling", "kuaishou", "sora"]
    assert len(lines(svg)) == 2
    assert ego_svg(graph, "lonely", href) == ""  # nothing to draw


def test_timeline_marks_every_dated_event_and_article() -> None:
    briefing, _ = small()
    svg = parse(timeline_svg(briefing, href))
    marks = [a for a in svg.iter(f"{SVG}a") if "bf-mark" in a.get("class", "")]
    hrefs = sorted(attribute(a, "href") for a in marks)
    assert hrefs == ["../articles/a/", "../articles/b/", "../articles/c/", "../glossary/kling/"]
    kling = next(a for a in marks if a.get("href") == "../glossary/kling/")
    assert title(kling) == "2024-06: Kling, Kling opens"
    years = [t.text for t in svg.iter(f"{SVG}text") if "bf-year-label" in t.get("class", "")]
    assert years == ["2024"]


def test_labels_do_not_overlap_when_there_is_room() -> None:
    # Five marks in a row, closer than a label is long: all labels to the right would collide.
    items = [(f"n{i}", 100.0 + i * 30, 200.0, 3.0, "Label") for i in range(5)]
    labels = place_labels(items, 400, 400)
    boxes = []
    for label in labels.values():
        x, y, w, h = label.box
        boxes.append((x, y, x + w, y + h))
    overlaps = [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
    ]
    assert overlaps == []
    assert len({label.y for label in labels.values()}) > 1  # some moved above or below


def synthetic(entities: int, articles: int) -> tuple[Briefing, dict[str, list[str]]]:
    """A deterministic big briefing: 500 entities, related in chains, each article
    mentioning about twenty of them."""
    spec = []
    for i in range(entities):
        spec.append(
            {
                "id": f"e{i:04d}",
                "name": f"Entity {i}",
                "type": TYPES[i % len(TYPES)],
                "summary": f"Synthetic entity {i}.",
                "related": [f"e{(i * 7 + 3) % entities:04d}"] if i % 3 == 0 else [],
                "dates": [{"date": f"20{10 + i % 15}-{i % 12 + 1:02d}", "event": "founded"}],
            }
        )
    pages = {
        f"a{j}": [f"e{(j * 13 + k * k * 7) % max(entities, 1):04d}" for k in range(20)]
        for j in range(articles)
    }
    return make_briefing(spec, pages)


def test_five_hundred_entities_stay_readable_and_filterable() -> None:
    # Their cost is measured by `python -m briefing.devtools.bench` (500 entities), not timed here.
    briefing, pages = synthetic(500, 1000)
    figures = Figures(briefing, pages, {})
    drawn = figures.map(href)
    egos = [figures.ego(e, href) for e in briefing.entities]
    timeline = figures.timeline(href)
    svg = parse(drawn)
    assert len(nodes(svg)) == 500
    related = {
        (min(e.id, r), max(e.id, r)) for e in briefing.entities.values() for r in e.model.related
    }
    assert sum("bf-related" in attribute(e, "class") for e in lines(svg)) == len(related)
    # Only the most-mentioned carry a permanent label; the rest show it on hover/focus.
    labels = [t for t in svg.iter(f"{SVG}text") if "bf-label" in t.get("class", "")]
    permanent = [t for t in labels if "bf-label-minor" not in attribute(t, "class")]
    assert len(permanent) == 60 and len(labels) == 500
    # Co-mentions are capped: a map, not a hairball.
    assert len(lines(svg)) < 500 * 3 + len(related)
    assert len(drawn) < 600_000
    assert 'type="checkbox" value="company"' in drawn  # the type filter
    assert all(len(e) < 20_000 for e in egos) and timeline


def test_shipped_briefing_reads(tmp_path: Path) -> None:
    briefing, problems = load_briefing(FIXTURES / "basic")
    assert not problems
    pages = {
        "articles/kling-launch.md": ["kling", "kuaishou", "sora"],
        "articles/embargo.md": ["chip-embargo", "kuaishou"],
    }
    svg = parse(map_svg(entity_graph(briefing, pages), href))
    assert len(nodes(svg)) == len(briefing.entities)


@pytest.mark.parametrize("count", [2, 9, 24])
def test_a_small_map_is_laid_out_without_numpy_as_numpy_lays_it_out(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to ``SMALL_MAP`` nodes the layout runs in plain Python (float64), beyond it
    with numpy (float32): the same iterations, so the same map but for rounding."""
    briefing, pages = synthetic(count, 3)
    graph = entity_graph(briefing, pages)
    assert count <= layout.SMALL_MAP
    python = layout.spring_layout(graph)
    monkeypatch.setattr(layout, "SMALL_MAP", 0)
    with_numpy = layout.spring_layout(graph)
    assert python.keys() == with_numpy.keys() and len(python) == count
    for node, (x, y) in python.items():
        assert 0 <= x <= 1 and 0 <= y <= 1
        nx, ny = with_numpy[node]
        assert abs(x - nx) < 0.05 and abs(y - ny) < 0.05, (node, (x, y), (nx, ny))


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_briefings(count: int) -> None:
    briefing, pages = synthetic(count, 1)
    graph = entity_graph(briefing, pages)
    assert len(nodes(parse(map_svg(graph, href)))) == count


def test_timeline_of_far_apart_years_has_no_negative_size() -> None:
    """80 years, each alone: the gaps alone are wider than the default figure."""
    entities = [
        {
            "id": f"e{i}",
            "name": f"E{i}",
            "type": "concept",
            "summary": "S.",
            "dates": [{"date": f"{1000 + 3 * i}-06", "event": "Then"}],
        }
        for i in range(80)
    ]
    briefing, _ = make_briefing(entities, {})
    svg = parse(timeline_svg(briefing, href))
    numbers: list[tuple[str, str, float]] = []
    for el in svg.iter():
        for name in ("width", "height", "x", "y", "cx", "r", "x1", "x2"):
            if name in el.attrib and re.fullmatch(r"-?[\d.]+", el.attrib[name]):
                numbers.append((el.tag, name, float(el.attrib[name])))
        if "viewBox" in el.attrib:
            numbers += [(el.tag, "viewBox", float(v)) for v in el.attrib["viewBox"].split()]
    assert numbers
    assert [n for n in numbers if n[2] < 0] == []
    years = [t for t in svg.iter(f"{SVG}text") if "bf-year-label" in t.get("class", "")]
    assert len(years) == 80


def test_a_large_map_loads_numpy_without_its_blas_threads() -> None:
    """numpy's BLAS starts a thread per core when it loads, which the layout never uses
    and whose start cost more CPU than the layout: a build that lays out a large map
    (in a process of its own) has one thread, and leaves the environment as it was."""
    script = textwrap.dedent(
        """
        import os, sys
        sys.path[:0] = [sys.argv[1], sys.argv[2]]
        from test_figures import entity_graph, synthetic
        from briefing.site.figures import layout
        briefing, pages = synthetic(40, 3)
        assert len(layout.spring_layout(entity_graph(briefing, pages))) == 40
        print("numpy" in sys.modules, len(os.listdir("/proc/self/task")),
              os.environ.get("OPENBLAS_NUM_THREADS"))
        """
    )
    tests = str(Path(__file__).parent)
    plugins = str(Path(__file__).parent.parent / "plugins")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", script, tests, plugins], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "None"]
