"""Performance of Briefing against plain MkDocs, in one run (issue 24's figures).

    python -m briefing.devtools.bench [--articles 300,1000] [--entities 200] [--repeat 3]
        [--only synthetic|real|serve|matching ...] [--keep DIR]

Writes deterministic synthetic briefings and their plain twins
(``briefing.devtools.synthetic``), then builds each with the plugin (PDF off) and the
same pages as plain MkDocs + Material with a one-entry nav and with the plugin's nav,
alternating, and prints medians of wall and CPU time, peak memory and what each
renders. Then the Material sites of the tests with and without Briefing; the time
from an edit of one article to the served page under ``mkdocs serve`` (largest
size), plugin and plain; the mention matcher's throughput and the anchoring time;
and a table of every figure beside its baseline, with the ratio.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .synthetic import PLAIN, SAME_NAV, generate

CHECKOUT = Path(__file__).resolve().parents[3]
FIXTURES = CHECKOUT / "tests" / "fixtures"
REAL_SITES = (
    FIXTURES / "material",  # the tests' Material sites: Material's blog, every extension
    FIXTURES / "themed",  # theme overrides, inline scripts and handlers
    CHECKOUT / "benchmarks" / "sites" / "uv",  # a public project's docs (SOURCE.md there)
)
"""Real Material sites, each built as it is (with Briefing) and without Briefing."""


@dataclass(frozen=True)
class Run:
    """One build in a fresh process: wall seconds, CPU seconds (user + system of the
    process and its children), peak RSS in MB."""

    wall: float
    cpu: float
    rss: float
    errors: tuple[str, ...] = ()  # the build's error lines: a figure of a broken build


def build(project: Path, config: str = "mkdocs.yml", plugins: Path | None = None) -> Run:
    """One ``mkdocs build`` of ``project`` (PDF off) in a fresh process; its log (not
    ``-q``, which hides warnings) goes to a file, which no pipe's size can block.
    ``plugins``: another checkout's ``plugins/`` folder to import Briefing from."""
    env = {**os.environ, "BRIEFING_PDF": "0", "NO_MKDOCS_2_WARNING": "1"}
    if plugins is not None:
        env["PYTHONPATH"] = str(plugins)
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "-f", config],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        # The process's own rusage (wait4), so other processes on the machine never count.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        log.seek(0)
        errors = log.read().decode("utf-8", "replace")
    if status != 0:
        raise SystemExit(f"build of {project / config} failed:\n{errors}")
    problems = tuple(line for line in errors.splitlines() if "error:" in line)
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, problems)


def report_errors(label: str, runs: list[Run]) -> None:
    """A build that reports errors still finishes (not strict): say so beside its figures."""
    if runs and runs[0].errors:
        print(f"{label} reported {len(runs[0].errors)} errors, first: {runs[0].errors[0]}")


def fixture_pair(root: Path, fixture: Path) -> tuple[Path, Path]:
    """A real Material site (a test fixture) as it is, with Briefing, and without it:
    no plugin entry, no sources, the fixture's articles as ordinary pages at the same
    addresses (front matter cut to the title), so both builds render the same pages."""
    briefed, plain = root / f"{fixture.name}-briefing", root / f"{fixture.name}-plain"
    for copy in (briefed, plain):  # a kept folder of an earlier run
        shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(fixture, briefed)
    shutil.copytree(fixture, plain)
    config = (plain / "mkdocs.yml").read_text("utf-8")
    (plain / "mkdocs.yml").write_text(re.sub(r"  - briefing:\n(      .*\n)*", "", config))
    for article in sorted((plain / "briefing_src" / "articles").glob("*.md")):
        front, body = article.read_text("utf-8").split("\n---\n", 1)
        title = yaml.safe_load(front.removeprefix("---\n"))["title"]
        twin = plain / "docs" / "articles" / article.name
        twin.parent.mkdir(parents=True, exist_ok=True)
        twin.write_text(f"---\ntitle: {json.dumps(title)}\n---\n{body}", "utf-8")
    shutil.rmtree(plain / "briefing_src")
    return briefed, plain


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a running process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get(url: str, timeout: float) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=max(timeout, 0.1)) as response:
            return str(response.read().decode("utf-8", "replace"))
    except (OSError, TimeoutError):  # not listening yet, 404 while building, timeout
        return None


