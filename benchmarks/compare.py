"""Two versions of the plugin and plain MkDocs, built in turn on the same projects.

On a shared machine the benchmark's ratios move by a tenth from run to run, more than
a small cut saves. This builds, round after round, the project with the plugin of
another checkout (``--before``), with this checkout's plugin, and the project's plain
twin, so that the three see the same load; it prints each one's CPU time (the build
process's own user and system time, no PDF), minimum and median, and the ratios of the
medians to plain::

    .venv/bin/python -m briefing.devtools.bench --repeat 0 --articles 300 --keep DIR
    git worktree add --detach ../before <commit>
    .venv/bin/python benchmarks/compare.py --before ../before/plugins DIR/synthetic-300

A project is a folder with ``briefing/`` and ``plain/`` (a synthetic one, as ``--keep``
writes it) or a name beside ``NAME-briefing/`` and ``NAME-plain/`` (a real site:
``DIR/themed``).
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from briefing.devtools.bench import build, compile_plugin

HERE = Path(__file__).resolve().parent.parent / "plugins"
"""This checkout's plugins/ folder."""


def pair(project: Path) -> tuple[Path, Path]:
    """The project's folders with the plugin and plain."""
    if (project / "briefing").is_dir():
        return project / "briefing", project / "plain"
    return project.with_name(project.name + "-briefing"), project.with_name(project.name + "-plain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the other checkout's plugins/")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("projects", type=Path, nargs="+", help="DIR/synthetic-300, DIR/themed ...")
    args = parser.parse_args()
    print(compile_plugin(args.before.resolve() / "briefing"))
    print(compile_plugin())
    for folder in args.projects:
        with_plugin, plain = pair(folder)
        kinds = {
            "before": (with_plugin, args.before.resolve()),
            "after": (with_plugin, HERE),
            "plain": (plain, HERE),
        }
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind, (project, plugins) in kinds.items():
                times[kind].append(build(project, plugins=plugins).cpu)
        medians = {kind: statistics.median(values) for kind, values in times.items()}
        print(f"{folder.name}: CPU s, {args.rounds} builds each")
        for kind, values in times.items():
            print(f"  {kind:7} min {min(values):6.2f}  median {medians[kind]:6.2f}")
        before, after = medians["before"] / medians["plain"], medians["after"] / medians["plain"]
        print(f"  ratio of medians to plain: before {before:.2f}x, after {after:.2f}x")


if __name__ == "__main__":
    main()
