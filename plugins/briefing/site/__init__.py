"""The site generator: generated pages, figures, search setup, open data, CSP."""

from pathlib import Path

THEME_DIR = Path(__file__).parent / "theme"
"""Briefing's own templates and assets (``assets/briefing/``), a theme folder."""
