"""Supervisory-monitoring exceedances: one alert per outlet and sampling time, judged as the quarterly
bulletin judges them (``bulletins.supervisory.results``), with the stored items of the same samples that a
file does not restate, so that a correction closes the alert."""
from __future__ import annotations

import polars as pl

from publisher.bulletins.supervisory import results as supervisory_results
from publisher.operations.alerts.findings import Finding, Outcome, minute as _minute


def evaluate(frame: pl.DataFrame | pl.LazyFrame, registry, store) -> Outcome:
    new = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if new.height == 0:
        return Outcome()
    first, last = new["sampled_at"].min(), new["sampled_at"].max()
    stored = store.supervisory(first, last) if store.exists() else new.clear()
    same = stored.join(new.select("outlet_id", "sampled_at").unique(), on=["outlet_id", "sampled_at"], how="semi")
    kept = same.join(new.select("outlet_id", "sampled_at", "item"), on=["outlet_id", "sampled_at", "item"], how="anti")
    rows = pl.concat([new, kept.select(new.columns)], how="vertical_relaxed")
    found, judged = supervisory_results.sample_exceedances(rows, registry)
    out = Outcome(scope={("supervisory_exceedance", outlet, _minute(at)) for outlet, at in judged})
    for entry in found:
        first_item = entry["items"][0]
        out.raised.append(Finding("supervisory_exceedance", entry["outlet_id"],
                                  f"{entry['unit_name']}{entry['outlet_name']}", _minute(entry["sampled_at"]),
                                  first_item["value"], first_item["limit"],
                                  f"{entry['message_zh']}〔规则 supervisory_exceedance〕", {"items": entry["items"]}))
    return out
