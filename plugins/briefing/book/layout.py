"""Laying out parts of the book with Typst, each in a process of its own.

A part is a Typst document (``pdf.part_source``). Each is laid out in a fresh process
that imports only this module: Typst keeps what it computed for the next compilation in
the process, so a long-lived process would grow with every part it laid out (about
20 MB a part, measured), and it would lay out text it had seen in another part for
free, which flatters a benchmark of repeated articles. A fresh process
(``python -m briefing.book.layout``, which imports Typst and pikepdf only) starts in
about 0.1 s, and Typst opens the font files lazily.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PICTURES_ON = "#let pictures = true"
PICTURES_OFF = "#let pictures = false"
"""The line every part starts with, and the one its safe layout starts with instead
(every picture shown as its alternative text)."""


@dataclass(frozen=True)
class Job:
    source: str
    """The part as a Typst document."""
    out: str
    """Where its PDF goes."""
    images: tuple[str, ...] = ()
    """The site's pictures it shows, as paths in the site folder."""
    tagged: bool = True


class LayoutError(Exception):
    """Typst could not lay out a part, even without its pictures."""


def lay_out(job: Job, site_dir: str, fonts: Sequence[str]) -> dict[str, Any]:
    """Lay out one part with Typst and write it to ``job.out`` (a PDF/UA-1 document).
    Typst's root is a scratch folder holding the part and copies of the site's pictures
    it shows, so it reads nothing else; it uses the fonts in ``fonts`` (folders) only, or
    the system's if there are none."""
    import typst

    started = time.perf_counter()
    site = Path(site_dir).resolve()
    with tempfile.TemporaryDirectory(prefix="briefing-typst-") as scratch:
        root = Path(scratch)
        for path in job.images:
            file = (site / path).resolve()
            copy = (root / path).resolve()
            if file.is_relative_to(site) and file.is_file() and copy.is_relative_to(root):
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, copy)
        main = root / "part.typ"
        main.write_text(job.source, "utf-8")
        compiler = typst.Compiler(
            input=str(main),
            root=str(root),
            font_paths=typst.Fonts(include_system_fonts=not fonts, font_paths=list(fonts)),
            ignore_system_fonts=bool(fonts),
        )
        temporary = job.out + ".tmp"
        _, warnings = compiler.compile_with_warnings(
            output=temporary,
            format="pdf",
            pdf_standards=["ua-1"] if job.tagged else [],
            pdf_tags=job.tagged,
            timestamp=0,
        )
        anchors = json.loads(compiler.query("<bf-where>", field="value", one=True))
    os.replace(temporary, job.out)
    import pikepdf

    with pikepdf.open(job.out) as pdf:
        pages = len(pdf.pages)
    return {
        "pages": pages,
        "anchors": anchors,
        "seconds": round(time.perf_counter() - started, 3),
        "problems": [str(getattr(w, "message", w)) for w in warnings],
    }


def lay_out_safely(job: Job, site_dir: str, fonts: Sequence[str]) -> dict[str, Any]:
    """``lay_out``; a part Typst cannot lay out (a picture it cannot read) is laid out
    again with every picture as its alternative text, and the reason is kept."""
    try:
        return lay_out(job, site_dir, fonts)
    except Exception as error:  # typst.TypstError: the part's own content
        reason = _message(error)
        if PICTURES_ON not in job.source:
            raise LayoutError(reason) from error
        safe = Job(job.source.replace(PICTURES_ON, PICTURES_OFF, 1), job.out, (), job.tagged)
        try:
            result = lay_out(safe, site_dir, fonts)
        except Exception as again:
            raise LayoutError(_message(again)) from again
        result["problems"] = [*result["problems"], f"laid out without its pictures: {reason}"]
        result["unreadable"] = find_unreadable(job.images, site_dir, fonts) or [reason]
        return result


def find_unreadable(images: Iterable[str], site_dir: str, fonts: Sequence[str]) -> list[str]:
    """Which of the pictures Typst cannot read, each tried alone: "path: reason"."""
    found = []
    with tempfile.TemporaryDirectory(prefix="briefing-typst-") as scratch:
        out = str(Path(scratch) / "picture.pdf")
        for path in images:
            probe = f'#set document(title: "picture")\n#image({json.dumps("/" + path)}, alt: "x")\n'
            probe += "#metadata(())<bf-where>\n"
            try:
                lay_out(Job(probe, out, (path,), False), site_dir, fonts)
            except Exception as error:
                found.append(f"{path}: {_message(error)}")
    return found


def _message(error: Exception) -> str:
    lines = str(getattr(error, "message", "") or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def run(
    jobs: Iterable[tuple[int, Job]],
    site_dir: str,
    fonts: Sequence[str],
    processes: int,
    done: Callable[[int, dict[str, Any]], None],
) -> None:
    """Lay out every job, each in a fresh process (``python -m briefing.book.layout``,
    which imports nothing else), ``processes`` at a time, calling ``done(key, result)``
    as each finishes. Raises LayoutError(key, message) for the first part that could not
    be laid out."""

    def one(job: Job) -> tuple[str, Any]:
        request = {"job": asdict(job), "site": site_dir, "fonts": list(fonts)}
        child = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            answer = json.loads(child.stdout)
        except ValueError:
            error = (child.stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
            return "error", f"its layout process failed: {error}"
        return answer["status"], answer["value"]

    with ThreadPoolExecutor(max(1, processes)) as pool:
        futures = {pool.submit(one, job): key for key, job in jobs}
        try:
            for future in as_completed(futures):
                status, value = future.result()
                if status != "ok":
                    raise LayoutError(futures[future], value)
                done(futures[future], value)
        finally:
            for future in futures:
                future.cancel()


def main() -> None:
    """One layout, in this process: the request (JSON) on standard input, the answer on
    standard output."""
    request = json.loads(sys.stdin.read())
    job = Job(**{**request["job"], "images": tuple(request["job"]["images"])})
    try:
        answer = {"status": "ok", "value": lay_out_safely(job, request["site"], request["fonts"])}
    except Exception as error:
        answer = {"status": "error", "value": _message(error)}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
