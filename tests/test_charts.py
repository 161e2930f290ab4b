"""Charts: Chinese text in a font that has it, structure, identical bytes, the pool and its cache."""
from __future__ import annotations

import datetime as dt
import functools
import pickle
import random
import os
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.colors import to_hex
from matplotlib.text import Text

from publisher.render import charts
from publisher import standards

LEVELS = standards.get("HJ633-2012")["levels"]["items"]
SOURCE = "数据来源：保山市环境监测站（实况数据）"
SECTIONS = ["红旗桥", "小沙坝", "大沙坝", "曼海桥", "勐赖", "橄榄河口"]
AREAS = ["隆阳区", "施甸县", "龙陵县", "昌宁县", "腾冲市"]


def sample_data(seed: int = 1) -> dict[str, dict]:
    """Keyword arguments of every chart kind (deterministic for a seed)."""
    rng = random.Random(seed)
    periods = [f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}" for m in range(5, 18)]
    return {
        "water_class_shares": {"counts": {"Ⅰ": 2, "Ⅱ": 7, "Ⅲ": 3, "Ⅳ": 1}, "title": "河流断面水质类别比例", "source": SOURCE},
        "water_sections_vs_target": {
            "frame": pl.DataFrame({"section": SECTIONS, "class": [2, 3, 4, None, 1, 6], "target": [2, 3, 3, 3, 2, 3]}),
            "source": SOURCE,
        },
        "water_class_matrix": {
            "frame": pl.DataFrame(
                [{"section": s, "month": m, "class": rng.choice([1, 2, 3, 4, None])} for s in SECTIONS for m in range(1, 6)]
            ),
            "through": 5,
        },
        "water_trend": {
            "frame": pl.DataFrame(
                [{"section": s, "period": p, "value": round(rng.uniform(0.05, 0.25), 3)} for s in SECTIONS[:3] for p in periods]
            ),
            "item_zh": "总磷",
            "unit": "mg/L",
            "limit": 0.2,
        },
        "aqi_calendar": {
            "frame": [{"date": dt.date(2026, 5, d), "aqi": None if d == 17 else rng.randint(20, 160)} for d in range(1, 32)],
            "year": 2026,
            "month": 5,
            "levels": LEVELS,
            "title": "2026年5月中心城区空气质量日历",
        },
        "good_day_ratio": {
            "frame": pl.DataFrame({"area": AREAS, "month": [96.8, 100.0, 93.5, None, 90.3], "ytd": [95.1, 98.7, 94.0, 92.2, 97.4]}),
            "target": 95.0,
        },
        "pollutant_concentrations": {
            "frame": pl.DataFrame(
                {
                    "pollutant": ["so2", "no2", "pm10", "pm2_5", "co", "o3_8h"],
                    "value": [6.0, 12.0, 33.0, 18.0, 0.8, 112.0],
                    "previous": [7.0, 13.0, 38.0, 22.0, 0.9, 118.0],
                    "limit": [60.0, 40.0, 70.0, 35.0, 4.0, 160.0],
                }
            ),
            "source": "注：O₃-8h为日最大8小时平均第90百分位数",
        },
        "level_days_stacked": {
            "frame": pl.DataFrame([{"area": a, "level": lv, "days": n} for a in AREAS for lv, n in [(1, 18), (2, 9), (3, 2), (0, 2)]]),
            "levels": LEVELS,
        },
        "aqi_strip": {
            "frame": pl.DataFrame(
                {"date": [dt.date(2026, 5, 1) + dt.timedelta(days=i) for i in range(30)], "aqi": [rng.randint(20, 180) for _ in range(30)]}
            ),
            "levels": LEVELS,
        },
        "composite_index_ranking": {
            "frame": pl.DataFrame({"area": AREAS, "index": [2.615, 2.31, 2.95, 3.4, 2.12]}),
            "highlight": "隆阳区",
        },
    }


def test_every_chart_kind_has_sample_data():
    assert set(sample_data()) == set(charts.CHARTS)


@functools.lru_cache(maxsize=None)
def _cmap(path: str, index: int) -> frozenset[int]:
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _chain(prop: font_manager.FontProperties) -> list[tuple[str, int]]:
    """The fonts matplotlib draws `prop` with, in fallback order (one per family of the list)."""
    out = []
    for family in prop.get_family():
        one = prop.copy()
        one.set_family(family)
        found = font_manager.findfont(one, fallback_to_default=False)
        out.append((str(getattr(found, "path", found)), int(getattr(found, "face_index", 0))))
    return out


