"""What a change does to the briefing, as Markdown for a pull request's job summary.

The base revision's sources are taken from git (``git archive``) into a temporary
folder and analysed exactly like the working tree, so the comparison sees what
the build would see: entities, articles and annotations added, changed and
removed, and the mentions each entity gains or loses across the site.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..core.context import RenderContext
from ..core.diagnostics import Diagnostics, printable
from ..core.model import Annotation, Briefing
from ..site.pages import md_escape
from .check import Analysis, analyze_project

KEEP = ("mkdocs.yml", "docs", "briefing_src")


class SummaryError(Exception):
    pass


def base_tree(root: Path, revision: str, target: Path, paths: tuple[str, ...]) -> None:
    """Extract ``paths`` (those that exist at ``revision``) of the repository into target."""
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", revision, "--", *paths],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise SummaryError(f"unknown revision {revision!r}: {listed.stderr.strip()}")
    present = [p for p in listed.stdout.split("\n") if p]
    if not present:
        return
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "--", *present],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SummaryError(archive.stderr.decode(errors="replace").strip())
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")


@dataclass
class Change:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def _annotation_key(a: Annotation) -> tuple[str, str]:
    return (a.article, " ".join(a.model.quote.split()))


def _annotations(briefing: Briefing | None) -> dict[tuple[str, str], Annotation]:
    if briefing is None:
        return {}
    return {_annotation_key(a): a for article in briefing.articles for a in article.annotations}


def _compare(old: dict[str, object], new: dict[str, object]) -> Change:
    return Change(
        added=sorted(k for k in new if k not in old),
        changed=sorted(k for k in new if k in old and old[k] != new[k]),
        removed=sorted(k for k in old if k not in new),
    )


def _mention_counts(analysis: Analysis) -> Counter[str]:
    return Counter({e: len(m) for e, m in analysis.context.mentions.items()})


def summarize(config_file: str | Path, base: str) -> str:
    """Markdown describing the change from ``base`` to the working tree."""
    path = Path(config_file).resolve()
    root = path.parent
    toplevel = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True
    )
    if toplevel.returncode != 0:
        raise SummaryError("not inside a git repository")
    repo = Path(toplevel.stdout.strip())
    prefix = root.relative_to(repo).as_posix()
    head = analyze_project(path)
    with tempfile.TemporaryDirectory(prefix="briefing-base-") as tmp:
        paths = tuple(f"{prefix}/{p}" if prefix != "." else p for p in KEEP)
        base_tree(repo, base, Path(tmp), paths)
        base_root = Path(tmp) / prefix
        base_config = base_root / "mkdocs.yml"
        if base_config.is_file():
            before = analyze_project(base_config)
        else:
            before = Analysis(None, RenderContext(), Diagnostics())
    return render(before, head, base)


def _md(text: str) -> str:
    """Contributed text as Markdown that shows as itself, on one line, in a table too."""
    return md_escape(printable(text)).replace("|", "\\|")


def _code(text: str) -> str:
    """``text`` as one inline code span, whatever backticks it holds."""
    text = " ".join(printable(text).split())
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def render(before: Analysis, after: Analysis, base: str) -> str:
    old_b, new_b = before.briefing, after.briefing
    entities = _compare(
        {k: e.model for k, e in (old_b.entities if old_b else {}).items()},
        {k: e.model for k, e in (new_b.entities if new_b else {}).items()},
    )
    articles = _compare(
        {a.slug: (a.model.model_copy(update={"annotations": []}), a.body) for a in old_b.articles}
        if old_b
        else {},
        {a.slug: (a.model.model_copy(update={"annotations": []}), a.body) for a in new_b.articles}
        if new_b
        else {},
    )
    old_notes, new_notes = _annotations(old_b), _annotations(new_b)
    notes = _compare(
        {f"{k[0]}\0{k[1]}": v.model for k, v in old_notes.items()},
        {f"{k[0]}\0{k[1]}": v.model for k, v in new_notes.items()},
    )
    old_counts, new_counts = _mention_counts(before), _mention_counts(after)
    mention_rows = sorted(
        (e, old_counts.get(e, 0), new_counts.get(e, 0))
        for e in set(old_counts) | set(new_counts)
        if old_counts.get(e, 0) != new_counts.get(e, 0)
    )
    names = {e.id: e.name for b in (old_b, new_b) if b for e in b.entities.values()}
    errors = after.problems.errors

    lines = [f"## Briefing: what this change does (against `{base}`)", ""]
    if errors:
        lines += [f"**{len(errors)} problem(s)** would fail the build:", ""]
        lines += [f"- {_code(d.format())}" for d in errors[:50]]
        if len(errors) > 50:
            lines.append(f"- and {len(errors) - 50:,} more")
        lines.append("")
    else:
        lines += ["The briefing builds without problems.", ""]
    if not (entities or articles or notes or mention_rows):
        lines.append("No change to entities, articles, annotations or mentions.")
        return "\n".join(lines) + "\n"

    def section(title: str, change: Change, label: dict[str, str]) -> None:
        if not change:
            return
        lines.extend([f"### {title}", ""])
        for verb, keys in (
            ("added", change.added),
            ("changed", change.changed),
            ("removed", change.removed),
        ):
            for key in keys:
                lines.append(f"- {verb}: {label.get(key, key)}")
        lines.append("")

    section(
        "Entities",
        entities,
        {k: f"**{_md(names.get(k, k))}** (`{k}`)" for k in set(names)},
    )
    titles = {a.slug: a.title for b in (old_b, new_b) if b for a in b.articles}
    section("Articles", articles, {k: f"**{_md(v)}** (`{k}`)" for k, v in titles.items()})
    labels = {}
    for key, annotation in {**old_notes, **new_notes}.items():
        quote = " ".join(annotation.model.quote.split())
        short = quote if len(quote) <= 80 else quote[:77] + "…"
        labels[f"{key[0]}\0{key[1]}"] = f"{annotation.model.kind} on `{key[0]}`: “{_md(short)}”"
    section("Annotations", notes, labels)
    if mention_rows:
        lines += [
            "### Mentions",
            "",
            "| entity | before | after | change |",
            "|---|---:|---:|---:|",
        ]
        for entity, was, now in mention_rows:
            lines.append(f"| {_md(names.get(entity, entity))} | {was} | {now} | {now - was:+d} |")
        lines.append("")
    return "\n".join(lines) + "\n"
