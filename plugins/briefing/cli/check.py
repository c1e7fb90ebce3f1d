"""``briefing check``: everything a strict build would reject, in ``path:line:col`` form.

The work is :func:`briefing.hosts.project.analyze_project`, which runs the real build
(one code path decides) and is shared with the export and the CLI's reports."""

from __future__ import annotations

from pathlib import Path

from ..core.diagnostics import Diagnostics
from ..hosts.project import Analysis, analyze_project

__all__ = ["Analysis", "analyze_project", "check_project"]


def check_project(config_file: str | Path = "mkdocs.yml") -> Diagnostics:
    """Build a project as ``mkdocs build --strict`` does, what the book refuses
    included (its pages read for Typst, not laid out); return every problem the build
    reports."""
    return analyze_project(config_file, glyphs=True).problems