@pytest.mark.parametrize("kind", sorted(charts.CHARTS))
def test_chinese_text_is_drawn_with_fonts_that_have_every_glyph(kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig = charts.CHARTS[kind](**sample_data()[kind])
        charts.to_bytes(fig, "png")
    texts = [t for t in fig.findobj(Text) if t.get_text().strip()]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text()) for t in texts), "no Chinese text at all"
    for t in texts:
        chain = _chain(t.get_fontproperties())
        assert "NotoSansCJK" in chain[0][0] or "NotoSerifCJK" in chain[0][0], chain
        covered = frozenset().union(*(_cmap(p, i) for p, i in chain))
        missing = {ch for ch in t.get_text() if not ch.isspace() and ord(ch) not in covered}
        assert not missing, f"{kind}: {t.get_text()!r} lacks {missing} in {chain}"


def test_structure_of_class_shares_and_calendar():
    fig = charts.water_class_shares(**sample_data()["water_class_shares"])
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类"]
    assert fig.get_suptitle() == "河流断面水质类别比例"
    cal = charts.aqi_calendar(**sample_data()["aqi_calendar"])
    (cells,) = cal.axes[0].collections  # the day cells, drawn as one collection
    faces = [to_hex(c).upper() for c in cells.get_facecolors()]
    assert len(faces) == 31
    assert faces[16] == charts.MISSING.upper(), "the day without AQI (17th) is grey"
    assert set(faces) - {charts.MISSING.upper()} <= {lv["hex"].upper() for lv in LEVELS}
    assert cal.axes[0].get_legend() is not None


def test_aqi_level_uses_the_table_ranges():
    assert charts.aqi_level(50, LEVELS)["category_zh"] == "优"
    assert charts.aqi_level(51, LEVELS)["category_zh"] == "良"
    assert charts.aqi_level(301, LEVELS)["hex"] == "#7E0023"
    assert charts.aqi_level(None, LEVELS) is None


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_same_chart_gives_identical_bytes(fmt):
    kwargs = sample_data()["aqi_calendar"]
    first = charts.to_bytes(charts.aqi_calendar(**kwargs), fmt)
    second = charts.to_bytes(charts.aqi_calendar(**kwargs), fmt)
    assert first == second
    if fmt == "png":
        assert b"Software" not in first and b"tIME" not in first
    else:
        assert b"<dc:date>" not in first


def test_save_writes_only_when_bytes_change(tmp_path):
    fig = charts.composite_index_ranking(**sample_data()["composite_index_ranking"])
    path = charts.save(fig, tmp_path / "ranking.png")
    os.utime(path, ns=(1, 1))  # a stamp no write could leave
    charts.save(fig, path)
    assert path.stat().st_mtime_ns == 1


def _specs(n: int, seed: int = 1) -> list[charts.ChartSpec]:
    data = sample_data(seed)
    kinds = sorted(data)
    return [charts.ChartSpec(f"c{i:02d}-{kinds[i % len(kinds)]}", kinds[i % len(kinds)], data[kinds[i % len(kinds)]] | {"title": f"图{i}（{seed}）"}) for i in range(n)]


def test_specs_pickle():
    spec = _specs(1)[0]
    assert pickle.loads(pickle.dumps(spec)) == spec or charts.spec_key(pickle.loads(pickle.dumps(spec))) == charts.spec_key(spec)


def test_pool_renders_then_cache_renders_nothing(tmp_path):
    specs = _specs(30)
    cache = tmp_path / "cache"
    charts.shutdown_pool()
    first = charts.render_charts(specs, tmp_path / "out", workers=2, cache_dir=cache)
    assert first.rendered == 30 and first.cached == 0
    assert [p.name for p in first] == [s.filename for s in specs]
    bytes_before = {p.name: p.read_bytes() for p in first}

    warm_specs = _specs(30, seed=2)  # new data: rendered again, by the workers already running
    warm = charts.render_charts(warm_specs, tmp_path / "warm", workers=2, cache_dir=cache)
    assert warm.rendered == 30

    again = charts.render_charts(specs, tmp_path / "out", workers=2, cache_dir=cache)
    assert again.rendered == 0 and again.cached == 30
    assert {p.name: p.read_bytes() for p in again} == bytes_before

    changed = list(specs)
    changed[3] = charts.ChartSpec(specs[3].name, specs[3].chart, specs[3].data | {"title": "改动后的标题"})
    once = charts.render_charts(changed, tmp_path / "out", workers=2, cache_dir=cache)
    assert once.rendered == 1 and once.cached == 29
    # how fast the pool renders is measured by `make bench`, not here