def serve_edit(
    project: Path,
    config: str,
    page: str,
    source: Path,
    limit: float,
    port: int = 0,
    dirty: bool = False,
    edits: int = 1,
) -> tuple[float, list[float], float]:
    """``mkdocs serve`` (live reload; full rebuilds, or with ``dirty`` its ``--dirty``
    rebuilds, which Briefing makes incremental) on a free
    loopback port: seconds until the first build is served; for each of ``edits``
    successive edits (a writer's, a second apart), seconds from appending a unique word
    to ``source`` until the served ``page`` shows it; and the CPU seconds the server
    spent on them (the rebuilds, from /proc; NaN elsewhere). The server is always
    stopped and ``source`` restored; past ``limit`` seconds a step gives up with an
    error."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/{page}"
    env = {**os.environ, "BRIEFING_PDF": "0", "NO_MKDOCS_2_WARNING": "1"}
    original = source.read_bytes()
    log = project / f"serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mkdocs", "serve", "-f", config),
                *("-a", f"127.0.0.1:{port}", *(["--dirty"] if dirty else [])),
            ],
            cwd=project,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:

        def wait_for(test: Callable[[str], bool], what: str) -> float:
            started = time.perf_counter()
            deadline = started + limit
            while time.perf_counter() < deadline:
                if process.poll() is not None:
                    raise SystemExit(f"mkdocs serve of {project} stopped:\n{log.read_text()}")
                body = _get(url, deadline - time.perf_counter())
                if body is not None and test(body):
                    return time.perf_counter() - started
                time.sleep(0.1)
            raise SystemExit(f"mkdocs serve of {project}: {what} not seen in {limit:.0f} s")

        first = wait_for(lambda body: True, "the first build")
        cpu, text, times = 0.0, original, []
        for number in range(edits):
            if number:
                time.sleep(1.0)  # the writer reads the page, the server settles
            word = f"benchedit{secrets.token_hex(6)}"
            before = _cpu_seconds(process.pid)
            text += f"\n\n{word}\n".encode()
            source.write_bytes(text)

            def shows(body: str, word: str = word) -> bool:
                return word in body

            times.append(wait_for(shows, f"the edit '{word}'"))
            cpu += _cpu_seconds(process.pid) - before
        return first, times, cpu / edits
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C: MkDocs removes its temporary site
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Restored once the server is gone: a restore it saw would start another rebuild.
        source.write_bytes(original)
        log.unlink(missing_ok=True)


def site_size(site: Path) -> tuple[int, float]:
    """HTML pages and their MB in a built site."""
    pages = list(site.rglob("*.html"))
    return len(pages), sum(p.stat().st_size for p in pages) / 1e6


def nav_links(page: Path) -> int:
    """Links in the page's main navigation (not its table of contents), as Material
    renders it in the sidebar of every page."""
    html = page.read_text("utf-8")
    primary = html.split("md-nav--primary", 1)[-1].split("md-nav--secondary", 1)[0]
    return primary.count('class="md-nav__link')


def matching_throughput(project: Path) -> tuple[float, float]:
    """MB of text and MB/s of the mention matcher over every article's text."""
    from ..core.mentions import build_matcher
    from ..core.sources import load_briefing

    briefing, _ = load_briefing(project)
    matcher = build_matcher(briefing)
    chunks = [p for a in briefing.articles for p in a.body.split("\n\n")]
    size = sum(len(c.encode("utf-8")) for c in chunks) / 1e6
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for chunk in chunks:
            matcher.find(chunk)
        best = min(best, time.perf_counter() - started)
    return size, size / best


def anchoring_time(project: Path) -> tuple[int, float]:
    """Annotations anchored and seconds spent on them, on the rendered articles."""
    import markdown

    from ..core.anchoring import TextIndex, locate
    from ..core.sources import load_briefing

    briefing, _ = load_briefing(project)
    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", "md_in_html"])
    trees = []
    for article in briefing.articles:
        md.reset()
        html = md.convert(article.body)
        import xml.etree.ElementTree as etree

        trees.append((article, etree.fromstring(f"<div>{html}</div>")))
    count = 0
    started = time.perf_counter()
    for article, root in trees:
        index = TextIndex(root)
        for annotation in article.annotations:
            locate(index, annotation.model.quote, annotation.model.prefix, annotation.model.suffix)
            count += 1
    return count, time.perf_counter() - started


Row = tuple[str, float, float, str]  # what, with Briefing, baseline, unit


def _runs(label: str, runs: list[Run]) -> str:
    return ", ".join(f"{r.wall:.2f}/{r.cpu:.2f}" for r in runs) + f" ({label})"


