"""Profile one MkDocs build in CPU time, or the rebuild ``mkdocs serve`` makes after an edit.

    .venv/bin/python benchmarks/profile_build.py PROJECT [-f CONFIG] [--serve-edit FILE] [-o OUT]

PROJECT is a project folder, e.g. one the site benchmark keeps
(``python -m briefing.devtools.bench --keep DIR``: ``DIR/synthetic-300/briefing`` with the
plugin, ``.../plain`` without). The profiler's clock is the process's CPU time
(``time.process_time``), so the other processes of a shared machine do not count.

Without ``--serve-edit`` it profiles ``mkdocs build`` (imports included). With it, it
does what ``mkdocs serve`` does (commands/serve.py of MkDocs 1.6): one build with the
``serve`` start-up, then appends a word to FILE and profiles the rebuild, which loads
the configuration again and builds the whole site (MkDocs' default, not ``--dirty``);
FILE is restored afterwards. It writes OUT (``.prof``, for ``pstats`` or snakeviz) and
prints the functions of largest cumulative and own time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import runpy
import shutil
import sys
import tempfile
import time
from pathlib import Path


def profile_build(project: Path, config: str) -> cProfile.Profile:
    profiler = cProfile.Profile(time.process_time)
    sys.argv = ["mkdocs", "build", "-q", "-f", config]
    os.chdir(project)
    profiler.enable()
    try:
        runpy.run_module("mkdocs", run_name="__main__")
    except SystemExit as status:
        if status.code:
            raise
    finally:
        profiler.disable()
    return profiler


def profile_serve_rebuild(project: Path, config: str, edited: Path) -> cProfile.Profile:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    os.chdir(project)
    site = tempfile.mkdtemp(prefix="mkdocs_")
    url = "http://127.0.0.1:8000/"

    def get_config():  # type: ignore[no-untyped-def]  # as serve.py's
        cfg = load_config(config_file=config, site_dir=site)
        cfg.site_url = url
        return cfg

    first = get_config()
    first.plugins.on_startup(command="serve", dirty=False)
    build(first, serve_url=url)
    original = edited.read_bytes()
    edited.write_bytes(original + b"\n\nprofiledit\n")
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.enable()
        build(get_config(), serve_url=url)  # serve's builder() after a change
        profiler.disable()
    finally:
        edited.write_bytes(original)
        first.plugins.on_shutdown()
        shutil.rmtree(site, ignore_errors=True)  # as serve removes its temporary site
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("project", type=Path)
    parser.add_argument("-f", "--config", default="mkdocs.yml")
    parser.add_argument("--serve-edit", type=Path, help="profile the rebuild after editing this")
    parser.add_argument("-o", "--output", type=Path, default=Path("build.prof"))
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    output = args.output.resolve()
    os.environ.update(BRIEFING_PDF="0", NO_MKDOCS_2_WARNING="1")
    if args.serve_edit:
        profiler = profile_serve_rebuild(args.project, args.config, args.serve_edit.resolve())
    else:
        profiler = profile_build(args.project, args.config)
    profiler.dump_stats(output)
    stats = pstats.Stats(str(output))
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats("/briefing/", args.top)


if __name__ == "__main__":
    main()
