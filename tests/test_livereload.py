"""A writer's preview: under ``mkdocs serve`` the page in the browser reloads by itself
after an edit, although the pages' Content-Security-Policy blocks inline code (MkDocs
puts its live-reload code inline; the plugin has the server load it from the site)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Error

from briefing.devtools.bench import free_port
from conftest import project_copy

pytestmark = pytest.mark.browser


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(params=[["--dirty"], []], ids=["dirty", "full"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    project = project_copy(tmp_path / "basic")
    port = free_port()
    command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", *request.param]
    env = {**os.environ, "BRIEFING_PDF": "0", "NO_MKDOCS_2_WARNING": "1"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/articles/kling-launch/"
    try:
        deadline = time.monotonic() + 120
        while not _up(url):
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "mkdocs serve did not start"
            time.sleep(0.2)
        yield project, url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_an_edit_reloads_the_page_by_itself(browser: Browser, served: tuple[Path, str]) -> None:
    project, url = served
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(url)
    assert page.locator('meta[http-equiv="Content-Security-Policy"]').count() == 1
    page.wait_for_timeout(1000)  # the page is loaded and asking for a newer build
    article = project / "briefing_src" / "articles" / "kling-launch.md"
    article.write_text(article.read_text("utf-8") + "\nZebrawordreload here.\n", "utf-8")
    seen = False
    deadline = time.monotonic() + 60
    while not seen and time.monotonic() < deadline:
        with contextlib.suppress(Error):  # the page is being reloaded
            seen = "Zebrawordreload" in page.inner_text("body")
        time.sleep(0.2)
    assert seen, "the page did not reload after the edit"
    assert problems == []
    page.close()
