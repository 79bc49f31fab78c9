"""What CI publishes: the workflows, the nightly commands in order, playbooks and the digest."""

import json
import os
from html import escape as html_escape
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import dump_source, front_matter

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
PLAYBOOK = """---
id: playbooks:vpn-first-day
title: Your first day on the VPN
status: approved
kind: playbook
steps:
- acme:1
- id: acme:14
  note: Only if your token expired.
- acme:4
---

Read these in order before your first remote day.
"""


def test_every_workflow_is_valid_against_githubs_schema():
    assert len(WORKFLOWS) >= 2
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_nightly_commands_run_in_order_on_a_workspace(kb, demo_dump, tmp_path):
    """Every kb step of the nightly workflow, run as the workflow runs it (a shell, the
    workspace as the current folder), in job order: harvest, publish, digest."""
    kb.set_sources(dump_source(demo_dump, name="acme", site_url="https://qa.acme.example"))
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "nightly.yml").read_text())
    commands = [step["run"] for job in ("harvest", "publish", "digest") for step in workflow["jobs"][job]["steps"]
                if step.get("run", "").startswith("kb ")]
    assert [shlex.split(c)[1] for c in commands] == ["harvest", "check", "links", "check", "build", "digest"]
    kb_bin = Path(sys.executable).parent
    env = {**os.environ, "HARVEST_FLAGS": "", "PATH": f"{kb_bin}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        if command.startswith("kb build"):
            subprocess.run(["kb", "approve", "--all"], cwd=kb.root, env=env, check=True, capture_output=True)  # a curator, between the jobs
        result = subprocess.run(["bash", "-c", command], cwd=kb.root, env=env, capture_output=True, text=True)
        assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
    assert (kb.root / "site" / "index.html").is_file() and (kb.root / "site" / "entries" / "acme" / "1" / "index.html").is_file()
    payload = json.loads((kb.root / "digest.json").read_text())
    assert payload["blocks"][0]["type"] == "header" and "New answers* (9)" in payload["blocks"][1]["text"]["text"]


def test_a_playbook_links_its_steps_and_check_catches_dangling_ones(harvested):
    harvested("approve", "acme:1", "acme:4")
    path = harvested.root / "content" / "playbooks" / "vpn-first-day.md"
    path.parent.mkdir()
    path.write_text(PLAYBOOK)
    assert "OK" in harvested("check").output
    harvested("build")
    page = (harvested.root / "site" / "playbooks" / "vpn-first-day" / "index.html").read_text()
    assert "Read these in order" in page and "Only if your token expired." in page
    assert '<a href="../../entries/acme/1/">How do I reset the VPN client' in page
    assert "(not published yet)" in page  # acme:14 is still pending: named, not linked
    index = (harvested.root / "site" / "playbooks" / "index.html").read_text()
    assert "Your first day on the VPN" in index and "3 steps" in index
    assert {r["id"] for r in json.loads((harvested.root / "site/api/entries.json").read_text())} == {"acme:1", "acme:4"}

    harvested("reject", "acme:4", "--reason", "outdated")
    path.write_text(PLAYBOOK.replace("- acme:1\n", "- acme:999\n"))
    result = harvested("check", ok=False)
    assert result.exit_code == 1
    assert 'content/playbooks/vpn-first-day.md: step 1 names "acme:999", which does not exist' in result.stderr
    assert 'content/playbooks/vpn-first-day.md: step 3 names "acme:4", which was rejected' in result.stderr
    path.write_text(PLAYBOOK.replace("steps:\n- acme:1\n- id: acme:14\n  note: Only if your token expired.\n- acme:4\n", "steps: []\n"))
    assert 'a playbook needs "steps"' in harvested("check", ok=False).stderr


def test_the_digest_in_three_formats(harvested):
    (harvested.root / "mkdocs.yml").write_text((harvested.root / "mkdocs.yml").read_text() + "site_url: https://kb.acme.example/\n")
    harvested("approve", "acme:1", "acme:4", "--by", "Ada")
    path = harvested.root / "content" / "acme" / "7.md"
    harvested("approve", "acme:7")
    path.write_text(re.sub(r"reviewed_at: '[^']*'", "reviewed_at: '2020-01-01T00:00:00Z'", path.read_text()))
    harvested("verify", "acme:7")  # approved long ago, verified now: "updated"
    markdown = harvested("digest", "--since", "7d").output
    assert "## New answers (2)" in markdown and "## Updated (1)" in markdown
    assert "[How do I reset the VPN client" in markdown and "(https://kb.acme.example/entries/acme/1/)" in markdown
    assert re.search(r"Thanks to .+ \(1\)", markdown)
    slack = json.loads(harvested("digest", "--format", "slack").output)
    sections = [block["text"]["text"] for block in slack["blocks"] if block["type"] == "section"]
    assert sections[0].startswith("*New answers* (2)\n• <https://kb.acme.example/entries/acme/") and "|How do I" in sections[0]
    html = harvested("digest", "--format", "html").output
    assert html.startswith("<!doctype html>") and '<a href="https://kb.acme.example/entries/acme/1/">' in html
    assert f">{html_escape(front_matter(harvested, 'acme:1')['title'])}</a>" in html  # titles are escaped


def test_a_quiet_period_says_so(harvested):
    assert "Nothing new this time." in harvested("digest", "--since", "7d").output  # nothing approved yet
    assert "Nothing new this time." in json.loads(harvested("digest", "--format", "slack").output)["blocks"][1]["text"]["text"]
