"""Issue 22, round two: a hostile export given to ``briefing import-annotations`` and a
hostile project given to ``briefing export`` get nothing. Each attack goes through the
real command (a subprocess, as CI runs it) on a copy of the ``basic`` fixture."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefing.core.files import write_atomically
from briefing.core.sources import load_briefing

BRIEFING = str(Path(sys.executable).with_name("briefing"))
SIDECAR = "briefing_src/articles/kling-launch.annotations.yml"
QUOTE = "months before OpenAI did the same"


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BRIEFING, *args], cwd=project, capture_output=True, text=True, check=False, timeout=300
    )


def row(note: str, quote: str = QUOTE, created: str = "2025-01-02T10:00:00Z") -> dict[str, Any]:
    """One annotation of a Hypothesis export on the fixture's Kling article."""
    page = "https://example.org/site/articles/kling-launch/"
    return {
        "uri": page,
        "text": note,
        "tags": ["context"],
        "user": "acct:reader@hypothes.is",
        "created": created,
        "target": [{"source": page, "selector": [{"type": "TextQuoteSelector", "exact": quote}]}],
    }


def import_rows(project: Path, *rows: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    export = project / "export.json"
    export.write_text(json.dumps({"rows": list(rows)}), "utf-8")
    return run(project, "import-annotations", str(export))


@pytest.mark.parametrize(
    ("note", "char"),
    [
        # A bare carriage return: written raw, the sidecar read back as two annotations,
        # the second an unanchored fact-check with the verdict "false".
        ("Fine.\r- quote: x\r  kind: fact-check\r  verdict: 'false'\r  note: evil", "U+000D"),
        ("Red \x1b[31malert", "U+001B"),  # ESC: YAML refuses the whole sidecar
        ("Half a pair \ud800 of surrogates", "U+D800"),  # emptied the sidecar (78 -> 0 bytes)
        ("Line\u2028- quote: x", "U+2028"),  # a YAML line break, as the carriage return
        ("Next line\x85 too", "U+0085"),
    ],
    ids=["carriage-return", "escape", "lone-surrogate", "line-separator", "next-line"],
)
def test_a_note_yaml_would_misread_is_an_error_and_the_sidecar_keeps_its_bytes(
    project: Path, note: str, char: str
) -> None:
    before = (project / SIDECAR).read_bytes()
    done = import_rows(project, row("A good note."), row(note))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stdout.splitlines() if ": error: " in line]
    assert len(problems) == 1, done.stdout
    assert "export.json:1:" in problems[0]
    assert "annotation 2 not imported: 'note' holds " + char in problems[0]
    # The good one is added after the old bytes, the bad one nowhere.
    after = (project / SIDECAR).read_bytes()
    assert after.startswith(before)
    added = yaml.safe_load(after[len(before) :])
    assert [a["note"] for a in added] == ["A good note.\n"]
    briefing, problems_after = load_briefing(project, "briefing_src")
    assert not problems_after.errors
    article = briefing.article("kling-launch")
    assert article is not None and len(article.annotations) == 4


def test_a_windows_line_end_in_a_note_is_a_line_end(project: Path) -> None:
    done = import_rows(project, row("First line.\r\nSecond line."))
    assert done.returncode == 0, done.stdout + done.stderr
    added = yaml.safe_load((project / SIDECAR).read_text("utf-8"))[-1]
    assert added["note"] == "First line.\nSecond line.\n"


@pytest.mark.parametrize(
    ("created", "message"),
    [
        ("2025-02-30T10:00:00Z", "'created': '2025-02-30T10:00:00Z' is not a date"),
        ("yesterday", "'created': 'yesterday' is not a date"),
    ],
)
def test_an_impossible_date_is_an_error(project: Path, created: str, message: str) -> None:
    before = (project / SIDECAR).read_bytes()
    done = import_rows(project, row("Dated.", created=created))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"annotation 1 not imported: {message}" in done.stdout
    assert (project / SIDECAR).read_bytes() == before


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps(
            {"rows": [row("Deep.")], "more": functools.reduce(lambda v, _: [v], range(40), 1)}
        ),
        "1" * 5_000,
    ],
    ids=["recursion", "over-the-depth", "huge-number"],
)
def test_deep_or_odd_json_is_an_error_not_a_traceback(project: Path, text: str) -> None:
    before = (project / SIDECAR).read_bytes()
    (project / "export.json").write_text(text, "utf-8")
    done = run(project, "import-annotations", "export.json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith("export.json:1:1: error: ")
    assert (project / SIDECAR).read_bytes() == before


def test_a_write_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "kept.yml"
    target.write_text("- quote: kept\n", "utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "- quote: \ud800\n")
    assert target.read_text("utf-8") == "- quote: kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.yml"]  # no temporary file left
    write_atomically(target, "- quote: new\n")
    assert target.read_text("utf-8") == "- quote: new\n"
