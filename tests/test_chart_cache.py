"""The chart cache: an entry's key covers everything the picture depends on (chart, data, format, the chart
code, the font files, the library versions), and each workspace keeps its own entries."""
from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

from click.testing import CliRunner

from publisher.cli import cli
from publisher.render import charts, fonts
from publisher.render.charts import spec as spec_mod

SPEC = charts.ChartSpec("shares", "water_class_shares", {"counts": {"Ⅰ": 2, "Ⅲ": 1}, "title": "水质类别比例"})


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_key_basis_names_the_code_the_fonts_and_the_libraries():
    basis = charts.key_basis()
    render_dir = Path(spec_mod.__file__).resolve().parents[1]
    expected = sorted([f"charts/{p.name}" for p in (render_dir / "charts").glob("*.py")]
                      + ["style.py", "fonts.py", "filters.py"])
    assert sorted(basis["code"]) == expected
    assert all(basis["code"][rel] == _sha(render_dir / rel) for rel in expected)
    sans = fonts.find("sans")
    assert basis["fonts"]["sans-regular"] == {"file": str(sans.path), "index": sans.index, "sha256": _sha(sans.path)}
    assert {"matplotlib", "numpy", "pillow", "zlib"} <= set(basis["libs"])


def test_any_change_to_what_the_picture_depends_on_gives_another_key():
    basis = charts.key_basis()
    key = charts.spec_key(SPEC, basis)
    assert key == charts.spec_key(SPEC) == charts.spec_key(copy.deepcopy(SPEC), copy.deepcopy(basis))
    changes = []
    code = copy.deepcopy(basis)
    code["code"]["charts/water.py"] = "0" * 64          # the chart code was edited
    changes.append(code)
    font = copy.deepcopy(basis)
    font["fonts"]["sans-regular"]["sha256"] = "1" * 64  # the same path, another font file
    changes.append(font)
    lib = copy.deepcopy(basis)
    lib["libs"]["pillow"] = "0.0"                        # another encoder
    changes.append(lib)
    keys = {charts.spec_key(SPEC, b) for b in changes}
    assert len(keys) == 3 and key not in keys
    assert charts.spec_key(charts.ChartSpec("shares", "water_class_shares", {"counts": {"Ⅰ": 3}}), basis) != key


def test_another_font_file_changes_the_key(tmp_path, monkeypatch):
    """PUBLISHER_CJK_FONT names a font file: a different file at that path is another key."""
    sans = fonts.find("sans")
    copied = tmp_path / sans.path.name
    copied.write_bytes(sans.path.read_bytes())
    monkeypatch.setenv(fonts.ENV_OVERRIDE, str(copied))
    fonts.find.cache_clear()
    try:
        first = charts.spec_key(SPEC)
        with open(copied, "ab") as fh:
            fh.write(b"\0" * 16)                       # the file changed: size and content
        assert charts.spec_key(SPEC) != first
    finally:
        monkeypatch.delenv(fonts.ENV_OVERRIDE)
        fonts.find.cache_clear()


def test_each_workspace_keeps_its_own_cache_and_none_is_shared(tmp_path, monkeypatch):
    monkeypatch.delenv(charts.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    a, b = charts.default_cache_dir(tmp_path / "a"), charts.default_cache_dir(tmp_path / "b")
    assert a == tmp_path / "a" / "cache" / "charts" and b == tmp_path / "b" / "cache" / "charts"
    first = charts.render_charts([SPEC], tmp_path / "out-a", workers=1, cache_dir=a)
    second = charts.render_charts([SPEC], tmp_path / "out-b", workers=1, cache_dir=b)
    assert (first.rendered, second.rendered) == (1, 1)       # b does not read what a wrote
    assert [p.name for p in a.iterdir()] == [p.name for p in b.iterdir()]
    again = charts.render_charts([SPEC], tmp_path / "out-a", workers=1, cache_dir=a)
    assert (again.rendered, again.cached) == (0, 1)          # nothing changed: nothing drawn
    # without a workspace the cache is the call's own temporary folder: nothing is left in ~/.cache
    charts.render_charts([SPEC], tmp_path / "out-c", workers=1)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()
    assert (tmp_path / "out-c" / "shares.png").read_bytes() == (tmp_path / "out-a" / "shares.png").read_bytes()


def test_the_environment_variable_overrides_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv(charts.CACHE_ENV, str(tmp_path / "shared-by-choice"))
    assert charts.default_cache_dir(tmp_path / "a") == tmp_path / "shared-by-choice"


def test_a_build_keeps_its_charts_in_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv(charts.CACHE_ENV, raising=False)
    for key in [k for k in os.environ if k.startswith("PUBLISHER_")]:
        monkeypatch.delenv(key)
    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    (home / "inbox" / "w.csv").write_text("断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-05-08,0.1\n", encoding="utf-8")
    monkeypatch.setenv("PUBLISHER_HOME", str(home))
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest"]).exit_code == 0
    done = runner.invoke(cli, ["build", "--period", "2026-05", "--kind", "water-sources", "--home", str(home)])
    assert done.exit_code == 0, done.output
    pictures = sorted((home / "output" / "water-sources" / "2026-05" / "charts").glob("*.png"))
    cached = {_sha(p) for p in (home / "cache" / "charts").glob("*.png")}
    assert pictures and {_sha(p) for p in pictures} <= cached
