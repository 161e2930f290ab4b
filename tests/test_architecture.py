"""The layout's rules (docs/architecture.md, "Import rules"), checked on the source: module size, import
layers, no cycles, function-level imports only at the edge, rules looked up by date, the library apart from
the demo and the bench, and tests that need nothing outside the repository.

Each rule starts with an allowlist of what the code does today; splitting a module or fixing an import
removes its entry. An entry that no longer applies is reported as a warning, so it can be deleted."""
from __future__ import annotations

import re
import tomllib
import warnings

import pytest

from publisher.paths import PROJECT_DIR
from tests import architecture as arch

MAX_LINES = 600

# ----------------------------------------------------------------------------------------- allowlists
#: modules over MAX_LINES until they are split (the bench is exempt)
LONG_MODULES: set[str] = set()
#: imports from a higher layer: (importer, imported)
LAYER_EXCEPTIONS = {
    # the manifest check of a bulletin folder sits in publishing/ but is used by the store and the build
    ("publisher.bulletins.build", "publisher.publishing"), ("publisher.bulletins.build", "publisher.publishing.integrity"),
    ("publisher.store.ledger", "publisher.publishing"), ("publisher.store.ledger", "publisher.publishing.integrity"),
    # the build prints the exceedance explanations and keeps each revision's copy (publishing/)
    ("publisher.bulletins.build", "publisher.publishing.explanations"),
    ("publisher.bulletins.build", "publisher.publishing.revisions"),
    # the store keeps station-day aggregates computed by the air method
    ("publisher.store.days", "publisher.evaluate.air"), ("publisher.store.days", "publisher.evaluate.air.station_days"),
    # the ingest records exceedance alerts in its transaction
    ("publisher.ingest.pipeline", "publisher.operations"), ("publisher.ingest.pipeline", "publisher.operations.alerts"),
    # the public site's hook in the build (QR code), status read by the site and the disclosure report
    ("publisher.bulletins.build", "publisher.publishing.site"), ("publisher.bulletins.build", "publisher.publishing.site.hooks"),
    ("publisher.publishing.disclosure_report", "publisher.operations.status"),
    ("publisher.publishing.site.withdrawal", "publisher.operations.status"),
    # the registry and the supervisory ingest check zone classes and discharge standards with the methods
    ("publisher.registry", "publisher.evaluate"), ("publisher.registry", "publisher.evaluate.noise"),
    ("publisher.polluters", "publisher.evaluate"), ("publisher.polluters", "publisher.evaluate.discharge"),
    ("publisher.ingest.supervisory", "publisher.evaluate"), ("publisher.ingest.supervisory", "publisher.evaluate.discharge"),
}
#: import cycles (sorted members), counting imports inside functions
CYCLES = [
    ["publisher.bench.__main__", "publisher.bench.decade"],
    ["publisher.desk", "publisher.desk.views"],
    ["publisher.evaluate.air", "publisher.evaluate.air.statistics"],
    ["publisher.ingest", "publisher.ingest.forecast", "publisher.ingest.intake", "publisher.ingest.layout",
     "publisher.ingest.noise", "publisher.ingest.readers", "publisher.ingest.supervisory", "publisher.ingest.tables"],
    ["publisher.store", "publisher.store.days", "publisher.store.ledger", "publisher.store.parts"],
]
#: library modules that import the demo or the bench
IMPORTS_OF_OUTSIDE: set[tuple[str, str]] = set()
#: modules that take a standards table by its position in versions(...) instead of by date
POSITIONAL_VERSIONS: set[str] = set()
#: where an import inside a function is the design: the scheduler's pass loads the build and the ingest
#: only when it acts, so `schedule plan` starts without weasyprint and matplotlib; and:
LAZY_BY_DESIGN = {
    "publisher.operations.scheduler",
    # the XLSX worker process imports fastexcel and polars after it has capped its memory (RLIMIT_DATA)
    "publisher.ingest.excel_worker",
    # matplotlib and fontTools load only when a chart is drawn or a glyph checked: the pages and the chart
    # specs import the fonts module
    "publisher.render.fonts",
}
#: modules with imports inside functions, to be moved to module level (cli/, demo/ and bench/ aside)
LAZY_IMPORTS = {
    "publisher.evaluate.air._kernels", "publisher.operations.status",
}


def _stale(name: str, entries, still) -> None:
    gone = sorted(set(map(str, entries)) - set(map(str, still)))
    if gone:
        warnings.warn(f"{name}: no longer needed, delete from tests/test_architecture.py: {gone}", stacklevel=2)


# ---------------------------------------------------------------------------------------------- rules
def test_the_analysis_sees_the_package():
    mods = arch.modules()
    assert "publisher.cli" in mods and "publisher.bulletins.build" in mods
    build = mods["publisher.bulletins.build"]
    assert "publisher.store.output" in build.imports  # a known module-level import is found


