"""``briefing heal``: re-anchor annotations whose quote no longer matches the article.

For each quote that is not found, the closest passage of the article's text is
found by fuzzy matching (rapidfuzz). When that candidate is strong (at or above
the threshold) and unambiguous (no other passage comes close), the quote is
rewritten in the YAML, with a ``prefix`` when the new passage occurs more than
once. The YAML is edited with ruamel.yaml's round-trip mode, so comments,
order and layout stay as the contributor wrote them. Anything weaker or
ambiguous is left for a person, with the reason.
"""

from __future__ import annotations

import difflib
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..core.anchoring import best_candidate, find_all, fold_whitespace
from ..core.model import Annotation
from ..core.sources import split_front_matter
from .check import analyze_project

AMBIGUITY_MARGIN = 5.0
"""A second passage within this many points of the best makes the candidate ambiguous."""


@dataclass(frozen=True)
class Proposal:
    annotation: Annotation
    old: str
    new: str | None
    score: float
    prefix: str = ""
    reason: str = ""
    """Why no rewrite is proposed (weak or ambiguous), when ``new`` is None."""


@dataclass
class HealReport:
    proposals: list[Proposal]
    diffs: dict[str, str]
    """Project-relative path -> unified diff of the rewrite."""
    texts: dict[str, str]
    """Project-relative path -> new file text."""


def _trim(candidate: str, quote: str) -> str:
    """Drop punctuation the widening to whole words brought in at either end."""
    punctuation = ".,;:!?)(\"'“”‘’"
    while candidate and candidate[-1] in punctuation and not quote.endswith(candidate[-1]):
        candidate = candidate[:-1]
    while candidate and candidate[0] in punctuation and not quote.startswith(candidate[0]):
        candidate = candidate[1:]
    return candidate.strip()


def propose(text: str, annotation: Annotation, threshold: float) -> Proposal:
    quote = fold_whitespace(annotation.model.quote)
    found = best_candidate(text, quote)
    if found is None:
        return Proposal(annotation, quote, None, 0.0, reason="no similar passage")
    start, end, score = found
    new = _trim(text[start:end], quote)
    if score < threshold:
        return Proposal(annotation, quote, None, score, reason=f"weak match ({score:.0f}%)")
    masked = text[:start] + " " * (end - start) + text[end:]
    runner_up = best_candidate(masked, quote)
    second = runner_up[2] if runner_up else 0.0
    if second >= score - AMBIGUITY_MARGIN:
        return Proposal(
            annotation,
            quote,
            None,
            score,
            reason=f"ambiguous: another passage matches {second:.0f}%",
        )
    prefix = ""
    starts = find_all(text, new)
    if len(starts) > 1:
        here = text.find(new, start - len(new) if start >= len(new) else 0)
        words = text[:here].split()
        for n in range(1, min(len(words), 8) + 1):
            prefix = " ".join(words[-n:])
            if sum(1 for s in starts if text[:s].rstrip().endswith(prefix)) == 1:
                break
        else:
            return Proposal(annotation, quote, None, score, reason="ambiguous: passage repeats")
    return Proposal(annotation, quote, new, score, prefix=prefix)


def _dash_offset(text: str) -> int:
    """How far this file indents a list's dash under its key (0 or, usually, 2)."""
    lines = text.splitlines()
    for key, item in itertools.pairwise(lines):
        found_key = re.match(r"^( *)[^\s#-][^:]*:\s*(#.*)?$", key)
        found_item = re.match(r"^( *)- ", item)
        if found_key and found_item:
            return max(0, len(found_item.group(1)) - len(found_key.group(1)))
    return 0


def _rewrite_yaml(text: str, fixes: list[Proposal], in_front_matter: bool) -> str:
    if in_front_matter:
        split = split_front_matter(text)
        assert split is not None
        front, body, _ = split
    else:
        front, body = text, ""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    offset = _dash_offset(front)
    yaml.indent(mapping=2, sequence=2 + offset, offset=offset)
    data: Any = yaml.load(front)
    items = data.get("annotations", []) if in_front_matter else data
    for fix in fixes:
        for item in items:
            if fold_whitespace(str(item.get("quote", ""))) == fix.old:
                item["quote"] = fix.new
                if fix.prefix:
                    item["prefix"] = fix.prefix
                break
    out = io.StringIO()
    yaml.dump(data, out)
    if in_front_matter:
        return "---\n" + out.getvalue() + "---\n" + body
    return out.getvalue()


def heal_project(config_file: str | Path, threshold: float = 80.0) -> HealReport:
    path = Path(config_file).resolve()
    root = path.parent
    analysis = analyze_project(path)
    proposals: list[Proposal] = []
    briefing = analysis.briefing
    if briefing is None:
        return HealReport([], {}, {})
    for article in briefing.articles:
        results = {r.index: r for r in analysis.context.annotations.get(article.slug, [])}
        text = analysis.context.article_text.get(article.slug, "")
        for annotation in article.annotations:
            result = results.get(annotation.index)
            if result is None or result.anchored:
                continue
            if text.count(fold_whitespace(annotation.model.quote)):
                continue  # found, but more than once: prefix/suffix is a person's choice
            proposals.append(propose(text, annotation, threshold))
    by_file: dict[str, list[Proposal]] = {}
    for proposal in proposals:
        if proposal.new is not None:
            by_file.setdefault(proposal.annotation.position.path, []).append(proposal)
    diffs: dict[str, str] = {}
    texts: dict[str, str] = {}
    for rel, fixes in by_file.items():
        file = root / rel
        old = file.read_text("utf-8")
        new = _rewrite_yaml(old, fixes, in_front_matter=file.suffix == ".md")
        if new != old:
            texts[rel] = new
            diffs[rel] = "".join(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"a/{rel}",
                    f"b/{rel}",
                )
            )
    return HealReport(proposals, diffs, texts)
