"""Bad input: one clear line naming the file or source, exit 1, and nothing written."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import dump_source
from harvester.demo import DEMO_DATA

DEMO_DUMP = DEMO_DATA / "stackexchange"


def copy_demo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO_DUMP, tmp_path / "dump", ignore=shutil.ignore_patterns("__*")))


def assert_clean_failure(kb, *args, says: str):
    """The error goes to stderr (stdout may still carry the per-source summary)."""
    result = kb(*args, ok=False)
    assert result.exit_code == 1, result.output
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert kb.content_files() == {}
    return result.stderr


def test_missing_path(kb):
    kb.set_sources(dump_source(kb.root / "exports" / "nowhere"))
    out = assert_clean_failure(kb, "harvest", says='source "qc": "path" points to')
    assert out.strip().splitlines() == [f'site_config/sources.yml: source "qc": "path" points to "{kb.root}/exports/nowhere", which does not exist']


def test_truncated_posts_xml(kb, tmp_path):
    dump = copy_demo(tmp_path)
    posts = dump / "Posts.xml"
    posts.write_bytes(posts.read_bytes()[: len(posts.read_bytes()) * 2 // 3])
    kb.set_sources(dump_source(dump))
    out = assert_clean_failure(kb, "harvest", says=f'source "qc": {posts}: not well-formed XML at line')
    assert len(out.strip().splitlines()) == 1


def test_a_folder_that_is_not_a_dump(kb, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    kb.set_sources(dump_source(folder))
    assert_clean_failure(kb, "harvest", says=f'source "qc": {folder}: not a Stack Exchange dump (no Posts.xml)')


def test_entity_expansion_bomb_is_refused(kb, tmp_path):
    dump = copy_demo(tmp_path)
    lol = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
    (dump / "Posts.xml").write_text(
        f'<?xml version="1.0"?><!DOCTYPE posts [<!ENTITY lol0 "lol">{lol}]>'
        '<posts><row Id="1" PostTypeId="1" Title="&lol9;" Body="x" AcceptedAnswerId="2"/>'
        '<row Id="2" PostTypeId="2" ParentId="1" Body="y"/></posts>'
    )
    kb.set_sources(dump_source(dump))
    assert_clean_failure(kb, "harvest", says="refused: the file declares a DTD")


def test_external_entity_is_refused(kb, tmp_path):
    dump = copy_demo(tmp_path)
    (dump / "Posts.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE posts [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        '<posts><row Id="1" PostTypeId="1" Title="&secret;" Body="x"/></posts>'
    )
    kb.set_sources(dump_source(dump))
    assert_clean_failure(kb, "harvest", says="refused")


@pytest.mark.parametrize(
    "source, message",
    [
        ({"name": "qc", "type": "stackexchange-dump", "path": ".", "min_scor": 1},
         'site_config/sources.yml: source "qc": unknown key "min_scor" (did you mean "min_score"?)'),
        ({"name": "qc", "type": "stackexchange-dumb", "path": "."},
         'site_config/sources.yml: source "qc": unknown type "stackexchange-dumb" (did you mean "stackexchange-dump"?)'),
        ({"name": "qc", "type": "stackexchange-dump"},
         'site_config/sources.yml: source "qc": missing key "path"'),
        ({"name": "qc", "type": "stackexchange-dump", "path": ".", "min_score": "high"},
         'site_config/sources.yml: source "qc": "min_score" must be a whole number, got \'high\''),
        ({"name": "Q C", "type": "stackexchange-dump", "path": "."},
         'site_config/sources.yml: source "Q C": "name" must be lowercase letters'),
        ({"type": "stackexchange-dump", "path": "."},
         'site_config/sources.yml: source #1: missing key "name"'),
        ({"name": "qc", "type": "stackexchange-dump", "path": ".", "audience": "everyone"},
         'site_config/sources.yml: source "qc": "audience" must be one of public, internal'),
    ],
)
def test_sources_yml_mistakes_name_the_file_source_and_key(kb, source, message):
    kb.set_sources(source)
    out = assert_clean_failure(kb, "harvest", says=message)
    assert len(out.strip().splitlines()) == 1
    assert kb("check", ok=False).exit_code == 1


def test_every_config_problem_is_reported_at_once(kb):
    kb.set_sources(
        {"name": "a", "type": "stackexchange-dump", "path": ".", "site_ur": "x"},
        {"name": "a", "type": "nope"},
    )
    out = assert_clean_failure(kb, "harvest", says="site_ur")
    assert len(out.strip().splitlines()) == 3  # unknown key, duplicate name, unknown type


def test_sources_yml_that_is_not_yaml(kb):
    (kb.root / "site_config" / "sources.yml").write_text("sources:\n  - name: [unclosed\n")
    assert_clean_failure(kb, "harvest", says="site_config/sources.yml: not valid YAML at line")


def test_unknown_source_name_on_the_command_line(kb, tmp_path):
    kb.set_sources(dump_source(copy_demo(tmp_path)))
    assert_clean_failure(kb, "harvest", "-s", "qx", says="no source named 'qx' (configured: qc)")


def test_not_a_workspace(tmp_path):
    result = subprocess.run([sys.executable, "-m", "harvester", "queue", "--root", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{tmp_path}: not a kb workspace (missing mkdocs.yml, site_config, content; `kb init DIR` creates one)"


def test_usage_errors_exit_2(kb):
    assert kb("approve", "qc:1", "--all", ok=False).exit_code == 2
    assert kb("reject", "qc:1", ok=False).exit_code == 2  # --reason is required


def test_the_installed_command_prints_no_traceback(tmp_path):
    root = tmp_path / "ws"
    subprocess.run(["kb", "init", str(root)], check=True, capture_output=True)
    (root / "site_config" / "sources.yml").write_text("sources:\n  - {name: qc, type: stackexchange-dump, path: missing}\n")
    result = subprocess.run(["kb", "harvest", "--root", str(root)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().startswith('site_config/sources.yml: source "qc": "path" points to')
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("mkdocs_yml, says", [
    ("site_name: x\nnav: [\n", "mkdocs.yml: MkDocs encountered an error parsing the configuration file"),
    ("site_name: x\ntheme:\n  name: no-such-theme\n", "mkdocs.yml: Config value 'theme'"),
])
def test_a_broken_mkdocs_yml_is_named(kb, mkdocs_yml, says):
    (kb.root / "mkdocs.yml").write_text(mkdocs_yml)
    result = kb("build", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith(says), result.stderr
    assert "Traceback" not in result.output


def test_a_broken_theme_override_is_named_with_its_line(kb):
    (kb.root / "overrides").mkdir()
    (kb.root / "overrides" / "main.html").write_text('{% extends "base.html" %}\n\n{% block content %}{% if %}{% endblock %}\n')
    config = kb.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    assert_clean_failure(kb, "build", says="overrides/main.html, line 3: Expected an expression, got 'end of statement block'")


def test_taxonomy_mistakes_name_the_file_and_topic(kb):
    (kb.root / "site_config" / "taxonomy.yml").write_text(yaml.safe_dump({"topics": [
        {"name": "Networking", "tags": []},
        {"name": "Cloud", "tags": ["aws"], "colour": "blue"},
        {"name": "cloud", "tags": ["gcp"]},
        "Databases",
    ]}))
    out = assert_clean_failure(kb, "check", says='site_config/taxonomy.yml: topic "Networking": "tags" must list at least one tag')
    lines = out.strip().splitlines()
    assert 'site_config/taxonomy.yml: topic "Cloud": unknown key "colour"' in lines
    assert 'site_config/taxonomy.yml: topic "cloud": "name" is used by an earlier topic' in lines
    assert "site_config/taxonomy.yml: topic #4: expected a mapping of keys, got 'Databases'" in lines
    assert_clean_failure(kb, "build", says='site_config/taxonomy.yml: topic "Networking"')
    assert not (kb.root / "site").exists()
