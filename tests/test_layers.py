"""The package's layers: imports run one way, from the developer tools, the CLI and the
hosts down to the core, and the core and the Markdown extension run without MkDocs
(README, "Code")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "plugins/briefing"
LAYERS = ["core", "markdown", "site", "book", "hosts", "cli", "devtools"]
"""Lowest first: a module may import from its own layer and the ones before it."""
NO_MKDOCS = {"core", "markdown", "site", "book"}


def runtime_imports(text: str, module: str) -> list[tuple[int, str]]:
    """``(line, module)`` for each import of ``module``'s source ``text`` that runs
    (``if TYPE_CHECKING:`` blocks skipped); relative imports resolved to full names."""
    tree = ast.parse(text)
    parts = module.split(".")
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(parts[: len(parts) - node.level])
                found.append((node.lineno, f"{base}.{node.module}" if node.module else base))
            else:
                found.append((node.lineno, node.module or ""))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def module_name(path: Path) -> str:
    """``briefing.core.model`` for ``core/model.py``; a package's ``__init__`` counts as a
    module inside it (relative imports start from the package)."""
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def test_every_module_is_in_a_layer() -> None:
    outside = [p.relative_to(PACKAGE).as_posix() for p in MODULES if p.parent == PACKAGE]
    assert outside == ["__init__.py"]
    assert {p.relative_to(PACKAGE).parts[0] for p in MODULES if p.parent != PACKAGE} == set(LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_run_down_the_layers(path: Path) -> None:
    if path.parent == PACKAGE:
        return
    layer = path.relative_to(PACKAGE).parts[0]
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    wrong = []
    for line, module in runtime_imports(path.read_text("utf-8"), module_name(path)):
        names = module.split(".")
        if names[0] == "briefing" and len(names) > 1 and names[1] not in allowed:
            wrong.append(f"{line}: {module}")
        if layer in NO_MKDOCS and names[0] == "mkdocs":
            wrong.append(f"{line}: {module} (this layer runs without MkDocs)")
    assert wrong == []


def test_the_checker_sees_a_wrong_import() -> None:
    """The test above would catch a core module importing the site or MkDocs, even lazily,
    and lets imports for type checking only pass."""
    text = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mkdocs import x\n"
        "from .model import Briefing\n"
        "def f():\n    from ..site.pages import GLOSSARY\n    import mkdocs.utils\n"
    )
    imports = [m for _, m in runtime_imports(text, "briefing.core.sources")]
    assert imports == ["typing", "briefing.core.model", "briefing.site.pages", "mkdocs.utils"]
