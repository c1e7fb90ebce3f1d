"""Loading and validation: every error class of spec section 2 is a row of cases/errors.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.core.sources import FileCache, load_briefing
from briefing.core.yamlsrc import Limits

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "errors.yml").read_text("utf-8"))
BASE = {
    "entities/kling.yml": "name: Kling\ntype: product\nsummary: A video model.\n",
    "articles/ok.md": "---\ntitle: OK\ndate: 2024-07-01\n---\nText about Kling.\n",
}


def write_sources(root: Path, files: dict[str, str], binary: bool = False) -> None:
    for rel, text in {**BASE, **files}.items():
        path = root / "briefing_src" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if binary and rel in files:
            path.write_bytes(text.encode("latin-1"))
        else:
            path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_error_class(tmp_path: Path, case: dict) -> None:
    write_sources(tmp_path, case["files"], case.get("binary", False))
    _, diagnostics = load_briefing(tmp_path)
    lines = [d.format() for d in diagnostics]
    for expected in case["expect"]:
        assert any(line.startswith(expected) for line in lines), (expected, lines)
    assert len(lines) == len(case["expect"]), lines


def test_valid_sources_load(tmp_path: Path) -> None:
    write_sources(tmp_path, {})
    briefing, diagnostics = load_briefing(tmp_path)
    assert not diagnostics
    assert list(briefing.entities) == ["kling"]
    assert [a.slug for a in briefing.articles] == ["ok"]
    assert briefing.articles[0].body_line == 5


def test_one_bad_file_loses_nothing_else(tmp_path: Path) -> None:
    write_sources(tmp_path, {"entities/bad.yml": "name: [\n"})
    briefing, diagnostics = load_briefing(tmp_path)
    assert len(diagnostics) == 1
    assert "kling" in briefing.entities and briefing.articles


def test_articles_sorted_newest_first(tmp_path: Path) -> None:
    write_sources(
        tmp_path,
        {
            "articles/old.md": "---\ntitle: Old\ndate: 2020-01-01\n---\nx\n",
            "articles/new.md": "---\ntitle: New\ndate: 2025-01-01\n---\nx\n",
        },
    )
    briefing, _ = load_briefing(tmp_path)
    assert [a.slug for a in briefing.articles] == ["new", "ok", "old"]


def test_missing_sources_folder(tmp_path: Path) -> None:
    _, diagnostics = load_briefing(tmp_path)
    assert [d.format() for d in diagnostics] == [
        "briefing_src:1:1: error: sources folder not found"
    ]


yaml_text = st.lists(
    st.sampled_from([*"abc: -[]{}&*!|>'\"\n\t#%@`,?0123456789可", "name: ", "type: ", "- "]),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(entity=yaml_text, article=yaml_text, sidecar=yaml_text)
def test_any_input_gives_diagnostics_never_an_exception(
    tmp_path_factory: pytest.TempPathFactory, entity: str, article: str, sidecar: str
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    write_sources(
        root,
        {
            "entities/fuzz.yml": entity,
            "articles/fuzz.md": "---\n" + article + "\n---\nBody about fuzz.\n",
            "articles/fuzz.annotations.yml": sidecar,
        },
    )
    _, diagnostics = load_briefing(root)
    for problem in diagnostics:
        assert problem.position.path.startswith("briefing_src/")
        assert problem.position.line >= 1 and problem.position.col >= 1


def test_cache_reparses_only_changed_files(tmp_path: Path) -> None:
    write_sources(
        tmp_path,
        {
            "entities/sora.yml": "name: Sora\ntype: product\nsummary: A video model.\n",
            "articles/ok.annotations.yml": "- quote: Text about Kling\n  kind: context\n  note: N.\n",
        },
    )
    cache = FileCache()
    first, problems = load_briefing(tmp_path, cache=cache)
    assert not problems and cache.parsed == 4  # two entities, one article, one sidecar
    again, problems = load_briefing(tmp_path, cache=cache)
    assert not problems and cache.parsed == 0
    assert again.entities == first.entities and again.articles == first.articles
    sidecar = tmp_path / "briefing_src/articles/ok.annotations.yml"
    sidecar.write_text("- quote: Text about Kling\n  kind: question\n  note: Changed.\n")
    changed, problems = load_briefing(tmp_path, cache=cache)
    assert not problems and cache.parsed == 1  # only the edited annotation file
    assert changed.articles[0].annotations[0].model.kind == "question"
    # A file's problems are reported from the cache too, every time.
    sidecar.write_text("- quote: Text about Kling\n  kind: opinion\n  note: Bad.\n")
    for expected in (1, 0):
        _, problems = load_briefing(tmp_path, cache=cache)
        assert cache.parsed == expected
        assert [p.position.path for p in problems] == ["briefing_src/articles/ok.annotations.yml"]


def test_limits_on_annotations_and_quotes(tmp_path: Path) -> None:
    notes = "".join(
        f"- quote: Text about Kling\n  kind: context\n  note: N{i}.\n" for i in range(3)
    )
    long_quote = "- quote: " + "word " * 30 + "\n  kind: context\n  note: Long.\n"
    write_sources(tmp_path, {"articles/ok.annotations.yml": notes + long_quote})
    briefing, problems = load_briefing(
        tmp_path, limits=Limits(max_annotations=2, max_quote_length=100)
    )
    assert [p.format() for p in problems] == [
        "briefing_src/articles/ok.annotations.yml:10:10: error: quote is 149 characters, longer "
        "than the limit of 100: quote a sentence, not a passage",
        "briefing_src/articles/ok.annotations.yml:1:1: error: 3 annotations for one article, "
        "more than the limit of 2; the rest are left out",
    ]
    assert len(briefing.articles[0].annotations) == 2