def test_the_analysis_finds_each_kind_of_breach(tmp_path):
    """A made-up package with one breach of each rule: every one is found, nothing else is."""
    pkg = tmp_path / "publisher"
    files = {
        "__init__.py": "",
        "errors.py": "from publisher.store import Store\n",                 # foundation importing inputs
        "store/__init__.py": "class Store: ...\n",
        "evaluate/__init__.py": "from publisher.evaluate import a\n",
        "evaluate/a.py": "def f():\n    from publisher.evaluate import b\n",  # lazy import, and a cycle a → b → a
        "evaluate/b.py": ("from publisher.evaluate import a\nfrom publisher import standards\n"
                          "T = standards.versions('hj663')[-1]\n"),
        "standards/__init__.py": "def versions(f): ...\n",
        "bulletins/__init__.py": "from publisher.demo import sample\n",      # library importing the demo
        "demo/__init__.py": "", "demo/sample.py": "from publisher import bulletins\n",
        "cli/__init__.py": "def main():\n    from publisher import demo\n",  # the edge may do both
        "desk/__init__.py": "from publisher import cli\n",                   # a new application: edge
    }
    for name, text in files.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    mods = arch.modules(pkg)
    assert arch.layer_violations(pkg) == {("publisher.errors", "publisher.store")}
    assert arch.library_imports_of_outside(pkg) == {("publisher.bulletins", "publisher.demo"),
                                                    ("publisher.bulletins", "publisher.demo.sample")}
    assert arch.cycles(pkg) == [["publisher.bulletins", "publisher.demo.sample"],
                                ["publisher.evaluate", "publisher.evaluate.a", "publisher.evaluate.b"]]
    assert {m.name for m in mods.values() if m.positional_versions} == {"publisher.evaluate.b"}
    lazy = {m.name for m in mods.values() if m.lazy_statements and arch.is_library(m)}
    assert lazy == {"publisher.evaluate.a"}  # cli's lazy import is allowed: not library
    assert not arch.is_library(mods["publisher.desk"]) and not arch.is_library(mods["publisher.demo"])


def test_no_module_is_over_600_lines():
    long = {m.name for m in arch.modules().values() if m.lines > MAX_LINES and m.top != "bench"}
    assert long <= LONG_MODULES, f"over {MAX_LINES} lines (split by concept): {sorted(long - LONG_MODULES)}"
    _stale("LONG_MODULES", LONG_MODULES, long)


def test_imports_follow_the_layers():
    bad = arch.layer_violations()
    assert bad <= LAYER_EXCEPTIONS, f"imports from a higher layer: {sorted(bad - LAYER_EXCEPTIONS)}"
    _stale("LAYER_EXCEPTIONS", LAYER_EXCEPTIONS, bad)


def test_no_import_cycles():
    found = arch.cycles()
    new = [c for c in found if c not in CYCLES]
    assert not new, f"import cycles: {new}"
    _stale("CYCLES", CYCLES, found)


def test_the_library_does_not_import_the_demo_or_the_bench():
    found = arch.library_imports_of_outside()
    assert found <= IMPORTS_OF_OUTSIDE, f"library modules importing demo/ or bench/: {sorted(found - IMPORTS_OF_OUTSIDE)}"
    _stale("IMPORTS_OF_OUTSIDE", IMPORTS_OF_OUTSIDE, found)


def test_standards_are_looked_up_by_date_not_by_position():
    # the standards loader itself keeps the versions in date order and may index them
    found = {m.name for m in arch.modules().values() if m.positional_versions and m.name != "publisher.standards"}
    where = {m.name: m.positional_versions for m in arch.modules().values() if m.name in found - POSITIONAL_VERSIONS}
    assert not where, f"versions(...)[...] (use standards.in_force(family, day)): {where}"
    _stale("POSITIONAL_VERSIONS", POSITIONAL_VERSIONS, found)


def test_imports_inside_functions_only_at_the_edge():
    found = {m.name for m in arch.modules().values()
             if m.lazy_statements and arch.is_library(m) and m.name not in LAZY_BY_DESIGN}
    assert found <= LAZY_IMPORTS, f"imports inside functions (move them to the top): {sorted(found - LAZY_IMPORTS)}"
    _stale("LAZY_IMPORTS", LAZY_IMPORTS, found)


# a path that leaves the repository: the parent of the checkout, or the share beside it
_OUTSIDE_PATH = re.compile(r"parents\[[2-9]\]|PROJECT_DIR\.parent|\.\./" + "shared" + r"|/\s*\"" + "shared" + r"\"")


@pytest.mark.parametrize("path", sorted((PROJECT_DIR / "tests").glob("*.py")), ids=lambda p: p.name)
def test_tests_read_nothing_outside_the_repository(path):
    if path.name == "test_architecture.py":
        return
    hits = [f"{path.name}:{n}: {line.strip()}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if _OUTSIDE_PATH.search(line)]
    assert not hits, "tests read from outside the repository (copy the file into tests/data/): " + "; ".join(hits)


def test_the_wheel_lists_every_package():
    """pyproject.toml names its packages (two are mapped from the checkout's root): every package of
    publisher/ must be there, or the wheel would silently leave it out."""
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {".".join(p.parent.relative_to(PROJECT_DIR).parts) for p in (PROJECT_DIR / "publisher").rglob("__init__.py")}
    data = {"publisher.defaults", "publisher.standards.data"}      # data folders inside the package
    mapped = set(config["package-dir"])                              # templates/ and stations.yaml
    assert mapped == {"publisher.templates", "publisher.stations"}
    assert listed == on_disk | data | mapped, (sorted(on_disk | data | mapped - listed), sorted(listed - on_disk - data - mapped))
    for name in data:
        assert (PROJECT_DIR / name.replace(".", "/")).is_dir(), name