def report_synthetic(root: Path, articles: int, repeat: int) -> list[Row]:
    """Plugin against the two plain baselines, alternating, medians of ``repeat``."""
    kinds = {"plugin": (root / "briefing", "mkdocs.yml"), "plain": (root / "plain", PLAIN)}
    kinds["same nav"] = (root / "plain", SAME_NAV)
    runs: dict[str, list[Run]] = {kind: [] for kind in kinds}
    for _ in range(repeat):  # alternate, so all see the same machine state
        for kind, (project, config) in kinds.items():
            runs[kind].append(build(project, config))
    # The same-nav build ran last: its site is in plain/site now.
    plain_nav = nav_links(root / "plain" / "site" / "articles" / "a00000" / "index.html")
    size = {kind: site_size(project / "site") for kind, (project, _) in kinds.items()}
    build(root / "plain", PLAIN)  # and the baseline's site, for its size and nav
    size["plain"] = site_size(root / "plain" / "site")
    nav = {
        "plugin": nav_links(root / "briefing" / "site" / "articles" / "a00000" / "index.html"),
        "plain": nav_links(root / "plain" / "site" / "articles" / "a00000" / "index.html"),
        "same nav": plain_nav,
    }
    wall = {kind: statistics.median(r.wall for r in rs) for kind, rs in runs.items()}
    cpu = {kind: statistics.median(r.cpu for r in rs) for kind, rs in runs.items()}
    print(f"build with the plugin:  median {wall['plugin']:.2f} s wall, {cpu['plugin']:.2f} s CPU")
    print(f"plain MkDocs, same pages: median {wall['plain']:.2f} s wall, {cpu['plain']:.2f} s CPU")
    print(
        f"plain MkDocs, same pages and nav: median {wall['same nav']:.2f} s wall, "
        f"{cpu['same nav']:.2f} s CPU"
    )
    print(
        f"ratio: {wall['plugin'] / wall['plain']:.2f}x wall, {cpu['plugin'] / cpu['plain']:.2f}x "
        f"CPU (one-entry nav); {wall['plugin'] / wall['same nav']:.2f}x wall, "
        f"{cpu['plugin'] / cpu['same nav']:.2f}x CPU (same nav)"
    )
    print(
        f"peak RSS: plugin {max(r.rss for r in runs['plugin']):.0f} MB, "
        f"plain {max(r.rss for r in runs['plain']):.0f} MB"
    )
    print("runs, wall/CPU s: " + "; ".join(_runs(kind, rs) for kind, rs in runs.items()))
    for kind, rs in runs.items():
        report_errors(f"build ({kind})", rs)
    for kind in kinds:
        pages, mb = size[kind]
        print(
            f"rendered ({kind}): {pages} pages, {mb:.1f} MB of HTML, {nav[kind]} nav links a page"
        )
    label = f"{articles} articles"
    return [
        (f"{label}, wall, one-entry nav", wall["plugin"], wall["plain"], "s"),
        (f"{label}, CPU, one-entry nav", cpu["plugin"], cpu["plain"], "s"),
        (f"{label}, wall, same nav", wall["plugin"], wall["same nav"], "s"),
        (f"{label}, CPU, same nav", cpu["plugin"], cpu["same nav"], "s"),
        (f"{label}, HTML written", size["plugin"][1], size["plain"][1], "MB"),
    ]


def report_real_sites(root: Path, repeat: int) -> list[Row]:
    """The real Material sites (:data:`REAL_SITES`) built with and without Briefing."""
    rows: list[Row] = []
    for fixture in REAL_SITES:
        name = fixture.name
        if not (fixture / "mkdocs.yml").exists():
            print(f"real site {name}: none at {fixture} (a source checkout has it)")
            continue
        briefed, plain = fixture_pair(root, fixture)
        runs: dict[str, list[Run]] = {"plugin": [], "plain": []}
        for _ in range(repeat):
            runs["plugin"].append(build(briefed))
            runs["plain"].append(build(plain))
        pages, _ = site_size(briefed / "site")
        for kind, rs in runs.items():
            report_errors(f"real site {name} ({kind})", rs)
        cpu = {kind: statistics.median(r.cpu for r in rs) for kind, rs in runs.items()}
        wall = {kind: statistics.median(r.wall for r in rs) for kind, rs in runs.items()}
        print(
            f"real site {name}: {pages} pages; runs, wall/CPU s: "
            + "; ".join(_runs(kind, rs) for kind, rs in runs.items())
        )
        rows.append((f"{name} ({pages} pages), CPU", cpu["plugin"], cpu["plain"], "s"))
        rows.append((f"{name} ({pages} pages), wall", wall["plugin"], wall["plain"], "s"))
    return rows


SERVE_EDITS = 5
"""Successive edits timed under ``mkdocs serve --dirty``: what a writer makes."""


