"""The GitHub side of the project: workflows, zizmor config, pre-commit hooks, issue forms.

Everything here runs offline: check-jsonschema validates against its vendored schemas and
zizmor runs with ``--offline``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefing.core.model import ANNOTATION_KINDS

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
ZIZMOR_CONFIG = GITHUB / "zizmor.yml"
WORKFLOW_FILES = ["pages.yml", "pr.yml"]
HOOK_FILES = "^(briefing_src/|docs/|mkdocs\\.yml)"
SHA = re.compile(r"^[0-9a-f]{40}$")


def tool(name: str) -> Path:
    """A console script installed next to the running Python (check-jsonschema, zizmor)."""
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is not installed next to {sys.executable}"
    return path


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict[str, Any]:
    data = load(WORKFLOWS / name)
    assert isinstance(data, dict)
    return data


def triggers(wf: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as the boolean True.
    on = wf.get("on", wf.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), f"no triggers: {on!r}"
    return on


def steps(wf: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in wf["jobs"].values() for step in job.get("steps", [])]


def uses(step: dict[str, Any]) -> str:
    """The action of a step without its ref: ``actions/checkout``."""
    return str(step.get("uses", "")).split("@")[0]


def steps_using(wf: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in steps(wf) if uses(step) == action]


def scripts(wf: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in steps(wf) if "run" in step]


def is_read_only(permissions: Any) -> bool:
    return isinstance(permissions, dict) and all(
        value in ("read", "none") for value in permissions.values()
    )


def zizmor_findings(*inputs: Path) -> tuple[int, list[dict[str, Any]], str]:
    result = run(
        tool("zizmor"),
        "--offline",
        "--config",
        ZIZMOR_CONFIG,
        "--min-severity",
        "medium",
        "--format",
        "json",
        "--no-progress",
        *inputs,
    )
    findings = json.loads(result.stdout) if result.stdout.strip() else []
    return result.returncode, findings, result.stderr


# -- schemas -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_workflow_matches_the_github_schema(name: str) -> None:
    result = run(
        tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", WORKFLOWS / name
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    stepz: []\n", encoding="utf-8")
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", broken)
    assert result.returncode != 0, result.stdout


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-issue-forms", GITHUB / "ISSUE_TEMPLATE" / "suggest-annotation.yml"),
        ("vendor.github-issue-config", GITHUB / "ISSUE_TEMPLATE" / "config.yml"),
    ],
)
def test_issue_templates_match_the_github_schema(schema: str, path: Path) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


# -- zizmor --------------------------------------------------------------------------------


def test_zizmor_finds_nothing_of_medium_severity_or_more() -> None:
    code, findings, stderr = zizmor_findings(WORKFLOWS)
    summary = [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings]
    assert (code, summary) == (0, []), stderr
    # Both workflows were audited (no findings because nothing was read would pass too).
    for name in WORKFLOW_FILES:
        assert f"completed {WORKFLOWS / name}" in stderr, stderr


def test_zizmor_config_relaxes_tag_pins_for_official_actions_only(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "probe.yml").write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  probe:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {persist-credentials: false}\n"
        "      - uses: someone/some-action@v1\n"
        "      - uses: github/codeql-action/init@v3\n",
        encoding="utf-8",
    )
    code, findings, stderr = zizmor_findings(workflows)
    flagged = sorted(
        (f["ident"], f["locations"][0]["concrete"]["feature"].strip()) for f in findings
    )
    assert code != 0, stderr
    assert flagged == [
        ("unpinned-uses", "uses: github/codeql-action/init@v3"),
        ("unpinned-uses", "uses: someone/some-action@v1"),
    ]


def test_zizmor_config_relaxes_only_unpinned_uses_for_actions() -> None:
    config = load(ZIZMOR_CONFIG)
    assert config == {
        "rules": {"unpinned-uses": {"config": {"policies": {"actions/*": "ref-pin"}}}}
    }


# -- workflow structure --------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_top_level_permissions_are_empty_or_read_only(name: str) -> None:
    wf = workflow(name)
    assert "permissions" in wf, f"{name} has no top-level permissions"
    assert is_read_only(wf["permissions"]), wf["permissions"]


def test_pages_top_level_permissions_are_empty() -> None:
    assert workflow("pages.yml")["permissions"] == {}


def test_only_the_deploy_job_can_write() -> None:
    writers = {
        (name, job_id, scope)
        for name in WORKFLOW_FILES
        for job_id, job in workflow(name)["jobs"].items()
        for scope, value in (job.get("permissions") or {}).items()
        if value == "write"
    }
    assert writers == {("pages.yml", "deploy", "pages"), ("pages.yml", "deploy", "id-token")}


def test_pages_build_sets_site_url_from_configure_pages() -> None:
    """The 404 page is served at any depth: its links need the site's address."""
    steps = workflow("pages.yml")["jobs"]["build"]["steps"]
    names = [step.get("id") or step.get("name") for step in steps]
    assert names.index("pages") < names.index("Build the briefing")
    assert steps[names.index("pages")]["uses"].startswith("actions/configure-pages@")
    build = steps[names.index("Build the briefing")]
    assert build["env"]["SITE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    assert "site_url: !ENV [SITE_URL" in (ROOT / "mkdocs.yml").read_text("utf-8")


def test_pages_jobs_ask_for_exactly_what_they_need() -> None:
    jobs = workflow("pages.yml")["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["needs"] in ("build", ["build"])


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_checkout_never_keeps_credentials(name: str) -> None:
    checkouts = steps_using(workflow(name), "actions/checkout")
    assert checkouts, f"{name} does not check out the repository"
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_python_is_3_12(name: str) -> None:
    setups = steps_using(workflow(name), "actions/setup-python")
    assert [str(s["with"]["python-version"]) for s in setups] == ["3.12"]


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_scripts_interpolate_no_expressions(name: str) -> None:
    # Expressions go through env:, so nothing from an event is spliced into a shell script.
    offending = [script for script in scripts(workflow(name)) if "${{" in script]
    assert offending == []


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_actions_are_tag_pinned_official_or_sha_pinned(name: str) -> None:
    for step in steps(workflow(name)):
        if "uses" not in step:
            continue
        action, _, ref = str(step["uses"]).partition("@")
        official = action.startswith("actions/") and re.fullmatch(r"v\d+", ref)
        assert official or SHA.match(ref), step["uses"]


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_workflows_install_the_pdf_dependencies_of_setup_sh(name: str) -> None:
    # Installed with sudo beforehand, scripts/setup.sh finds them and never needs root.
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    match = re.search(r"ensure_pdf_deps\(\) \{.*?^\s*apt_install ([^\n]+)$", setup, re.S | re.M)
    assert match, "ensure_pdf_deps in scripts/setup.sh has no apt_install line"
    packages = match.group(1).split()
    runs = scripts(workflow(name))
    installs = [i for i, s in enumerate(runs) if re.search(r"\bsudo\b.*\bapt-get install\b", s)]
    assert len(installs) == 1, runs
    words = set(runs[installs[0]].split())
    assert [p for p in packages if p not in words] == []
    # ... before any of the project's scripts runs.
    first_script = next(i for i, s in enumerate(runs) if "./scripts/" in s)
    assert installs[0] < first_script


def test_pages_builds_and_deploys_on_push_to_main() -> None:
    wf = workflow("pages.yml")
    on = triggers(wf)
    assert set(on) == {"push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert wf["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert build["runs-on"] == "ubuntu-latest"
    assert any(s.strip() == "./scripts/build" for s in scripts({"jobs": {"b": build}}))
    [upload] = steps_using({"jobs": {"b": build}}, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == "site"
    [step] = steps_using({"jobs": {"d": deploy}}, "actions/deploy-pages")
    assert step.get("id") == "deployment"
    assert deploy["environment"] == {
        "name": "github-pages",
        "url": "${{ steps.deployment.outputs.page_url }}",
    }


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_job_has_a_timeout(name: str) -> None:
    # A hanging build would hold a runner for GitHub's default, six hours.
    for job_id, job in workflow(name)["jobs"].items():
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int) and 0 < minutes <= 60, (name, job_id, minutes)


def test_pages_builds_and_deploys_only_from_main() -> None:
    # workflow_dispatch may be started on any branch: neither job runs there.
    for job in workflow("pages.yml")["jobs"].values():
        assert job["if"] == "github.ref == 'refs/heads/main'", job


BOOK_CACHE = "${{ runner.temp }}/briefing-pdf"
"""Where CI keeps the PDF book's cache: outside the checkout."""


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_the_book_cache_is_kept_outside_the_checkout(name: str) -> None:
    """Only the build step gets BRIEFING_CACHE_DIR (the test suite's builds keep their
    own caches in their own folders), and main's Actions cache is that folder."""
    wf = workflow(name)
    with_cache = [s for s in steps(wf) if "BRIEFING_CACHE_DIR" in (s.get("env") or {})]
    assert [s["run"].strip() for s in with_cache] == ["./scripts/build"]
    assert with_cache[0]["env"]["BRIEFING_CACHE_DIR"] == BOOK_CACHE
    assert all("BRIEFING_CACHE_DIR" not in (job.get("env") or {}) for job in wf["jobs"].values())
    assert "BRIEFING_CACHE_DIR" not in (wf.get("env") or {})
    caches = steps_using(wf, "actions/cache")
    assert [c["with"]["path"] for c in caches] == ([BOOK_CACHE] if name == "pages.yml" else [])
    if caches:
        assert steps(wf).index(caches[0]) < steps(wf).index(with_cache[0])


def refuse_cache_step() -> dict[str, Any]:
    wf = workflow("pr.yml")
    [step] = [s for s in steps(wf) if s.get("name") == "Refuse files under .cache/"]
    runs = scripts(wf)
    assert runs.index(step["run"]) < next(i for i, s in enumerate(runs) if "./scripts/" in s)
    return step


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, timeout=60)


@pytest.mark.parametrize(
    ("files", "refused"),
    [
        ({"README.md": "x"}, False),
        ({".cache/briefing-pdf/pages/0123456789abcdef0123456789abcdef.json": "{}"}, True),
        ({".cache/x\n::warning::forged.pdf": "%PDF"}, True),
        ({".cache/briefing-pdf": "a file in the folder's place"}, True),
    ],
    ids=["clean", "page-entry", "name-with-a-workflow-command", "file-in-place"],
)
def test_pr_refuses_files_under_dot_cache(
    tmp_path: Path, files: dict[str, str], refused: bool
) -> None:
    """The step's script, run as GitHub runs it (bash -e -o pipefail) in a checkout whose
    commit holds ``files``; an untracked .cache/ (setup.sh's npm folder) is no problem."""
    repo = tmp_path / "checkout"
    repo.mkdir()
    git(repo, "init", "-q")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-f", ".")
    (repo / ".cache/npm").mkdir(parents=True)
    (repo / ".cache/npm/package.json").write_text("{}", encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", refuse_cache_step()["run"]],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == (1 if refused else 0), done.stdout + done.stderr
    commands = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert commands == (
        [
            "::error::the pull request has 1 file(s) under .cache/, where the build keeps its "
            "caches: remove them (a cache is never taken from the repository)"
        ]
        if refused
        else []
    )


def test_pr_checks_sources_summarises_and_uploads_the_site() -> None:
    wf = workflow("pr.yml")
    assert set(triggers(wf)) == {"pull_request"}
    assert wf["permissions"] == {"contents": "read"}
    [checkout] = steps_using(wf, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0
    runs = scripts(wf)
    order = [
        next(i for i, s in enumerate(runs) if needle in s)
        for needle in (
            "./scripts/test",
            ".venv/bin/briefing check --format github",
            "--summary",
            "./scripts/build",
        )
    ]
    assert order == sorted(order), runs
    [summary] = [s for s in steps(wf) if "--summary" in str(s.get("run", ""))]
    assert '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert '--base "origin/$BASE_REF"' in summary["run"]
    assert summary["env"] == {"BASE_REF": "${{ github.base_ref }}"}
    screenshots, upload = steps_using(wf, "actions/upload-artifact")
    assert screenshots["with"]["name"] == "screenshots"
    assert screenshots["with"]["path"].rstrip("/") == "test-artifacts"
    assert upload["with"]["name"] == "site"
    assert upload["with"]["path"].rstrip("/") == "site"
    assert upload["with"]["retention-days"] == 7


# -- pre-commit ----------------------------------------------------------------------------


def test_pre_commit_hook_for_other_briefings() -> None:
    hooks = load(ROOT / ".pre-commit-hooks.yaml")
    assert isinstance(hooks, list) and hooks
    for hook in hooks:
        missing = {"id", "name", "entry", "language"} - set(hook)
        assert not missing, f"hook {hook.get('id')} lacks {missing}"
    [hook] = [h for h in hooks if h["id"] == "briefing-check"]
    assert hook["name"] == "Briefing check"
    assert (hook["entry"], hook["language"], hook["pass_filenames"]) == (
        "briefing check",
        "python",
        False,
    )
    # The entry is the console script this package installs.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert hook["entry"].split()[0] in project["project"]["scripts"]
    assert hook["files"] == HOOK_FILES


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("briefing_src/entities/kling.yml", True),
        ("briefing_src/articles/kling-launch.annotations.yml", True),
        ("docs/reading.md", True),
        ("mkdocs.yml", True),
        ("plugins/briefing/cli/main.py", False),
        ("tests/fixtures/basic/docs/index.md", False),
        ("mkdocsxyml", False),
    ],
)
def test_hook_runs_for_the_briefing_sources_only(path: str, matches: bool) -> None:
    assert bool(re.search(HOOK_FILES, path)) is matches


def test_pre_commit_config_uses_local_tools() -> None:
    config = load(ROOT / ".pre-commit-config.yaml")
    hooks = {
        hook["id"]: hook
        for repo in config["repos"]
        if repo["repo"] == "local"
        for hook in repo["hooks"]
    }
    assert {h["entry"] for h in hooks.values()} == {
        ".venv/bin/briefing check",
        ".venv/bin/ruff check",
        ".venv/bin/ruff format --check",
    }
    assert all(h["language"] == "system" for h in hooks.values())
    check = hooks["briefing-check"]
    assert (check["files"], check["pass_filenames"]) == (HOOK_FILES, False)
    # Remote repositories would need the network to install.
    assert [r["repo"] for r in config["repos"] if r["repo"] != "local"] == []


# -- issue form ----------------------------------------------------------------------------


def test_suggest_annotation_form_has_the_six_fields() -> None:
    form = load(GITHUB / "ISSUE_TEMPLATE" / "suggest-annotation.yml")
    assert form["name"] == "Suggest an annotation"
    fields = [(f["id"], f["type"]) for f in form["body"] if "id" in f]
    assert fields == [
        ("article", "input"),
        ("quote", "textarea"),
        ("kind", "dropdown"),
        ("note", "textarea"),
        ("sources", "textarea"),
        ("yaml", "textarea"),
    ]
    by_id = {f["id"]: f for f in form["body"] if "id" in f}
    assert tuple(by_id["kind"]["attributes"]["options"]) == ANNOTATION_KINDS
    yaml_field = by_id["yaml"]["attributes"]
    assert yaml_field["label"] == "YAML entry (optional)"
    assert yaml_field["render"] == "yaml"
    assert by_id["yaml"].get("validations", {}).get("required", False) is False


def test_blank_issues_stay_enabled() -> None:
    config = load(GITHUB / "ISSUE_TEMPLATE" / "config.yml")
    assert config["blank_issues_enabled"] is True


def test_pull_request_template_checklist() -> None:
    text = (GITHUB / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] ", text, re.M)
    assert len(items) >= 5
    for needle in ("source", "own words", "briefing check", "docs/reading.md", "preview"):
        assert needle in text, needle
