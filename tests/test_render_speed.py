"""What makes a province's month cheaper (issue 20): PDFs that keep fonts and the parsed stylesheet per
process and take the charts' PNG data as it is, and several bulletins built side by side."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from publisher import registry as registry_mod
from publisher import render
from publisher.demo import sample as sample_data
from publisher.ingest import pipeline
from publisher.paths import Workspace
from publisher.render import fonts, printing
from tests import render_sample
from tests.publishing_helpers import files_of

PUBLISHER = Path(sys.executable).with_name("publisher")
PERIOD = "2026-08"
KINDS = ("water-sources", "water-sections")


def _png(mode: str, **save: object) -> bytes:
    image = Image.new(mode, (40, 30), "white" if mode != "I;16" else 300)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **save)
    return buffer.getvalue()


def test_only_plain_8_bit_png_data_is_taken_as_it_is():
    data = printing.png_image_data(_png("RGB"))
    rows = zlib.decompress(data)   # one filter byte, then 40 RGB pixels, per row
    assert len(rows) == 30 * (1 + 40 * 3) and all(rows[r * 121] <= 4 for r in range(30))
    assert len(zlib.decompress(printing.png_image_data(_png("L")))) == 30 * (1 + 40)
    for other in (_png("RGBA"), _png("P"), _png("I;16"), _png("RGB", transparency=(255, 255, 255)),
                  b"GIF89a" + bytes(40), b""):
        assert printing.png_image_data(other) is None


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("speed")
    render_sample.build_sample(out, look=False)
    return out


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_the_pdf_draws_the_same_pages_as_weasyprint_alone(page, tmp_path):
    """The sample bulletin printed by write_pdf (shared fonts and stylesheet, chart data as it is) and by
    WeasyPrint alone in a fresh process: every page the same pixels; the charts' image data is in the
    PDF byte for byte."""
    ours = render.write_pdf(page / "index.html", tmp_path / "ours.pdf")
    render.write_pdf(page / "index.html", tmp_path / "again.pdf")   # fonts and sheet reused
    assert (tmp_path / "again.pdf").read_bytes() == ours.read_bytes()
    plain = tmp_path / "plain.pdf"
    code = ("import sys, weasyprint; from pathlib import Path; from publisher.render import pdf;"
            "p = Path(sys.argv[1]); weasyprint.HTML(string=p.read_text(encoding='utf-8'), base_url=pdf.PAGE_ROOT,"
            " url_fetcher=pdf._page_fetcher(p.parent)).write_pdf(sys.argv[2], pdf_identifier=b'publisher-bulletin')")
    subprocess.run([sys.executable, "-c", code, str(page / "index.html"), str(plain)], check=True, timeout=300)
    pages = {}
    for name, pdf in (("ours", ours), ("plain", plain)):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / name)], check=True, timeout=300)
        pages[name] = sorted(tmp_path.glob(f"{name}-*.png"))
    assert len(pages["ours"]) == len(pages["plain"]) > 0
    for a, b in zip(pages["ours"], pages["plain"]):
        assert Image.open(a).tobytes() == Image.open(b).tobytes(), a.name
    data = ours.read_bytes()
    charts = sorted((page / "charts").glob("*.png"))
    assert charts and all(printing.png_image_data(c.read_bytes()) in data for c in charts)
    assert not any(printing.png_image_data(c.read_bytes()) in plain.read_bytes() for c in charts)


def test_a_font_file_is_copied_once_per_process_and_streams_deflate_at_level_6(page, tmp_path):
    """Printing takes each font's bytes from HarfBuzz once (the same bytes WeasyPrint would copy) and
    pydyf deflates at level 6; what a stream holds is unchanged."""
    import pydyf
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.text import fonts as text_fonts

    render.write_pdf(page / "index.html", tmp_path / "one.pdf")
    assert printing._FACE_DATA, "the page's fonts were kept"
    assert pdf_fonts.get_hb_object_data is not text_fonts.get_hb_object_data
    kept = dict(printing._FACE_DATA)
    render.write_pdf(page / "index.html", tmp_path / "two.pdf")
    assert all(printing._FACE_DATA[k] is v for k, v in kept.items())   # not copied again
    files = {}
    for style in ("sans", "serif"):
        if fonts.available(style):
            face = fonts.find(style)
            for path in (face.path, face.bold_path):
                if path is not None:
                    files[len(Path(path).read_bytes())] = Path(path)
    # the kept bytes are whole font files, as WeasyPrint reads them (the bulletin's CJK faces among them)
    matched = [files[len(data)] for data in kept.values() if len(data) in files
               and files[len(data)].read_bytes() == data]
    assert matched, sorted(len(d) for d in kept.values())
    raw = bytes(range(256)) * 64
    deflate = pydyf.zlib.compressobj(9)
    packed = deflate.compress(raw) + deflate.flush()
    assert zlib.decompress(packed) == raw and packed == zlib.compress(raw, printing.STREAM_LEVEL)


def test_a_page_with_its_own_stylesheets_is_printed_as_it_is():
    one = "<html><head><style>\np { color: red }\n</style></head><body><p>x</p></body></html>"
    stripped, sheets = printing._shared_sheet(one)
    assert len(sheets) == 1 and "color: red" not in stripped
    assert printing._shared_sheet(one)[1][0] is sheets[0]          # parsed once
    two = one.replace("</head>", "<style>p { color: blue }</style></head>")
    assert printing._shared_sheet(two) == (two, [])
    linked = one.replace("</head>", '<link rel="stylesheet" href="x.css"></head>')
    assert printing._shared_sheet(linked) == (linked, [])


@pytest.fixture(scope="module")
def fed(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("batch") / "home")
    reg = registry_mod.load()
    sample_data.generate(ws.inbox, PERIOD, PERIOD, registry=reg, with_real_air=False)
    for path in ws.inbox.iterdir():
        if "空气" in path.name:
            path.unlink()
    results = pipeline.ingest(None, ws, reg)
    assert results and all(r.status == "accepted" for r in results), [(r.name, r.status) for r in results]
    return ws


def _build(home: Path, workers: str) -> subprocess.CompletedProcess:
    cmd = [str(PUBLISHER)] if PUBLISHER.exists() else [sys.executable, "-c", "from publisher.cli import main; main()"]
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLISHER_HOME", "PUBLISHER_OUTPUT")}
    env["PUBLISHER_CHART_CACHE"] = str(home / "chart-cache")
    args = ["build", "--period", PERIOD, *[a for k in KINDS for a in ("--kind", k)], "--workers", workers]
    return subprocess.run([*cmd, *args, "--home", str(home)], capture_output=True, text=True, timeout=900, env=env)


def test_bulletins_built_side_by_side_equal_those_built_one_after_another(fed, tmp_path):
    homes = {}
    for workers in ("2", "1"):
        home = tmp_path / f"w{workers}"
        shutil.copytree(fed.home, home)
        done = _build(home, workers)
        assert done.returncode == 0, done.stderr[-3000:]
        lines = done.stdout.strip().splitlines()
        assert [line.split()[0] for line in lines] == list(KINDS) and all("第1版 已更新" in line for line in lines)
        homes[workers] = home
    for kind in KINDS:
        side, alone = (files_of(homes[w] / "output" / kind / PERIOD) for w in ("2", "1"))
        assert side.keys() == alone.keys() and "bulletin.pdf" in side
        assert side == alone, kind
    again = _build(homes["2"], "2")
    assert again.returncode == 0 and all("无变化" in line for line in again.stdout.strip().splitlines())
