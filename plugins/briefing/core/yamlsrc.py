"""Safe YAML loading that remembers where every key and value came from.

PyYAML's composer gives nodes with start marks; we turn them into plain Python
values ourselves so that we can (a) keep a ``path -> Position`` index for error
messages, (b) refuse duplicate keys, and (c) bound alias expansion, nesting
depth and size, so that a hostile file fails with a message instead of a hang.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostics, Position

Path = tuple[str | int, ...]
# libyaml's parser when PyYAML has it (every wheel does): the same nodes and marks, faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted YAML; every one is reported as an error when exceeded."""

    max_bytes: int = 1_000_000
    """Largest source file accepted, in bytes."""
    max_nodes: int = 50_000
    """Most values one file may expand to (counts each use of an alias again)."""
    max_depth: int = 30
    """Deepest nesting of mappings and lists."""
    max_annotations: int = 500
    """Most annotations one article may have (front matter and sidecar together)."""
    max_quote_length: int = 1000
    """Longest annotation quote, in characters."""


class LineStarts:
    """Line and column of a character offset, lines ending at "\\n" only. PyYAML's own
    marks also end lines at U+2028, U+2029 and U+0085, which no editor or GitHub does:
    every position after one was off by a line."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


class YamlLimitError(Exception):
    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.node = node


@dataclass
class Located:
    """A YAML document as plain values plus where each one stands in the file."""

    data: Any
    path: str
    line_offset: int = 0
    values: dict[Path, int] = field(default_factory=dict)
    """Where each value starts, as an offset in the text: its line and column are
    counted only when a message asks (most files have none)."""
    keys: dict[Path, int] = field(default_factory=dict)
    styles: dict[Path, str | None] = field(default_factory=dict)
    text: str = ""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def _starts(self) -> LineStarts:
        return LineStarts(self.text)

    def position(self, index: int) -> Position:
        line, col = self._starts.where(index)
        return Position(self.path, line + self.line_offset, col)

    def at(self, loc: Path) -> Position:
        """Position of the value at ``loc``, or of its nearest existing parent."""
        loc = tuple(loc)
        while loc and loc not in self.values:
            loc = loc[:-1]
        index = self.values.get(loc)
        if index is None:
            return Position(self.path, 1 + self.line_offset, 1)
        return self.position(index)

    def key_at(self, loc: Path) -> Position:
        found = self.keys.get(tuple(loc))
        return self.at(loc) if found is None else self.position(found)

    def text_start(self, loc: Path) -> Position:
        """Where the text of the string at ``loc`` begins (after quotes, or on the line
        after a ``|``/``>`` block indicator)."""
        position = self.at(loc)
        style = self.styles.get(tuple(loc))
        if style in ("'", '"'):
            return Position(position.path, position.line, position.col + 1)
        if style in ("|", ">"):
            index = position.line - self.line_offset  # 1-based line of the indicator -> next
            if index < len(self.lines):
                content = self.lines[index]
                indent = len(content) - len(content.lstrip(" "))
                return Position(position.path, position.line + 1, indent + 1)
        return position


_STR = "tag:yaml.org,2002:str"


class _Builder:
    def __init__(self, located: Located, limits: Limits, diags: Diagnostics) -> None:
        self.limits = limits
        self.diags = diags
        self.count = 0
        self.constructor = SafeConstructor()
        self.located = located

    def pos(self, node: Node) -> Position:
        return self.located.position(node.start_mark.index)

    def build(self, node: Node, loc: Path, depth: int) -> Any:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise YamlLimitError(
                f"file expands to more than {self.limits.max_nodes} values "
                "(too many aliases or too much data)",
                node,
            )
        if depth > self.limits.max_depth:
            raise YamlLimitError(f"nesting deeper than {self.limits.max_depth} levels", node)
        if loc not in self.located.values:
            self.located.values[loc] = node.start_mark.index
        if isinstance(node, ScalarNode):
            self.located.styles[loc] = node.style
            if node.tag == _STR:  # most values: the text as it stands
                return node.value
            try:
                return self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError):
                # e.g. an impossible date 2024-02-30: keep the text, validation reports it
                return node.value
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.diags.error(self.pos(key_node), "merge keys ('<<') are not supported")
                    continue
                if not isinstance(key_node, ScalarNode):
                    self.diags.error(self.pos(key_node), "keys must be plain strings")
                    continue
                key = str(key_node.value)
                if key in result:
                    self.diags.error(self.pos(key_node), f"duplicate key '{key}'")
                    continue
                at = (*loc, key)
                self.located.keys[at] = key_node.start_mark.index
                result[key] = self.build(value_node, at, depth + 1)
            return result
        raise YamlLimitError(
            "unsupported YAML node", node
        )  # pragma: no cover - composer never does this


def load_yaml(
    text: str,
    path: str,
    diags: Diagnostics,
    *,
    line_offset: int = 0,
    limits: Limits | None = None,
) -> Located | None:
    """Parse one YAML document. Problems go to ``diags``; ``None`` when unusable."""
    limits = limits or Limits()
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        diags.error(
            Position(path, 1 + line_offset, 1),
            f"file is {size} bytes, larger than the limit of {limits.max_bytes}",
        )
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = LineStarts(text).where(mark.index) if mark else (1, 1)
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        diags.error(Position(path, line + line_offset, col), f"invalid YAML: {problem}")
        return None
    except yaml.YAMLError as exc:
        diags.error(Position(path, 1 + line_offset, 1), f"invalid YAML: {exc}")
        return None
    except RecursionError:
        diags.error(Position(path, 1 + line_offset, 1), "invalid YAML: nesting too deep")
        return None
    builder = _Builder(Located(None, path, line_offset, text=text), limits, diags)
    if node is None:
        builder.located.data = None
        return builder.located
    try:
        builder.located.data = builder.build(node, (), 0)
    except YamlLimitError as exc:
        diags.error(builder.pos(exc.node), str(exc))
        return None
    except RecursionError:
        diags.error(builder.pos(node), "nesting too deep")
        return None
    return builder.located
