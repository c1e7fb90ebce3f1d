"""The shipped briefing's outputs, digested: one line per file of the built site (the
PDF book and the open data included), its SHA-256 and its path.

A refactoring that changes no behaviour leaves this list unchanged::

    python benchmarks/digest.py > before.txt     # on main
    python benchmarks/digest.py > after.txt      # on the branch
    diff before.txt after.txt

It builds a copy of the project (``mkdocs build --strict``, the book's cache off) in a
temporary folder, with the build's only variable input fixed: the version printed on
the book's cover and in its metadata (``GITHUB_SHA``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("briefing_src", "docs", "mkdocs.yml")


def digest(site: Path) -> list[str]:
    lines = []
    for path in sorted(site.rglob("*")):
        if path.is_file():
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{sha}  {path.relative_to(site).as_posix()}")
    return lines


def build(project: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="briefing-digest-") as tmp:
        work = Path(tmp)
        for name in COPIED:
            source = project / name
            if source.is_dir():
                shutil.copytree(source, work / name)
            else:
                shutil.copy2(source, work / name)
        env = {
            **os.environ,
            "GITHUB_SHA": "0000000digest",
            "NO_MKDOCS_2_WARNING": "1",
            "BRIEFING_CACHE_DIR": str(work / "book-cache"),
        }
        env.pop("GITHUB_REPOSITORY", None)
        mkdocs = Path(sys.executable).with_name("mkdocs")
        subprocess.run([str(mkdocs), "build", "--strict", "-q"], cwd=work, env=env, check=True)
        out = Path(tempfile.mkdtemp(prefix="briefing-digest-site-"))
        shutil.copytree(work / "site", out, dirs_exist_ok=True)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="the project to build")
    parser.add_argument("--keep", type=Path, help="copy the built site here")
    args = parser.parse_args()
    site = build(args.project.resolve())
    try:
        print("\n".join(digest(site)))
        if args.keep:
            shutil.copytree(site, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