def test_duplicate_names_are_refused(tmp_path):
    spec = _specs(1)[0]
    with pytest.raises(ValueError, match="duplicate"):
        charts.render_charts([spec, spec], tmp_path, cache_dir=tmp_path / "cache")


def test_unknown_chart_is_named(tmp_path):
    with pytest.raises(ValueError, match="unknown chart 'pie_3d'"):
        charts.render_charts([charts.ChartSpec("x", "pie_3d", {})], tmp_path, workers=1, cache_dir=tmp_path / "cache")


def test_ranking_ties_share_a_rank():
    """Equal composite indices share the smaller rank (并列) and the next rank skips: 1, 2, 2, 4."""
    frame = pl.DataFrame({"area": ["甲市", "乙市", "丙市", "丁市"], "index": [2.17, 2.01, 2.17, 3.37]})
    fig = charts.composite_index_ranking(frame)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()][::-1]  # top (best) first
    assert labels == ["1  乙市", "2（并列）  甲市", "2（并列）  丙市", "4  丁市"]
    given = charts.composite_index_ranking(frame.with_columns(pl.Series("rank", ["2", "1", "3", "4"])))
    assert [t.get_text() for t in given.axes[0].get_yticklabels()][::-1] == ["1  乙市", "2  甲市", "3  丙市", "4  丁市"]


@pytest.mark.parametrize("kind", sorted(charts.CHARTS))
def test_png_bytes_are_the_pixels_matplotlib_draws(kind):
    """The PNG writer is lossless and the kept text layouts change nothing: the pixels are those of
    matplotlib's own Agg drawing of the figure, the first time a text is laid out and the next."""
    import io

    import numpy as np
    from PIL import Image

    from publisher.render.charts import raster

    assert raster._layouts_agree()   # the layout table is in use on this matplotlib
    kwargs = sample_data()[kind]
    first = charts.to_bytes(charts.CHARTS[kind](**kwargs), "png")
    assert charts.to_bytes(charts.CHARTS[kind](**kwargs), "png") == first   # texts from the table
    png = Image.open(io.BytesIO(first))
    assert png.mode == "RGB" and round(png.info["dpi"][0]) == charts.DPI
    raw = io.BytesIO()
    fig = charts.CHARTS[kind](**kwargs)
    with charts.bulletin_style():
        fig.savefig(raw, format="rgba", dpi=charts.DPI)
    width, height = (round(v * charts.DPI) for v in fig.get_size_inches())
    drawn = np.frombuffer(raw.getvalue(), np.uint8).reshape(height, width, 4)[:, :, :3]
    assert png.size == (width, height)
    assert np.array_equal(np.asarray(png), drawn)


@pytest.mark.parametrize("kind", sorted(charts.CHARTS))
def test_axes_are_placed_as_constrained_layout_places_them(kind):
    """The charts' layout puts every axes where matplotlib's constrained layout (same rectangle,
    same pads) puts it, to within three pixels (a tick label at the very end of an axis can keep a
    little more room than constrained layout leaves it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    kwargs = dict(sample_data()[kind], title=None)  # constrained layout places only a title it placed itself
    if kind == "pollutant_concentrations":  # nor a figure legend given a place of its own
        kwargs["frame"] = kwargs["frame"].drop("previous")
    ours = charts.CHARTS[kind](**kwargs)
    charts.to_bytes(ours, "png")
    theirs = charts.CHARTS[kind](**kwargs)
    theirs.set_layout_engine(ConstrainedLayoutEngine(rect=ours.get_layout_engine().rect, h_pad=0.06, w_pad=0.06))
    with charts.bulletin_style():
        FigureCanvasAgg(theirs).draw()
    pixels = np.tile(ours.get_size_inches() * charts.DPI, 2)
    for a, b in zip(ours.axes, theirs.axes, strict=True):
        mine, ref = a.get_position().extents * pixels, b.get_position().extents * pixels
        assert np.abs(mine - ref).max() <= 3.0, (kind, mine, ref)
