"""``briefing import-annotations FILE``: Web Annotations into the articles' sidecars.

Reads W3C Web Annotations (one, a list, or an AnnotationCollection, such as the site's
own ``annotations.jsonld``) or a Hypothesis export (its API's ``rows``, or a list of
them) whose targets are the briefing's article pages, and appends each to
``<slug>.annotations.yml``. Nothing is ever overwritten: existing files are edited with
ruamel.yaml's round-trip mode (comments and layout kept) and only get new items; an
annotation already there is skipped. Each new one is validated with the loader's own
model and anchored with the build's own rule before it is written, and the project is
checked again afterwards, exactly as a hand-written one would be. What does not anchor
is reported with the closest passage and not written.

The export is a stranger's file (SECURITY.md): its nesting is bounded, every step runs
in time linear in its size, a value YAML would not read back as written (a control
character, a carriage return, a lone surrogate) is an error naming the annotation, each
new sidecar is read back by the loader's own YAML reader and model before it is
written, and it is written whole or not at all (a temporary file, then a rename).

This module runs the import; ``importer_formats`` reads the export, ``importer_plan``
anchors and validates each annotation, ``importer_sidecars`` writes the YAML.
"""

from __future__ import annotations

from pathlib import Path

from ..core.diagnostics import Diagnostics, Position
from ..core.files import write_atomically
from .check import analyze_project
from .importer_formats import read_candidates
from .importer_plan import ImportReport, plan_import
from .importer_sidecars import sidecar_text

MAX_BYTES = 20_000_000


def import_annotations(config_file: str | Path, export: str | Path) -> ImportReport:
    """Plan the import of ``export`` into the project of ``config_file`` (writes
    nothing: ``report.texts`` holds each sidecar's new text)."""
    report = ImportReport()
    path = Path(export)
    shown = str(export)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        report.problems.error(Position(shown), f"cannot read: {exc.strerror}")
        return report
    if len(raw) > MAX_BYTES:
        report.problems.error(Position(shown), f"larger than {MAX_BYTES} bytes")
        return report
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problems.error(Position(shown), "not UTF-8")
        return report
    candidates = read_candidates(text, shown, report.problems)
    analysis = analyze_project(config_file)
    if analysis.briefing is None or analysis.problems.errors:
        report.problems.error(
            Position(str(config_file)),
            "the briefing has problems of its own: fix what `briefing check` reports first",
        )
        return report
    briefing = analysis.briefing
    planned = plan_import(
        candidates, briefing, analysis.context.article_text, report, analysis.limits
    )
    root = Path(config_file).resolve().parent
    for slug, entries in planned.items():
        rel = f"{briefing.src}/articles/{slug}.annotations.yml"
        file = root / rel
        try:
            existing = file.read_text("utf-8") if file.exists() else None
            report.texts[rel] = sidecar_text(existing, slug, entries, analysis.limits)
        except (ValueError, OSError) as exc:
            report.problems.error(Position(rel), f"not changed: {exc}")
            continue
        report.written[rel] = entries
    return report


def write_and_check(config_file: str | Path, report: ImportReport) -> Diagnostics:
    """Write the planned sidecars (each whole or not at all), then check the project as
    CI would: the problems found in the files just written."""
    root = Path(config_file).resolve().parent
    for rel, text in report.texts.items():
        write_atomically(root / rel, text)
    problems = Diagnostics()
    for problem in analyze_project(config_file).problems:
        if problem.position.path in report.texts:
            problems.add(problem)
    return problems
