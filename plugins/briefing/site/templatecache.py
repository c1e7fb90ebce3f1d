"""Briefing's own templates, compiled once a machine instead of once a build.

Jinja compiles every template from its source in each process: Briefing's 19 templates
(the theme's pages and parts, the generated pages' Markdown, the figures) cost a build
about 0.09 s, a tenth of a ten-page site's whole build. Like Python's own bytecode, the
compiled code is now kept between builds, with Jinja's file cache
(:class:`jinja2.FileSystemBytecodeCache`) in its default folder: one per user in the
system's temporary folder, created with mode 0700 and refused when another user owns it.

Only Briefing's templates are kept. Material's, the site's overrides and other plugins'
compile as they would without Briefing. A kept template is found by its name, its file,
a checksum of its source (all three Jinja's), the settings of the environment that
compiles it and Jinja's version, so an edited template, another Jinja or Python, or an
environment with other delimiters or extensions compiles again. A cache that cannot be
used (no writable temporary folder, an unsafe one, a damaged file) only means
compiling, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from functools import cache
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

OWN = Path(__file__).resolve().parent
"""Briefing's templates are the files under this folder (``briefing/site/``)."""


def settings(env: jinja2.Environment, name: str) -> str:
    """What else than the source decides what ``env`` compiles ``name`` to."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    return repr(
        (
            env.block_start_string,
            env.block_end_string,
            env.variable_start_string,
            env.variable_end_string,
            env.comment_start_string,
            env.comment_end_string,
            env.line_statement_prefix,
            env.line_comment_prefix,
            env.trim_blocks,
            env.lstrip_blocks,
            env.newline_sequence,
            env.keep_trailing_newline,
            env.optimized,
            env.is_async,
            env.finalize is not None,
            bool(autoescape),
            sorted(env.extensions),
            env.code_generator_class.__qualname__,
            jinja2.__version__,  # Jinja's own magic changes only with its cache format
        )
    )


class OwnTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, for the templates under :data:`OWN` only."""

    def __init__(self, directory: str | None = None) -> None:
        super().__init__(directory, "briefing-%s.cache")
        self._kept: set[str] = set()

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        key = hashlib.sha1(
            f"{self.get_cache_key(name, filename)}|{settings(environment, name)}".encode()
        ).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        if filename is not None and Path(os.path.realpath(filename)).is_relative_to(OWN):
            self._kept.add(key)
            try:
                self.load_bytecode(bucket)
            except Exception:  # a damaged file (pickle, marshal): compile again
                bucket.reset()
        return bucket

    def set_bucket(self, bucket: Bucket) -> None:
        if bucket.key in self._kept:
            with contextlib.suppress(OSError):  # a full or read-only disk: compile next time
                self.dump_bytecode(bucket)


@cache
def own_templates() -> OwnTemplates | None:
    """The cache, or None where the temporary folder cannot hold one safely: Jinja's
    refusal, or a temporary folder in the working folder (:mod:`tempfile` falls back to
    the working folder itself when no system folder is writable) or in a git work tree
    (a ``TMPDIR`` in the project, wherever the build runs from). That is a project's
    folder, which a pull request writes: an entry planted there would run in the build."""
    folder = Path(os.path.realpath(tempfile.gettempdir()))
    if folder.is_relative_to(os.path.realpath(os.getcwd())):
        return None
    if any(os.path.lexists(place / ".git") for place in (folder, *folder.parents)):
        return None
    try:
        return OwnTemplates()
    except (OSError, RuntimeError):  # Jinja's refusal of an unsafe folder is a RuntimeError
        return None