def report_serve(root: Path, articles: int, limit: float) -> list[Row]:
    """An edit of one article on screen under ``mkdocs serve``, and five in a row under
    ``mkdocs serve --dirty`` (their mean and the slowest), plugin and plain."""
    page = "articles/a00000/"
    rows: list[Row] = []
    for dirty in (False, True):
        edits = SERVE_EDITS if dirty else 1
        plugin = serve_edit(
            root / "briefing",
            "mkdocs.yml",
            page,
            root / "briefing" / "briefing_src" / "articles" / "a00000.md",
            limit,
            dirty=dirty,
            edits=edits,
        )
        plain_source = root / "plain" / "docs" / "articles" / "a00000.md"
        plain = serve_edit(
            root / "plain", PLAIN, page, plain_source, limit, dirty=dirty, edits=edits
        )
        mine, theirs = statistics.mean(plugin[1]), statistics.mean(plain[1])
        how = "mkdocs serve --dirty" if dirty else "mkdocs serve"
        each = f", mean of {edits} in a row, slowest {max(plugin[1]):.1f} s" if edits > 1 else ""
        print(
            f"{how}, {articles} articles: first build served in {plugin[0]:.1f} s "
            f"(plain {plain[0]:.1f} s), an edit on screen in {mine:.1f} s{each} "
            f"(plain {theirs:.1f} s), rebuild CPU {plugin[2]:.1f} s (plain {plain[2]:.1f} s)"
        )
        label = f"serve{' --dirty' if dirty else ''} {articles} articles"
        rows += [
            (f"{label}, first build", plugin[0], plain[0], "s"),
            (f"{label}, edit on screen", mine, theirs, "s"),
            (f"{label}, rebuild CPU", plugin[2], plain[2], "s"),
        ]
        if edits > 1:
            rows.append((f"{label}, slowest edit of {edits}", max(plugin[1]), max(plain[1]), "s"))
    return rows


def print_table(rows: list[Row]) -> None:
    print()
    print("| measure | with Briefing | baseline | ratio |")
    print("|---|---:|---:|---:|")
    for what, briefed, plain, unit in rows:
        ratio = briefed / plain if plain else float("nan")
        print(f"| {what} | {briefed:.2f} {unit} | {plain:.2f} {unit} | {ratio:.2f}x |")


PARTS = ("synthetic", "real", "serve", "matching")


def compile_plugin(package: Path | None = None) -> str:
    """Compile Briefing's modules (``package``: another checkout's ``briefing`` folder)
    to bytecode before timing, as pip did for MkDocs and Material when it installed
    them: an editable install (``scripts/setup.sh``) in an environment with
    ``PYTHONDONTWRITEBYTECODE`` set (this machine's) would otherwise compile every
    module in every build, 0.1 s that no user pays twice."""
    package = package or Path(__file__).resolve().parents[1]
    compileall.compile_dir(package, quiet=1)
    return f"Briefing's bytecode compiled ({package})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--articles", default="300,1000", help="sizes of the synthetic briefing, comma-separated"
    )
    parser.add_argument("--entities", type=int, default=200)
    parser.add_argument(
        "--repeat", type=int, default=3, help="builds of each kind; 0: matching and anchoring only"
    )
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="run only this part (repeatable)"
    )
    parser.add_argument(
        "--serve-limit", type=float, default=300, help="seconds before a serve step gives up"
    )
    parser.add_argument("--keep", type=Path, help="write the projects here and keep them")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.articles.split(",")]
    parts = set(args.only or PARTS) if args.repeat > 0 else {"matching"}
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}"
        )
        print(compile_plugin())
        rows: list[Row] = []
        needed = sizes if parts & {"synthetic"} else [max(sizes)]
        if not parts & {"synthetic", "serve", "matching"}:
            needed = []
        for articles in needed:
            started = time.perf_counter()
            project = root / f"synthetic-{articles}"
            if not (project / "briefing" / "mkdocs.yml").exists():
                generate(project, articles, args.entities)
            print(
                f"synthetic briefing: {articles} articles, {args.entities} entities "
                f"(generated in {time.perf_counter() - started:.1f} s)"
            )
            if "synthetic" in parts:
                rows += report_synthetic(project, articles, args.repeat)
        largest = root / f"synthetic-{max(sizes)}"
        if "real" in parts:
            rows += report_real_sites(root, args.repeat)
        if "serve" in parts:
            rows += report_serve(largest, max(sizes), args.serve_limit)
        if "matching" in parts:
            size, speed = matching_throughput(largest / "briefing")
            print(f"mention matching: {size:.1f} MB of text at {speed:.1f} MB/s")
            count, seconds = anchoring_time(largest / "briefing")
            print(
                f"anchoring: {count} annotations in {seconds:.2f} s "
                f"({seconds / max(count, 1) * 1000:.2f} ms each)"
            )
        if rows:
            print_table(rows)


if __name__ == "__main__":
    main()
