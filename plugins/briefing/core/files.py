"""What the core reads of a project's files: names a pull request may not use, and
symlinks, which Briefing never follows (SECURITY.md, "What each file may do")."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .diagnostics import UNPRINTABLE, Diagnostic, Position

_BAD_NAME = re.compile(r"[\"'<>`\\|*?:%\[\]{}]")
"""Characters that are markup or syntax in HTML, Markdown, YAML, URLs or workflow
commands; file names from a pull request may not hold them."""


def bad_name_character(name: str) -> str | None:
    """The first character of ``name`` that a file or folder name may not hold."""
    for char in name:
        if _BAD_NAME.match(char) or unicodedata.category(char) in UNPRINTABLE:
            return char
    return None


def symlink_in(root: Path, path: Path, seen: dict[Path, Path | None]) -> Path | None:
    """The first symlink on the way from ``root`` (not included) down to ``path``."""
    parts = path.relative_to(root).parts
    current = root
    for part in parts:
        current = current / part
        if current not in seen:
            seen[current] = current if os.path.islink(current) else None
        if seen[current] is not None:
            return seen[current]
    return None


def linked_folder(root: Path, folder: str | Path) -> Path | None:
    """The symlink, if any, on the way from ``root`` to ``folder`` (or ``folder`` itself);
    a folder outside ``root`` counts as linked."""
    path = Path(os.path.abspath(folder))
    if not path.is_relative_to(root):
        return path
    return symlink_in(root, path, {})


def docs_folder_problem(root: Path, docs_dir: str) -> Diagnostic | None:
    """A symlinked docs/ (or one outside the project) is not read at all."""
    link = linked_folder(root, docs_dir)
    if link is None:
        return None
    shown = link.relative_to(root).as_posix() if link.is_relative_to(root) else str(link)
    return Diagnostic(
        Position(shown),
        "the docs folder is a symbolic link or lies outside the project: Briefing reads "
        "no linked folder (it could point anywhere on the build machine)",
    )


def docs_folder_problems(root: Path, docs_dir: str) -> list[Diagnostic]:
    """What stops the build before MkDocs lists ``docs/``: a linked docs folder, or a
    symlink to a folder anywhere inside it (dot folders included). MkDocs walks
    ``docs/`` following links, so a link to ``/`` walks the build machine, and two
    links to ``.`` walk 2**40 folders; the file list comes too late to drop them."""
    problem = docs_folder_problem(root, docs_dir)
    if problem is not None:
        return [problem]
    problems = []
    for folder, subfolders, _files in os.walk(os.path.abspath(docs_dir)):  # links not followed
        for name in sorted(subfolders):
            path = Path(folder) / name
            if os.path.islink(path):
                shown = path.relative_to(root).as_posix()
                problems.append(
                    Diagnostic(
                        Position(shown),
                        "symbolic link to a folder: Briefing reads no linked file or folder "
                        "(it could point anywhere on the build machine, or loop); the build "
                        "stops before MkDocs walks it; copy the files in instead",
                    )
                )
    return problems


def symlinks(folder: Path, root: Path) -> list[str]:
    """Every symlink at or below ``folder``, links not followed, as paths relative to
    ``root`` (dot folders included: nothing behind a link is ever read)."""
    found: list[Path] = [folder] if os.path.islink(folder) else []
    if not found:
        for parent, subfolders, names in os.walk(folder):  # links are not followed
            found += [
                Path(parent, name)
                for name in sorted([*subfolders, *names])
                if os.path.islink(os.path.join(parent, name))
            ]
    return [p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p) for p in found]


def read_no_link(path: Path) -> bytes:
    """The bytes of the regular file ``path``; an OSError when it is a symlink (its
    target is never opened)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as file:
        return file.read()


def copy_tree(source: Path, target: Path) -> None:
    """Copy a folder of folders and regular files, following no link: a symlink
    anywhere is an OSError (:func:`symlinks` finds them first)."""
    for parent, subfolders, names in os.walk(source):  # links are not followed
        here = Path(parent)
        for name in [*subfolders, *names]:
            if os.path.islink(here / name):
                raise OSError(f"{here / name}: a symbolic link, not followed")
        (target / here.relative_to(source)).mkdir(parents=True, exist_ok=True)
        for name in names:
            (target / here.relative_to(source) / name).write_bytes(read_no_link(here / name))


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename: the
    file holds either its old bytes or all the new ones, never half of them (a text
    that cannot be encoded, a full disk or an interrupted run leaves it as it was)."""
    data = text.encode("utf-8")  # fails here, before anything is touched
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
