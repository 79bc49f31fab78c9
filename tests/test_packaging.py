"""`pip install .` (not only -e) carries the templates and demo data kb needs at run time."""

import shutil
import subprocess
import sys
import venv
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def test_a_plain_install_runs_the_demo(tmp_path):
    # Built from a copy: setuptools leaves a build/ folder beside the sources it builds.
    source = shutil.copytree(PROJECT, tmp_path / "source", ignore=shutil.ignore_patterns(
        ".git", "build", "site", ".kb", "kb-demo", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)], check=True)
    # Dependencies come from this interpreter's site-packages; only kb itself is installed fresh.
    venv.create(tmp_path / "venv", system_site_packages=True, with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", *map(str, wheels.glob("*.whl"))], check=True)

    demo = tmp_path / "elsewhere"
    demo.mkdir()
    result = subprocess.run([str(tmp_path / "venv" / "bin" / "kb"), "demo"], cwd=demo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "acme-qa: 11 new" in result.stdout
    assert (demo / "kb-demo" / "site" / "entries" / "acme-qa" / "1" / "index.html").is_file()
    # The installed copy was used, not this checkout.
    where = subprocess.run([str(python), "-c", "import harvester; print(harvester.__file__)"], cwd=demo, capture_output=True, text=True)
    assert str(tmp_path / "venv") in where.stdout
