"""Laying out parts of the book with Typst, each in a process of its own.

A part is a Typst document (``documents.part_source``). Each is laid out in a fresh process
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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core.contract import WHERE

PICTURES_ON = "#let pictures = true"
PICTURES_OFF = "#let pictures = false"
"""The line every part starts with, and the one its safe layout starts with instead
(every picture shown as its alternative text)."""
LAYOUT_SECONDS = 300
"""How long one layout process may run (``BRIEFING_PDF_PART_SECONDS`` overrides it): a
part of ten articles takes seconds, but Typst lays out a long unbroken run of escaped
characters (``\\<`` a hundred thousand times) in quadratic time, so a contributor's
flood would otherwise hold the build for hours."""


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
        anchors = json.loads(compiler.query(f"<{WHERE}>", field="value", one=True))
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
    """``lay_out``; a part Typst cannot lay out (a picture it cannot read that the book's
    own trial missed) is laid out again with every picture as its alternative text, and
    the reason is kept."""
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
        found = unreadable(dict.fromkeys(job.images, ""), site_dir, fonts)
        # ": reason" when no picture is to blame (the book reports the part then)
        result["unreadable"] = [f"{path}: {why}" for path, why in found.items()] or [f": {reason}"]
        return result


PROBE_PIXELS = 100_000_000
"""Declared pixels of the pictures tried together in one document (each is measured
before it is tried: none is over the limits of ``briefing.core.pictures``)."""


def unreadable(
    pictures: Mapping[str, str],
    site_dir: str,
    fonts: Sequence[str],
    pixels: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """Which of ``pictures`` Typst cannot read, and why. Each is a site path (a file)
    with "", or an inline SVG's key with its markup. They are tried together, in groups
    of up to PROBE_PIXELS declared ``pixels``, and one by one in a group that fails."""
    sizes = pixels or {}
    groups: list[list[str]] = [[]]
    total = 0
    for key in pictures:
        if groups[-1] and total + sizes.get(key, 0) > PROBE_PIXELS:
            groups.append([])
            total = 0
        groups[-1].append(key)
        total += sizes.get(key, 0)
    found: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="briefing-typst-") as scratch:
        out = str(Path(scratch) / "picture.pdf")

        def fails(keys: list[str]) -> str | None:
            shown = "\n".join(_probe_line(key, pictures[key]) for key in keys)
            probe = f'#set document(title: "pictures")\n{shown}\n#metadata(())<{WHERE}>\n'
            files = tuple(key for key in keys if not pictures[key])
            try:
                lay_out(Job(probe, out, files, False), site_dir, fonts)
            except Exception as error:
                return _message(error)
            return None

        for group in groups:
            if group and fails(group) is not None:
                for key in group:
                    if (why := fails([key])) is not None:
                        found[key] = why
    return found


def _probe_line(key: str, svg: str) -> str:
    if svg:
        return f'#image(bytes({json.dumps(svg)}), format: "svg", alt: "x")'
    return f'#image({json.dumps("/" + key)}, alt: "x")'


def probe(
    pictures: Mapping[str, str], site_dir: str, fonts: Sequence[str], pixels: Mapping[str, int]
) -> dict[str, str]:
    """``unreadable`` in a process of its own (``python -m briefing.book.layout``), so
    that what Typst decodes stays out of this one."""
    if not pictures:
        return {}
    request = {"probe": dict(pictures), "pixels": dict(pixels), "site": site_dir}
    status, value = _in_child({**request, "fonts": list(fonts)})
    if status == "failed":
        return dict.fromkeys(pictures, f"its trial failed: {value}")
    return {str(k): str(v) for k, v in value.items()} if status == "ok" else {}


def _in_child(request: dict[str, Any]) -> tuple[str, Any]:
    """Answer ``request`` in a fresh process (``main``): its status ("ok", "error", or
    "failed" when the process gave no answer) and its value."""
    limit = float(os.environ.get("BRIEFING_PDF_PART_SECONDS") or LAYOUT_SECONDS)
    try:
        child = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:  # the child is killed
        return "failed", f"it took longer than {limit:g} s (BRIEFING_PDF_PART_SECONDS)"
    try:
        answer = json.loads(child.stdout)
    except ValueError:
        error = (child.stderr.strip().splitlines() or [f"exit status {child.returncode}"])[-1]
        return "failed", error
    return answer["status"], answer["value"]


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
        status, value = _in_child({"job": asdict(job), "site": site_dir, "fonts": list(fonts)})
        if status == "failed":
            return "error", f"its layout process failed: {value}"
        return status, value

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
    try:
        if "probe" in request:
            value = unreadable(
                request["probe"], request["site"], request["fonts"], request["pixels"]
            )
            answer: dict[str, Any] = {"status": "ok", "value": value}
        else:
            job = Job(**{**request["job"], "images": tuple(request["job"]["images"])})
            answer = {
                "status": "ok",
                "value": lay_out_safely(job, request["site"], request["fonts"]),
            }
    except Exception as error:
        answer = {"status": "error", "value": _message(error)}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
