"""Build into a staging folder and publish it only when the build succeeded, so a
failed or strict-failed build leaves the previous site exactly as it was."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path


class _WarningCounter(logging.Handler):
    """Counts warnings, as MkDocs' strict mode does, to know whether it will abort."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class Staging:
    def __init__(self, site_dir: str) -> None:
        self.site_dir = site_dir
        parent = Path(site_dir).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        self.folder = tempfile.mkdtemp(prefix=".site-staging-", dir=parent)
        self.counter = _WarningCounter()
        logging.getLogger("mkdocs").addHandler(self.counter)

    def publish(self, strict: bool) -> bool:
        """Swap the staged site in, unless strict mode is about to abort the build."""
        logging.getLogger("mkdocs").removeHandler(self.counter)
        if strict and self.counter.count:
            self.discard()
            return False
        target = Path(self.site_dir)
        old = None
        if target.exists():
            old = tempfile.mkdtemp(prefix=".site-old-", dir=target.resolve().parent)
            os.replace(target, Path(old, "site"))
        os.replace(self.folder, target)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        return True

    def discard(self) -> None:
        logging.getLogger("mkdocs").removeHandler(self.counter)
        shutil.rmtree(self.folder, ignore_errors=True)
