"""The CLI explains itself, and the README documents what --help says exists."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_takes_root(command):
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(cli, [command, flag])
        assert result.exit_code == 0
        assert "Example: kb " + command in result.output
        assert "--root" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_documents_every_command(command):
    assert re.search(rf"\bkb {command}\b", README.read_text()), f"README.md does not mention kb {command}"


def test_readme_quickstart_is_two_commands_and_ci_runs_the_second():
    text = README.read_text()
    block = re.search(r"## Quickstart\s+```\w*\n(.*?)```", text, re.DOTALL).group(1)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    ci = (README.parent / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()


def test_init_never_overwrites_a_workspace(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path)]).exit_code == 0
    (tmp_path / "mkdocs.yml").write_text("site_name: Mine\n")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert (tmp_path / "mkdocs.yml").read_text() == "site_name: Mine\n"


def test_a_new_workspace_builds_an_empty_site(kb):
    assert "OK: configuration and 0 entries are valid." in kb("check").output
    assert "Built 0 entries" in kb("build").output
    assert (kb.root / "site" / "index.html").is_file()
    assert (kb.root / "site" / "api" / "entries.json").read_text().strip() == "[]"


def test_readme_and_the_init_example_document_every_source_type_and_option():
    import dataclasses

    from harvester.sources import SOURCE_TYPES
    from harvester.templating import PACKAGED_TEMPLATES

    readme = README.read_text()
    example = (PACKAGED_TEMPLATES / "workspace" / "sources.yml.j2").read_text()
    for type_name, source in SOURCE_TYPES.items():
        assert f"type: {type_name}" in readme and f"type: {type_name}" in example
        for option in dataclasses.fields(source.Options):
            assert f"{option.name}:" in readme, f"README.md does not show {type_name} option {option.name}"
            assert f"{option.name}:" in example, f"the init example does not show {type_name} option {option.name}"
