"""The floods of a hostile pull request, each through ``briefing check`` and a real
build, against a time budget.

    .venv/bin/python benchmarks/floods.py [--budget 30] [--only NAME]

Each flood is a copy of the ``basic`` test fixture with one hostile file added. The
baseline is the same fixture without it, timed in the same run; every flood prints
its seconds, its ratio to the baseline and the size of check's output. Exit status 1
when a flood takes longer than --budget seconds (or prints more than 1 MB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
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


FLOODS: dict[str, Callable[[Path], None]] = {
    "baseline": lambda root: None,
    "20,000 unknown [[id]] links": unknown_links,
    "200 entities sharing one alias": shared_alias,
    "10,000 mentions in one paragraph": many_mentions,
    "50 two-letter quotes in a long article": short_quotes,
    "250 unfound long quotes": unfound_quotes,
    "12,000 '['": brackets,
    "300 nested list levels": nested_lists,
    "250 nested <div>": nested_divs,
}


def timed(args: list[str], cwd: Path) -> tuple[float, int]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "BRIEFING_PDF": "0"}
    started = time.perf_counter()
    run = subprocess.run(args, cwd=cwd, env=env, capture_output=True)
    return time.perf_counter() - started, len(run.stdout) + len(run.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per flood")
    parser.add_argument("--only", help="run only the floods whose name holds this")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    over = []
    base: dict[str, float] = {}
    print(f"{'flood':42} {'check s':>8} {'ratio':>6} {'build s':>8} {'ratio':>6} {'output':>9}")
    for name, make in FLOODS.items():
        if args.only and name != "baseline" and args.only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix="briefing-flood-") as tmp:
            root = Path(tmp) / "p"
            shutil.copytree(FIXTURE, root)
            make(root)
            check_s, size = timed([str(bin_dir / "briefing"), "check"], root)
            build_s, _ = timed([sys.executable, "-m", "mkdocs", "build", "-q"], root)
        if name == "baseline":
            base = {"check": check_s, "build": build_s}
        print(
            f"{name:42} {check_s:8.1f} {check_s / base['check']:6.1f} "
            f"{build_s:8.1f} {build_s / base['build']:6.1f} {size:9,}",
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
