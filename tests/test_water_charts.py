"""The water trend chart marks results below the detection limit as the method treats them."""
from __future__ import annotations

from publisher.render import charts


def test_below_dl_points_are_hollow_and_named_in_the_legend():
    frame = [{"section": "北庙水库", "period": "2026-0%d" % m, "value": v, "below_dl": dl}
             for m, v, dl in ((1, 0.02, False), (2, 0.005, True), (3, 0.03, False))]
    fig = charts.water_trend(frame, item_zh="石油类", unit="mg/L", limit=0.05, periods=[f["period"] for f in frame])
    ax = fig.axes[0]
    hollow = [line for line in ax.get_lines() if line.get_markerfacecolor() == "white" and len(line.get_xdata())]
    assert len(hollow) == 1 and list(hollow[0].get_xdata()) == [1] and list(hollow[0].get_ydata()) == [0.005]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "未检出（按1/2检出限）" in labels
    # without non-detects there is no such legend entry
    plain = charts.water_trend([{**f, "below_dl": False} for f in frame], item_zh="石油类", unit="mg/L")
    assert "未检出（按1/2检出限）" not in [t.get_text() for t in plain.axes[0].get_legend().get_texts()]
