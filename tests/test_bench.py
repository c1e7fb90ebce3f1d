"""The benchmark runs, and its plain twin really renders the same text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from briefing.cli.bench import generate, main
from briefing.core.sources import load_briefing


def test_the_plain_twin_has_the_same_pages_and_notes(tmp_path: Path) -> None:
    generate(tmp_path, articles=3, entities=8)
    briefing, problems = load_briefing(tmp_path / "briefing")
    assert not problems.items
    plain = tmp_path / "plain" / "docs"
    for article in briefing.articles:
        text = (plain / "articles" / f"{article.slug}.md").read_text("utf-8")
        assert "## Annotations" in text
        for annotation in article.annotations:
            assert annotation.model.quote in text
            assert annotation.model.sources[0].url in text
    assert (plain / "map" / "index.md").exists() and (plain / "glossary" / "index.md").exists()


def test_the_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--articles", "3", "--entities", "8", "--repeat", "1"])
    out = capsys.readouterr().out
    for pattern in [
        r"build with the plugin:  median \d+\.\d\d s",
        r"plain MkDocs, same pages: median \d+\.\d\d s",
        r"ratio: \d+\.\d\dx",
        r"peak RSS: plugin \d+ MB, plain \d+ MB",
        r"mention matching: \d+\.\d MB of text at \d+\.\d MB/s",
        r"anchoring: 12 annotations in",
    ]:
        assert re.search(pattern, out), (pattern, out)
