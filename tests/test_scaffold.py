"""briefing new (scaffolds that pass the check, never overwrite) and the JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from briefing.cli import main
from briefing.core.model import json_schemas
from briefing.core.sources import load_briefing
from conftest import ROOT


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args[:2], "-f", str(project / "mkdocs.yml"), *args[2:]])
    return result.exit_code, result.output


def test_new_entity_and_article_pass_the_check(project: Path) -> None:
    code, out = run(project, "new", "entity", "deepseek", "--name", "DeepSeek", "--type", "company")
    assert (code, out.strip()) == (0, "briefing_src/entities/deepseek.yml")
    code, out = run(project, "new", "article", "first-look", "--title", "A first: look")
    assert code == 0, out
    briefing, problems = load_briefing(project)
    assert [p.format() for p in problems] == []
    assert briefing.entities["deepseek"].name == "DeepSeek"
    article = briefing.article("first-look")
    assert article is not None and article.title == "A first: look"
    text = (project / "briefing_src/entities/deepseek.yml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schemas/entity.schema.json")
    code, out = run(project, "check")
    assert code == 0, out


def test_new_never_overwrites(project: Path) -> None:
    path = project / "briefing_src/entities/kling.yml"
    before = path.read_text()
    code, out = run(project, "new", "entity", "kling", "--name", "Other", "--type", "product")
    assert code == 1
    assert "already exists; nothing was written" in out
    assert path.read_text() == before


@pytest.mark.parametrize("bad", ["Kling", "index", "a_b", "x-"])
def test_new_refuses_bad_ids(project: Path, bad: str) -> None:
    code, out = run(project, "new", "article", bad, "--title", "T")
    assert code == 1 and "must be lower-case" in out
    assert not (project / f"briefing_src/articles/{bad}.md").exists()


def test_committed_schemas_are_fresh() -> None:
    for name, schema in json_schemas().items():
        committed = json.loads((ROOT / "schemas" / name).read_text("utf-8"))
        assert committed == schema, f"schemas/{name} is stale: run `briefing schemas`"


class EditorLoader(yaml.SafeLoader):
    """YAML as editors' language servers read it (YAML 1.2's core schema): booleans and
    numbers typed, dates left as strings."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def test_schemas_accept_the_shipped_files_and_reject_typos() -> None:
    schemas = json_schemas()
    entity = jsonschema.Draft202012Validator(schemas["entity.schema.json"])
    sidecar = jsonschema.Draft202012Validator(schemas["annotations.schema.json"])
    article = jsonschema.Draft202012Validator(schemas["article.schema.json"])
    for path in (ROOT / "briefing_src/entities").glob("*.yml"):
        entity.validate(yaml.load(path.read_text("utf-8"), Loader=EditorLoader))
    for path in (ROOT / "briefing_src/articles").glob("*.annotations.yml"):
        sidecar.validate(yaml.load(path.read_text("utf-8"), Loader=EditorLoader))
    for path in (ROOT / "briefing_src/articles").glob("*.md"):
        front = path.read_text("utf-8").split("---\n")[1]
        article.validate(yaml.load(front, Loader=EditorLoader))
    typo = {"name": "X", "type": "company", "sumary": "One."}
    assert not entity.is_valid(typo)
    assert not entity.is_valid({"name": "X", "type": "firm", "summary": "One."})
    assert not sidecar.is_valid([{"quote": "q", "kind": "opinion", "note": "n"}])
    assert not entity.is_valid(
        {
            "name": "X",
            "type": "company",
            "summary": "S",
            "links": [{"title": "t", "url": "javascript:x"}],
        }
    )
    # Editors flag what the check rejects in names: markup and invisible characters.
    base = {"type": "company", "summary": "S"}
    assert entity.is_valid({**base, "name": "快手", "aliases": ["Kuaishou Technology"]})
    assert not entity.is_valid({**base, "name": "<b>X</b>"})
    assert not entity.is_valid({**base, "name": "Kling\u202e"})
    assert not entity.is_valid({**base, "name": "Kling", "aliases": ["Kl\u200bing"]})


def test_schemas_say_what_an_update_needs() -> None:
    """Editors flag an update without a date or with a verdict, as the check does."""
    sidecar = jsonschema.Draft202012Validator(json_schemas()["annotations.schema.json"])
    entity = jsonschema.Draft202012Validator(json_schemas()["entity.schema.json"])
    note = {"quote": "q", "kind": "update", "note": "n"}
    assert not sidecar.is_valid([note])
    assert sidecar.is_valid([{**note, "date": "2025-01-02", "reviewed": "2025-02-01"}])
    assert not sidecar.is_valid([{**note, "date": "2025-01-02", "verdict": "false"}])
    assert sidecar.is_valid([{**note, "kind": "fact-check", "verdict": "false"}])
    assert entity.is_valid(
        {"name": "X", "type": "company", "summary": "S", "reviewed": "2025-02-01"}
    )
    assert not entity.is_valid(
        {"name": "X", "type": "company", "summary": "S", "reviewed": "2025-02"}
    )
