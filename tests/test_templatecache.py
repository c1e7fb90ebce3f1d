"""Briefing's templates are compiled once a machine (site/templatecache.py): the second
build loads them, builds the same site, and keeps nobody else's templates."""

from __future__ import annotations

import filecmp
import marshal
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import jinja2
import pytest
from jinja2.bccache import bc_magic

from briefing.site.templatecache import OWN, OwnTemplates, own_templates
from conftest import project_copy


def build(project: Path, tmp: Path, site: str) -> None:
    env = {**os.environ, "BRIEFING_PDF": "0", "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", site]
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def kept(tmp: Path) -> dict[Path, tuple[int, str]]:
    """Each file of the cache: its inode, and the file its code was compiled from."""
    files = {}
    for path in (tmp / f"_jinja2-cache-{os.getuid()}").iterdir():
        with path.open("rb") as f:
            assert f.read(len(bc_magic)) == bc_magic
            pickle.load(f)  # the source's checksum
            code = marshal.load(f)
        files[path] = (path.stat().st_ino, code.co_filename)
    return files


def same_site(a: Path, b: Path) -> None:
    compared = filecmp.dircmp(a, b)
    stack = [compared]
    while stack:
        c = stack.pop()
        assert not (c.left_only or c.right_only or c.diff_files), (c.left, c.diff_files)
        stack.extend(c.subdirs.values())


def test_a_second_build_loads_briefings_templates_and_builds_the_same_site(
    tmp_path: Path,
) -> None:
    project = project_copy(tmp_path / "project")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    build(project, tmp, "first")
    first = kept(tmp)
    sources = {name for _, name in first.values()}
    # Briefing's theme pages, generated pages and figures; nothing of Material's
    assert {Path(n).parent.name for n in sources} >= {"briefing", "page_templates"}
    assert all(Path(name).is_relative_to(OWN) for name in sources), sources
    assert len(first) >= 15

    build(project, tmp, "second")
    assert kept(tmp) == first  # loaded, not compiled and written again
    same_site(project / "first", project / "second")

    for path in first:  # a damaged cache compiles again, and mends itself
        path.write_bytes(path.read_bytes()[: len(bc_magic) + 3])
    build(project, tmp, "third")
    same_site(project / "first", project / "third")
    assert {name for _, name in kept(tmp).values()} == sources


def test_environments_that_compile_a_template_differently_never_share_its_code(
    tmp_path: Path,
) -> None:
    cache = OwnTemplates(str(tmp_path))
    loader = jinja2.PackageLoader("briefing.site", "figure_templates")
    figure: dict[str, list[object]] = {"edges": [], "nodes": []}

    def render(cached: bool, trim_blocks: bool = False, lstrip_blocks: bool = False) -> str:
        env = jinja2.Environment(
            loader=loader,
            bytecode_cache=cache if cached else None,
            trim_blocks=trim_blocks,
            lstrip_blocks=lstrip_blocks,
        )
        return env.get_template("_graph.svg.j2").render(figure=figure)

    for trim, lstrip in ((True, True), (False, False), (True, False)):
        compiled = render(False, trim, lstrip)
        assert render(True, trim, lstrip) == compiled  # compiled, kept
        assert render(True, trim, lstrip) == compiled  # loaded
    assert render(False) != render(False, trim_blocks=True)  # the settings matter
    assert len(list(tmp_path.iterdir())) == 3  # one compiled code per set of settings


def test_a_cache_that_cannot_be_written_only_means_compiling(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.site", "figure_templates"),
        bytecode_cache=OwnTemplates(str(blocked)),
    )
    assert Path(str(env.get_template("ego.svg.j2").filename)).is_relative_to(OWN)


def test_no_cache_in_the_working_folder_or_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no writable system folder, tempfile's temporary folder is the working one: a
    project's, where a pull request could plant an entry; so is a TMPDIR inside it, or
    in any git work tree. The cache is then not used."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert own_templates.__wrapped__() is None
    assert not any(tmp_path.iterdir())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # TMPDIR=$PWD/tmp
    (tmp_path / "tmp").mkdir()
    assert own_templates.__wrapped__() is None
    (tmp_path / "project").mkdir()
    monkeypatch.chdir(tmp_path / "project")
    assert own_templates.__wrapped__() is not None  # a temporary folder beside it
    (tmp_path / "tmp" / ".git").mkdir()  # TMPDIR in a repository, built from elsewhere
    assert own_templates.__wrapped__() is None
