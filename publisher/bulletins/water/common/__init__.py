"""What the three water bulletins share: reading the store, provenance, wording helpers, the method block.

Nothing here judges water quality. Classes, status words, compliance, rates, shares and change wording
all come from :mod:`publisher.evaluate.water`; this module only selects stations and periods, reads the
store, turns the evaluation into printable text and records where every figure came from.

One module per concept: ``rules`` (the standards tables by date), ``wording`` (values as printed),
``pages`` (masthead, dates, colours, banner, JSON form), ``stations`` (selection, samples, provenance,
completeness), ``items`` (item names, plans, trends) and ``method`` (the 评价标准及方法 block); the
names below are the package's public interface, read as ``wc.<name>``."""
from __future__ import annotations

from publisher.bulletins.water.common.rules import table_id, citation, eval_rules, page_rules, standards_used
from publisher.bulletins.water.common.wording import (
    DASH, class_zh, class_plain, pct, num, points_change, share, exceedance_parts, exceedance_tables,
    exceedance_cell, times, exceedance_words, join_names, class_counts, class_breakdown,
)
from publisher.bulletins.water.common.pages import (
    page_head, class_shares_chart, class_charts, month_periods, period_start, date_zh, period_range_zh, QUARTERS_ZH,
    quarter_zh, tick_label, summary_head, sample_note, sample_banner, class_colours, class_ink, jsonable, frame_rows,
)
from publisher.bulletins.water.common.stations import (
    SOURCE_TYPE_ZH, LEVEL_ZH, NO_DATA_REASON, NOT_MONITORED, stations_in, station_meta, read_samples,
    provenance, completeness_note, review_provenance, units_of, data_source_note, FREQUENCY_ZH, sampling_days,
    sampling_sentence,
)
from publisher.bulletins.water.common.items import (
    item_unit, gw_names, item_label, gw_text, regular_gw_items, source_plan, planned_items, trend_points,
    multiple_places, items_by_table, TABLE_NAMES, items_sentence,
)
from publisher.bulletins.water.common.method import method_block, tidy, merge_monitored
