"""The ``briefing`` command and the project-level tools it runs."""

from .main import main

__all__ = ["main"]
