"""Mention matching: every rule of spec section 3 is a row of cases/mentions.yml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from briefing.core.mentions import Matcher, Term, is_case_sensitive

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "mentions.yml").read_text("utf-8"))


def matcher_for(case: dict) -> Matcher:
    overrides = case.get("match_case", {})
    return Matcher(
        Term(name, entity, is_case_sensitive(name, overrides.get(entity)))
        for entity, names in case["terms"].items()
        for name in names
    )


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_mention_rule(case: dict) -> None:
    text = case["text"]
    found = [[text[m.start : m.end], m.entity] for m in matcher_for(case).find(text)]
    assert found == case["expect"]


def test_many_entities_one_pass() -> None:
    """Thousands of names: still correct, the automaton does not care how many."""
    terms = [Term(f"Entity{i}", f"e{i}", True) for i in range(5000)]
    terms.append(Term("Entity1 Holdings", "holdings", True))
    text = "Entity12 met Entity1 Holdings and Entity4999, not Entity50000."
    found = [(text[m.start : m.end], m.entity) for m in Matcher(terms).find(text)]
    assert found == [("Entity12", "e12"), ("Entity1 Holdings", "holdings"), ("Entity4999", "e4999")]


words = st.sampled_from(
    [
        "Kling",
        "kling",
        "Kling AI",
        "可灵",
        "Sora",
        "Soraya",
        "chip",
        "embargo",
        "Chip Embargo",
        "据",
        "百度",
        "称",
        "the",
        "  ",
        "\n",
        ",",
        "-",
        "AI",
    ]
)


@given(st.lists(words, max_size=30).map("".join))
def test_matches_are_ordered_disjoint_and_real(text: str) -> None:
    matcher = Matcher(
        [
            Term("Kling", "k", True),
            Term("Kling AI", "k", True),
            Term("可灵", "k", False),
            Term("Sora", "s", True),
            Term("chip embargo", "c", False),
            Term("百度", "b", False),
        ]
    )
    previous_end = 0
    for m in matcher.find(text):
        assert m.start >= previous_end
        assert m.start < m.end
        assert " ".join(text[m.start : m.end].split()).casefold() == m.term.casefold()
        previous_end = m.end
