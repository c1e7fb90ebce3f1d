"""Time and peak memory of the PDF book (Typst), against plain WeasyPrint in the same run.

    .venv/bin/python benchmarks/pdf_book.py [--articles 200] [--no-shipped]

For the shipped briefing and for a large one (the shipped articles repeated with new
slugs and dates up to --articles, so every page is real content with real
annotations), each in a fresh process:

1. the site alone;
2. site and book, cold (empty cache folder);
3. the same again, warm (nothing changed: every part comes from the cache);
4. warm after editing one article (that article, the glossary and the contents are
   laid out again);
5. plain WeasyPrint on simple HTML (headings and paragraphs, no footnotes, no index)
   of the same number of pages: the baseline the book's pages per second are compared
   with, because absolute times drift on a shared machine.

Peak RSS is sampled from /proc over the whole process tree (the build and its layout
workers together) and for the largest single process.
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
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "the committee reviewed open models released by laboratories in Beijing Hangzhou and "
    "Shanghai and compared their licences benchmarks and the chips they were trained on "
).split()


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


def tree_rss(pid: int) -> tuple[int, int]:
    """(sum, largest) resident set of ``pid`` and its descendants, in kB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        found = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(found.group(1)) if found else 0
    todo, seen = [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo.extend(children.get(current, []))
    values = [rss.get(p, 0) for p in seen]
    return sum(values), max(values, default=0)


@dataclass
class Run:
    seconds: float
    output: str
    peak_sum_mb: float
    peak_one_mb: float
    cpu: float
    """CPU seconds (user + system) of the process and its layout workers."""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peaks = [0, 0]

    def sample() -> None:
        while process.poll() is None:
            total, one = tree_rss(process.pid)
            peaks[0], peaks[1] = max(peaks[0], total), max(peaks[1], one)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Run(elapsed, output, peaks[0] / 1024, peaks[1] / 1024, cpu)


def build(project: Path, pdf: bool) -> Run:
    env = {**os.environ, "BRIEFING_PDF": "1" if pdf else "0", "NO_MKDOCS_2_WARNING": "1"}
    return run([sys.executable, "-m", "mkdocs", "build", "-v" if pdf else "-q"], project, env)


def pdf_step(result: Run) -> tuple[int, float, str]:
    found = re.search(r"PDF book: \S+, (\d+) pages in ([\d.]+) s \(([^)]*)\)", result.output)
    if not found:
        raise SystemExit(f"no PDF line in the build's output:\n{result.output[-3000:]}")
    return int(found.group(1)), float(found.group(2)), found.group(3)


def plain_html(pages: int) -> str:
    """Simple HTML of exactly ``pages`` A4 pages: a heading and three paragraphs each."""
    sections = []
    for n in range(pages):
        paragraphs = "".join(
            "<p>" + " ".join(WORDS[(n + k + i) % len(WORDS)] for i in range(110)) + ".</p>"
            for k in range(3)
        )
        sections.append(f"<section><h1>Section {n + 1}</h1>{paragraphs}</section>")
    style = (
        "@page { size: A4; margin: 24mm 22mm; @bottom-center { content: counter(page) } }"
        "body { font: 10pt 'Noto Serif CJK SC', serif; line-height: 1.5 }"
        "section { break-before: page }"
    )
    return f"<html lang='en'><style>{style}</style><body>{''.join(sections)}</body></html>"


def plain(pages: int, out: str) -> None:
    """Lay out the simple HTML with plain WeasyPrint (run in its own process)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: Pango missing
        raise SystemExit(
            f"plain WeasyPrint, the baseline, is not available ({error}): install the [test] "
            "extra and Pango (. scripts/setup.sh; ensure_bench_deps)"
        ) from error

    started = time.perf_counter()
    document = HTML(string=plain_html(pages)).render()
    document.write_pdf(out)
    print(f"plain: {len(document.pages)} pages in {time.perf_counter() - started:.2f} s")


def baseline(pages: int) -> tuple[int, float, Run]:
    with tempfile.TemporaryDirectory() as tmp:
        done = run(
            [sys.executable, __file__, "--plain", str(pages), str(Path(tmp, "plain.pdf"))],
            ROOT,
            dict(os.environ),
        )
    found = re.search(r"plain: (\d+) pages in ([\d.]+) s", done.output)
    assert found, done.output
    return int(found.group(1)), float(found.group(2)), done


def measure(label: str, project: Path, pages_hint: int) -> None:
    """Plain WeasyPrint runs right before and right after the cold book, so that both
    see about the same load; the CPU-time ratio does not depend on the load at all."""
    site = build(project, pdf=False)
    shutil.rmtree(project / ".cache", ignore_errors=True)
    hint_pages, plain_before, plain_run = baseline(pages_hint)
    cold = build(project, pdf=True)
    pages, cold_s, cold_parts = pdf_step(cold)
    plain_pages, plain_after, plain_run2 = baseline(pages)
    book_rate = pages / cold_s
    plain_rate = (hint_pages / plain_before + plain_pages / plain_after) / 2
    book_cpu = max(cold.cpu - site.cpu, 0.001)  # the PDF step's share of the build's CPU
    plain_cpu_rate = (hint_pages / plain_run.cpu + plain_pages / plain_run2.cpu) / 2
    print(f"{label}: {pages} pages")
    print(
        f"  site alone {site.seconds:.1f} s (peak RSS {site.peak_one_mb:.0f} MB); "
        f"site + PDF (cold) {cold.seconds:.1f} s"
    )
    print(
        f"  PDF step cold {cold_s:.1f} s = {book_rate:.1f} pages/s ({cold_parts}); "
        f"{book_cpu:.0f} CPU s = {pages / book_cpu:.1f} pages per CPU s; "
        f"peak RSS {cold.peak_sum_mb:.0f} MB all processes, "
        f"{cold.peak_one_mb:.0f} MB largest process"
    )
    print(
        f"  plain WeasyPrint, simple HTML: {hint_pages} pages in {plain_before:.1f} s before, "
        f"{plain_pages} in {plain_after:.1f} s after = {plain_rate:.1f} pages/s; "
        f"{plain_cpu_rate:.1f} pages per CPU s; "
        f"peak RSS {plain_run.peak_one_mb:.0f} MB"
    )
    print(
        f"  book / plain: {book_rate / plain_rate:.2f}x pages per second, "
        f"{(pages / book_cpu) / plain_cpu_rate:.2f}x pages per CPU second"
    )
    sys.stdout.flush()  # the cold figures first: the warm runs take a while
    warm = build(project, pdf=True)
    _, warm_s, warm_parts = pdf_step(warm)
    article = sorted((project / "briefing_src" / "articles").glob("*.md"))[-1]
    article.write_text(article.read_text("utf-8") + "\nOne more sentence, for the benchmark.\n")
    edited = build(project, pdf=True)
    _, edited_s, edited_parts = pdf_step(edited)
    print(
        f"  PDF step warm, nothing changed {warm_s:.1f} s ({warm_parts}); "
        f"peak RSS {warm.peak_sum_mb:.0f} MB all processes, {warm.peak_one_mb:.0f} MB largest"
    )
    print(f"  PDF step warm, one article edited {edited_s:.1f} s ({edited_parts})")


def main() -> None:
    # The book's cache in each project, which a cold run empties (not one the caller set).
    os.environ.pop("BRIEFING_CACHE_DIR", None)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped briefing")
    parser.add_argument("--keep", help="build the large briefing in this folder and keep it")
    parser.add_argument("--plain", nargs=2, metavar=("PAGES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain:
        plain(int(args.plain[0]), args.plain[1])
        return
    if not args.no_shipped:
        with tempfile.TemporaryDirectory() as tmp:
            shipped = Path(tmp, "shipped")
            shipped.mkdir()
            make_project(shipped, None)
            measure("shipped briefing", shipped, 56)
    with tempfile.TemporaryDirectory() as tmp:
        large = Path(args.keep or Path(tmp, "large"))
        large.mkdir(parents=True, exist_ok=True)
        make_project(large, args.articles)
        measure(f"{args.articles} articles", large, args.articles * 31 // 10)


if __name__ == "__main__":
    main()
