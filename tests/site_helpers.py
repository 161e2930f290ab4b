"""A workspace with a published water and air bulletin, for the site's tests: the sample city
drinking-water sources of 2026-08 and the real air feed's 2026-05 for the monthly air bulletin,
ingested through the pipeline and built (a few seconds)."""
from __future__ import annotations

import shutil
from pathlib import Path

from publisher import registry as registry_mod
from publisher.paths import PROJECT_DIR, Workspace
from publisher.publishing import signing

WATER, AIR = ("water-sources", "2026-08"), ("air-monthly", "2026-05")
FEED = PROJECT_DIR / "sample" / "air_cnemc_seed_cities_2026.csv.gz"


def build_workspace(home: Path) -> Workspace:
    from publisher.bulletins.build import build
    from publisher.demo import sample
    from publisher.ingest import pipeline

    ws = Workspace(home)
    reg = registry_mod.load()
    generated = home.parent / (home.name + "-generated")
    sample.generate(generated, "2026-05", "2026-08", registry=reg, with_real_air=False)
    ws.inbox.mkdir(parents=True, exist_ok=True)
    for path in generated.iterdir():
        city_water = "饮用水源" in path.name and "县级" not in path.name and "2026-08" in path.name
        if city_water or ("空气" in path.name and "2026-05" in path.name):
            shutil.copy(path, ws.inbox / path.name)
    shutil.copy(FEED, ws.inbox / FEED.name)
    results = pipeline.ingest(None, ws, reg)
    assert results and all(r.status == "accepted" for r in results), [(r.name, r.status) for r in results]
    for kind, period in (WATER, AIR):
        assert build(kind, period, ws, registry=reg).revision == 1
    signing.instance_key(ws.home)
    return ws


#: a late sample of 北庙水库 in the month with a high 氨氮: the corrected bulletin's figures change
CORRECTION = ("更正_北庙水库_2026-08.csv", "断面名称,采样时间,氨氮(mg/L)\n北庙水库,2026-08-20 10:00,1.60\n")


def rebuild_corrected(ws: Workspace) -> int:
    """Ingest the late sample and rebuild the water bulletin; returns the new revision."""
    from publisher.bulletins.build import build
    from publisher.ingest import pipeline

    reg = registry_mod.load()
    ws.inbox.mkdir(parents=True, exist_ok=True)
    (ws.inbox / CORRECTION[0]).write_text(CORRECTION[1], encoding="utf-8")
    assert [r.status for r in pipeline.ingest(None, ws, reg)] == ["accepted"]
    built = build(*WATER, ws, registry=reg)
    assert built.changed
    return built.revision
