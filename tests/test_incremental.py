"""Rebuilds under ``mkdocs serve --dirty`` render what an edit changes, and leave the
site folder as a clean build makes it, after every edit, rename and deletion."""

from __future__ import annotations

import filecmp
import gc
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort

from conftest import project_copy, write

SERVE_URL = "http://127.0.0.1:8000/"
MORE = {
    "briefing_src/articles/third.md": """
        ---
        title: A third article
        date: 2024-09-01
        source: {name: Wire, url: "https://example.org/third"}
        ---
        Kuaishou said little; OpenAI said less.
    """,
    "briefing_src/articles/fourth.md": """
        ---
        title: A fourth article
        date: 2024-10-01
        source: {name: Wire, url: "https://example.org/fourth"}
        ---
        Nothing here names anyone.
    """,
}


class Server:
    """What ``mkdocs serve --dirty`` does: one plugin instance, started once, and a
    dirty build into the same folder after each change."""

    def __init__(self, project: Path, site: Path) -> None:
        self.project, self.site = project, site
        self.started = False

    def build(self) -> None:
        config = load_config(str(self.project / "mkdocs.yml"), site_dir=str(self.site))
        config.site_url = SERVE_URL
        if not self.started:
            config.plugins.on_startup(command="serve", dirty=True)
            self.started = True
        self.plugin = config.plugins["briefing"]
        build(config, serve_url=SERVE_URL, dirty=True)

    def open_data_key(self) -> str:
        """The digest of what the open data files were last made of."""
        return str(self.plugin.incremental.kept.key)  # type: ignore[attr-defined]

    def stop(self) -> None:
        config = load_config(str(self.project / "mkdocs.yml"), site_dir=str(self.site))
        config.plugins.on_shutdown()


def clean_build(project: Path, site: Path) -> None:
    """``mkdocs build`` in a process of its own (MkDocs keeps one plugin object per
    process: the server's must not see another build)."""
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml", "-d", str(site)]
    subprocess.run(command, cwd=project, check=True, env={**os.environ, "BRIEFING_PDF": "0"})


def differences(a: Path, b: Path) -> list[str]:
    """Files that are in one folder only, or differ."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(f"only in one: {prefix}{n}" for n in cmp.left_only + cmp.right_only)
        for name in cmp.common_files:
            if name == "sitemap.xml.gz":
                continue  # gzip's header holds the time it was written
            if (Path(cmp.left) / name).read_bytes() != (Path(cmp.right) / name).read_bytes():
                found.append(f"differs: {prefix}{name}")
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(a, b), "")
    return sorted(found)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    os.environ["BRIEFING_PDF"] = "0"
    project = project_copy(tmp_path / "basic", extra_config=f"site_url: {SERVE_URL}\n")
    write(project, MORE)
    server = Server(project, tmp_path / "served")
    try:
        yield server
    finally:
        server.stop()
        del os.environ["BRIEFING_PDF"]


def same_as_clean(server: Server, tmp_path: Path, name: str) -> None:
    clean = tmp_path / f"clean-{name}"
    clean_build(server.project, clean)
    assert differences(server.site, clean) == [], name


def mtime(server: Server, page: str) -> int:
    return (server.site / page / "index.html").stat().st_mtime_ns


def test_a_series_of_edits_leaves_the_site_a_clean_build_makes(
    served: Server, tmp_path: Path
) -> None:
    project = served.project
    served.build()
    same_as_clean(served, tmp_path, "first")

    # An article's text: its page, and the entity pages whose "Mentioned in" changes.
    untouched = mtime(served, "articles/fourth")
    article = project / "briefing_src/articles/third.md"
    article.write_text(article.read_text("utf-8") + "\nSora is not mentioned before.\n", "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "article")
    assert mtime(served, "articles/fourth") == untouched, "an unrelated article was rebuilt"

    # A sentence that names nobody, away from every quote: the open data is not made
    # again (what it is made of is unchanged), and the site is still a clean build's.
    made_of = served.open_data_key()
    quiet = project / "briefing_src/articles/fourth.md"
    quiet.write_text(quiet.read_text("utf-8") + "\nNothing more to add.\n", "utf-8")
    served.build()
    assert served.open_data_key() == made_of
    same_as_clean(served, tmp_path, "quiet")

    # An annotation file: the article's notes.
    notes = project / "briefing_src/articles/kling-launch.annotations.yml"
    notes.write_text(notes.read_text("utf-8").replace("Which markets?", "Which ones?"), "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "annotations")

    # That note made about an entity, then its text changed: the entity's glossary entry
    # shows it, from a slot in its Markdown that the text does not change.
    about = notes.read_text("utf-8").replace(
        "note: Which ones?", "note: Which ones?\n  entities: [kling]"
    )
    notes.write_text(about, "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "note about an entity")
    assert "Which ones?" in (served.site / "glossary/kling/index.html").read_text("utf-8")
    notes.write_text(about.replace("Which ones?", "Which ones, and since when?"), "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "its text")

    # An entity's summary: every page that links to it.
    entity = project / "briefing_src/entities/sora.yml"
    text = entity.read_text("utf-8")
    entity.write_text(text.replace("summary:", "summary: Changed.", 1), "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "entity")

    # A renamed article, then a deleted one: their pages are gone.
    article.rename(project / "briefing_src/articles/renamed.md")
    served.build()
    same_as_clean(served, tmp_path, "rename")
    assert not (served.site / "articles/third").exists()
    (project / "briefing_src/articles/fourth.md").unlink()
    served.build()
    same_as_clean(served, tmp_path, "delete")

    # A hand-written page, and a new article.
    index = project / "docs/index.md"
    index.write_text(index.read_text("utf-8") + "\nKling, again.\n", "utf-8")
    write(project, {"briefing_src/articles/fifth.md": MORE["briefing_src/articles/fourth.md"]})
    served.build()
    same_as_clean(served, tmp_path, "docs and new")

    # A rebuild that stops (a linked folder in docs/), then one that does not: the
    # server starts again from nothing, and the site is a clean build's.
    (project / "docs" / "linked").symlink_to(tmp_path)
    with pytest.raises(Abort):
        served.build()
    (project / "docs" / "linked").unlink()
    index.write_text(index.read_text("utf-8") + "\nAgain.\n", "utf-8")
    served.build()
    same_as_clean(served, tmp_path, "after a failed build")
    shutil.rmtree(tmp_path / "clean-first")


def test_the_full_collection_comes_after_a_served_build_not_in_the_next(
    served: Server,
) -> None:
    """Under serve, the cyclic collector's full collection is made just after each
    build (while the page reloads), so that the next rebuild, which a writer waits
    for, rarely makes one: the process holds a whole build's objects, and walking them
    took 160 to 200 ms of every other rebuild at 1,000 articles."""
    served.build()
    done = gc.get_stats()[2]["collections"]
    deadline = time.monotonic() + 20
    while gc.get_stats()[2]["collections"] == done and time.monotonic() < deadline:
        time.sleep(0.05)  # sleeping allocates nothing: no collection of its own
    assert gc.get_stats()[2]["collections"] > done
