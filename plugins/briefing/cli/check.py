"""``briefing check``: everything the build would reject, without building (the
rendering is :func:`briefing.hosts.project.analyze_project`, shared with the export)."""

from __future__ import annotations

from pathlib import Path

from ..core.diagnostics import Diagnostics
from ..hosts.project import Analysis, analyze_project

__all__ = ["Analysis", "analyze_project", "check_project"]


def check_project(config_file: str | Path = "mkdocs.yml") -> Diagnostics:
    """Load and render a project's briefing; return every problem found."""
    return analyze_project(config_file).problems
