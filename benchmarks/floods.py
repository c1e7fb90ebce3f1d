"""The floods of a hostile pull request, each through ``briefing check`` and a real
build, against a time budget.

    .venv/bin/python benchmarks/floods.py [--budget 30] [--only NAME]

Each flood is a copy of the ``basic`` test fixture with one hostile file added. The
baseline is the same fixture without it, timed in the same run; every flood prints
its seconds, its ratio to the baseline and the size of check's output. Exit status 1
when a flood takes longer than --budget seconds (or prints more than 1 MB).

The build is without the PDF book (BRIEFING_PDF=0), except for the floods aimed at
the book (marked "PDF"): those build with it, and their ratio is to a baseline built
with it too (``briefing check`` never lays the book out).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "basic"
ARTICLE = "---\ntitle: {title}\ndate: 2024-01-01\n{front}---\n{body}\n"


def article(root: Path, slug: str, body: str, front: str = "") -> None:
    text = ARTICLE.format(title=slug, front=front, body=body)
    (root / f"briefing_src/articles/{slug}.md").write_text(text, encoding="utf-8")


def unknown_links(root: Path) -> None:
    article(root, "flood", "\n\n".join(f"[[no-such-{i}]]" for i in range(20_000)))


def shared_alias(root: Path) -> None:
    for i in range(200):
        (root / f"briefing_src/entities/twin-{i}.yml").write_text(
            f"name: Twin {i}\ntype: concept\nsummary: A twin.\naliases: [Same]\n", "utf-8"
        )


def many_mentions(root: Path) -> None:
    article(root, "flood", "Kling " * 10_000)


def short_quotes(root: Path) -> None:
    quotes = "".join(f"  - {{quote: 'ab', kind: context, note: n{i}}}\n" for i in range(50))
    article(root, "flood", "ab " * 100_000, "annotations:\n" + quotes)


def unfound_quotes(root: Path) -> None:
    body = " ".join(f"word{i}" for i in range(20_000))
    quotes = "".join(
        f"  - {{quote: '{'missing quote text ' * 10}{i}', kind: context, note: n}}\n"
        for i in range(250)
    )
    article(root, "flood", body, "annotations:\n" + quotes)


def brackets(root: Path) -> None:
    article(root, "flood", "[" * 12_000)


def nested_lists(root: Path) -> None:
    article(root, "flood", "\n".join("  " * i + "- x" for i in range(300)))


def nested_divs(root: Path) -> None:
    article(root, "flood", "<div>" * 250 + "x" + "</div>" * 250)


def spanning_cells(root: Path) -> None:
    # The issue: a table of such cells took the (WeasyPrint) PDF 71 s instead of 2.
    cell = "<td colspan=100000 rowspan=100000>x</td>"
    rows = "".join(f"<tr>{cell * 10}</tr>" for _ in range(5))
    article(root, "flood", f"A table.\n\n<table>{rows}</table>\n\nAfter it.")


def gif_bomb() -> bytes:
    """35 bytes of GIF declaring 65,535 x 65,535 pixels (Typst asked for 17 GB)."""
    screen = struct.pack("<HHBBB", 65535, 65535, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + frame + b";"


def png_bomb(side: int = 100_000) -> bytes:
    """A PNG of a few bytes declaring ``side`` x ``side`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def picture(root: Path, name: str, data: bytes) -> None:
    (root / "docs/img").mkdir(parents=True, exist_ok=True)
    (root / "docs/img" / name).write_bytes(data)
    article(root, "flood", f"A picture: ![A picture](../img/{name})\n\nAfter it.")


BASELINE = "baseline"
PDF = ", PDF"
"""The end of the name of a flood built with the PDF book (its baseline's too)."""

FLOODS: dict[str, Callable[[Path], None]] = {
    BASELINE: lambda root: None,
    "20,000 unknown [[id]] links": unknown_links,
    "200 entities sharing one alias": shared_alias,
    "10,000 mentions in one paragraph": many_mentions,
    "50 two-letter quotes in a long article": short_quotes,
    "250 unfound long quotes": unfound_quotes,
    "12,000 '['": brackets,
    "300 nested list levels": nested_lists,
    "250 nested <div>": nested_divs,
    BASELINE + PDF: lambda root: None,
    "50 <td colspan=rowspan=100000>" + PDF: spanning_cells,
    "a 35-byte GIF of 65,535 x 65,535 pixels" + PDF: lambda root: picture(
        root, "bomb.gif", gif_bomb()
    ),
    "a PNG of 100,000 x 100,000 pixels" + PDF: lambda root: picture(root, "bomb.png", png_bomb()),
}


def timed(args: list[str], cwd: Path, pdf: bool = False) -> tuple[float, int]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "1" if pdf else "0"}
    started = time.perf_counter()
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True)
    return time.perf_counter() - started, len(run.stdout) + len(run.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per flood")
    parser.add_argument(
        "--only", help="run only the floods whose name holds this (and their baseline)"
    )
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    over = []
    base: dict[bool, tuple[float, float]] = {}
    chosen = [n for n in FLOODS if not args.only or args.only in n]
    # A baseline runs when a chosen flood is built as it is (with or without the book).
    wanted = {n.endswith(PDF) for n in chosen if not n.startswith(BASELINE)} or {False}
    print(f"{'flood':42} {'check s':>8} {'ratio':>6} {'build s':>8} {'ratio':>6} {'output':>9}")
    for name, make in FLOODS.items():
        pdf = name.endswith(PDF)
        if name.startswith(BASELINE):
            if pdf not in wanted:
                continue
        elif name not in chosen:
            continue
        with tempfile.TemporaryDirectory(prefix="briefing-flood-") as tmp:
            root = Path(tmp) / "p"
            shutil.copytree(FIXTURE, root)
            make(root)
            check_s, size = timed([str(bin_dir / "briefing"), "check"], root)
            build_s, _ = timed([sys.executable, "-m", "mkdocs", "build", "-q"], root, pdf)
            if pdf and not (root / "site/briefing.pdf").is_file():
                print(f"{name}: the build wrote no PDF book")
                over.append(name)
        if name.startswith(BASELINE):
            base[pdf] = (check_s, build_s)
        base_check, base_build = base[pdf]
        print(
            f"{name:42} {check_s:8.1f} {check_s / base_check:6.1f} "
            f"{build_s:8.1f} {build_s / base_build:6.1f} {size:9,}",
            flush=True,
        )
        if max(check_s, build_s) > args.budget or size > 1_000_000:
            over.append(name)
    if over:
        print(f"over the budget of {args.budget:g} s or 1 MB: {', '.join(over)}")
        return 1
    print(f"every flood within {args.budget:g} s and 1 MB of output")
    return 0


if __name__ == "__main__":
    sys.exit(main())
