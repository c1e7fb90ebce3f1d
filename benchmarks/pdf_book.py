"""Time and peak memory of the PDF book, for the shipped briefing and a large one.

    .venv/bin/python benchmarks/pdf_book.py [--articles 200]

Builds each briefing twice in a fresh process, with and without the PDF book,
and prints wall time, peak RSS and PDF pages per second. The large briefing is
the shipped one with its articles repeated (new slugs and dates) up to
--articles, so every page is real content with real annotations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_project(target: Path, articles: int | None) -> None:
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", target / "docs")
    shutil.copytree(ROOT / "briefing_src" / "entities", target / "briefing_src" / "entities")
    out = target / "briefing_src" / "articles"
    out.mkdir(parents=True)
    sources = sorted((ROOT / "briefing_src" / "articles").glob("*.md"))
    if articles is None:
        for f in (ROOT / "briefing_src" / "articles").iterdir():
            shutil.copy(f, out / f.name)
        return
    start = dt.date(2024, 1, 1)
    for i in range(articles):
        source = sources[i % len(sources)]
        slug = f"{source.stem}-{i:04d}"
        text = source.read_text("utf-8")
        date = start + dt.timedelta(days=i)
        text = re.sub(r"^date: .*$", f"date: {date.isoformat()}", text, count=1, flags=re.M)
        (out / f"{slug}.md").write_text(text, "utf-8")
        sidecar = source.with_name(source.stem + ".annotations.yml")
        if sidecar.exists():
            shutil.copy(sidecar, out / f"{slug}.annotations.yml")
    # The home page links the shipped articles by slug; keep it simple for the copy.
    (target / "docs" / "index.md").write_text("# Benchmark briefing\n\nSee [[kling]].\n")


def build(project: Path, pdf: bool) -> tuple[float, str]:
    env = {**os.environ, "BRIEFING_PDF": "1" if pdf else "0", "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "-q" if not pdf else "-v"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"build failed:\n{output}")
    return elapsed, output


def measure(label: str, project: Path) -> None:
    """Peak RSS is the largest of the builds so far (getrusage of children), so run
    the smaller briefing first."""
    site_time, _ = build(project, pdf=False)
    total, output = build(project, pdf=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    found = re.search(r"PDF book: \S+, (\d+) pages in ([\d.]+) s", output)
    pages, pdf_time = (int(found.group(1)), float(found.group(2))) if found else (0, float("nan"))
    print(
        f"{label}: site {site_time:.1f} s; site + PDF {total:.1f} s; PDF step {pdf_time:.1f} s "
        f"for {pages} pages = {pages / pdf_time:.1f} pages/s; "
        f"peak RSS {peak / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shipped = Path(tmp, "shipped")
        shipped.mkdir()
        make_project(shipped, None)
        measure("shipped briefing", shipped)
    with tempfile.TemporaryDirectory() as tmp:
        large = Path(tmp, "large")
        large.mkdir()
        make_project(large, args.articles)
        measure(f"{args.articles} articles", large)


if __name__ == "__main__":
    main()
