"""The built wheel is the library on its own: installed into a fresh virtual environment, outside the
checkout, it carries its templates, the default registry and the shipped settings, ingests a file and
builds a bulletin equal to the one the checkout builds. The demo's real feeds are not in the wheel, and
the demo says so. (A full check with the dependencies from the index is in docs/architecture.md.)"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from publisher.paths import PROJECT_DIR

pytestmark = pytest.mark.slow

CSV = "断面名称,采样时间,氨氮(mg/L),总磷(mg/L)\n北庙水库,2026-05-08,0.1,0.02\n"
BUILD = ["build", "--period", "2026-05", "--kind", "water-sources"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the checkout without build leftovers (a stale ``build/`` folder
    would otherwise put modules that no longer exist into the wheel)."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "publisher-src"
    shutil.copytree(PROJECT_DIR, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "output", "var", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
                   check=True, cwd=out)
    [built] = out.glob("publisher-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; the dependencies come from this interpreter's
    site-packages through a plain path line (its editable hook for the checkout is not processed)."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return root


def _run(exe: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISHER_") and k != "PYTHONPATH"}
    env.update(PUBLISHER_HOME=str(home), PYTHONSAFEPATH="1")
    return subprocess.run([str(exe), *args], cwd=home, env=env, capture_output=True, text=True)


def _workspace(root: Path) -> Path:
    (root / "inbox").mkdir(parents=True)
    (root / "inbox" / "w.csv").write_text(CSV, encoding="utf-8")
    return root


def test_the_wheel_carries_templates_registry_and_settings_and_nothing_of_the_checkout(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    templates = {p.name for p in (PROJECT_DIR / "templates").iterdir() if p.suffix in (".html", ".css")}
    assert {n.removeprefix("publisher/templates/") for n in names if n.startswith("publisher/templates/")} == templates
    assert "publisher/stations/stations.yaml" in names
    assert {"publisher/defaults/approval.yaml", "publisher/defaults/air.yaml"} <= set(names)
    assert any(n.startswith("publisher/standards/data/") and n.endswith(".yaml") for n in names)
    tops = {n.split("/")[0] for n in names}
    assert tops == {"publisher", next(t for t in tops if t.endswith(".dist-info"))}  # no tests/, sample/, …
    assert not [n for n in names if n.endswith(".csv.gz")]  # the demo's real feeds stay in the checkout


def test_an_installed_wheel_builds_the_same_bulletin_as_the_checkout(venv, tmp_path):
    exe = venv / "bin" / "publisher"
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import publisher, publisher.paths as p;"
                            "print(publisher.__file__); print(p.TEMPLATES_DIR)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # the wheel's own files, not the checkout's
    installed = _workspace(tmp_path / "installed")
    for args in (["ingest"], BUILD):
        done = _run(exe, installed, *args)
        assert done.returncode == 0, done.stderr
    folder = installed / "output" / "water-sources" / "2026-05"
    assert {"index.html", "bulletin.pdf", "bulletin.json", "manifest.json", "data.csv", "data.xlsx"} <= \
        {p.name for p in folder.iterdir()}
    assert "北庙水库" in (folder / "index.html").read_text(encoding="utf-8")
    # the same build from the checkout: the same figures
    checkout = _workspace(tmp_path / "checkout")
    here = Path(sys.executable).with_name("publisher")
    for args in (["ingest"], BUILD):
        assert _run(here, checkout, *args).returncode == 0
    ours = json.loads((folder / "bulletin.json").read_text(encoding="utf-8"))
    theirs = json.loads((checkout / "output" / "water-sources" / "2026-05" / "bulletin.json").read_text(encoding="utf-8"))
    assert ours["figures"] == theirs["figures"]
    assert (folder / "data.csv").read_bytes() == (checkout / "output" / "water-sources" / "2026-05" / "data.csv").read_bytes()


def test_the_demo_from_a_wheel_names_the_missing_feed(venv, tmp_path):
    done = _run(venv / "bin" / "publisher", tmp_path, "demo", "--home", str(tmp_path))
    assert done.returncode == 1
    assert "sample_feed_missing" in done.stderr and "--no-real-air" in done.stderr
