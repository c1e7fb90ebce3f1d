"""The page contract (``briefing.core.contract``) is the one place Briefing's ids and
classes are named: the extension's and the site's Python use its names, and every
template, the script, the styles and the book's template use only names it declares."""

from __future__ import annotations

import re
from pathlib import Path

from briefing.core import contract

PACKAGE = Path(contract.__file__).resolve().parent.parent
NAME = re.compile(r"bf-[a-z][a-z0-9-]*")
ASSETS = {".html", ".js", ".css", ".typ", ".j2", ".svg"}
# Every layer uses the contract's names: the ones that write the pages, the book that
# reads them back and the developer tools that compare them.
WRITERS = ("core", "markdown", "site", "hosts", "cli", "book", "devtools")


def assets() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in ASSETS)


def test_no_python_module_of_the_page_writers_spells_a_name_out() -> None:
    stray = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for layer in WRITERS
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        if path.name != "contract.py"
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if NAME.search(line)
    ]
    assert stray == []


def unknown_names(paths: list[Path]) -> list[str]:
    """Names in ``paths`` that the contract does not declare."""
    known = contract.CLASSES | contract.derived_classes() | set(contract.FAMILIES)
    return sorted(
        f"{path.name}: {name}"
        for path in paths
        for name in set(NAME.findall(path.read_text("utf-8")))
        if name not in known and not name.startswith(contract.FAMILIES)
    )


def test_every_asset_names_only_what_the_contract_declares() -> None:
    assert len(assets()) > 10, "no templates or assets found"
    assert unknown_names(assets()) == []


def test_every_declared_name_is_used() -> None:
    used = {name for path in assets() for name in NAME.findall(path.read_text("utf-8"))}
    source = "\n".join(p.read_text("utf-8") for p in PACKAGE.rglob("*.py"))
    dead = sorted(n for n in contract.CLASSES if n not in used and f'"{n}"' not in source)
    assert dead == []


def test_an_undeclared_name_in_an_asset_is_found(tmp_path: Path) -> None:
    page = tmp_path / "extra.html"
    page.write_text('<div class="bf-mention bf-kind-update bf-made-up"></div>', "utf-8")
    assert unknown_names([page]) == ["extra.html: bf-made-up"]
