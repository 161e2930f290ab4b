"""Reading the package's structure for tests/test_architecture.py: modules, their sizes, the imports of
each (module level and inside functions), the import layers, cycles and positional standards lookups."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from publisher.paths import PROJECT_DIR

PACKAGE = PROJECT_DIR / "publisher"

#: import layers, lowest first: a module imports only from its own layer or a lower one. A top-level
#: module or package not named here is an application at the edge (like ``cli``): it may import any
#: layer and no library module may import it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("__init__", "errors", "faults", "paths", "periods", "safeparse", "display", "rounding",
                    "config", "vocabulary", "standards")),
    ("inputs", ("registry", "polluters", "ingest", "store")),
    ("method", ("evaluate",)),
    ("output", ("render",)),
    ("bulletins", ("bulletins",)),
    ("publishing", ("publishing",)),
    ("operations", ("operations",)),
    ("edge", ("cli", "desk")),
]
#: outside the library: no library module imports them (they import the library)
OUTSIDE = ("demo", "bench")


@dataclass
class Module:
    name: str                      # dotted, e.g. publisher.render.charts
    path: Path
    lines: int
    imports: set[str] = field(default_factory=set)          # module level (incl. TYPE_CHECKING-free)
    lazy_imports: set[str] = field(default_factory=set)     # inside a function or method
    lazy_statements: int = 0
    positional_versions: list[int] = field(default_factory=list)  # line numbers of versions(...)[...]

    @property
    def top(self) -> str:
        parts = self.name.split(".")
        return parts[1] if len(parts) > 1 else "__init__"


def _dotted(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


class _Visitor(ast.NodeVisitor):
    def __init__(self, module: Module, is_package: bool, known: set[str]):
        self.module, self.is_package, self.known, self.depth = module, is_package, known, 0

    def _target(self, name: str) -> str | None:
        # the longest known module the name starts with (``from publisher.render import charts`` names
        # the submodule when it is one)
        while name:
            if name in self.known:
                return name
            name = name.rpartition(".")[0]
        return None

    def _add(self, names: list[str]) -> None:
        found = {t for t in (self._target(n) for n in names) if t and t != self.module.name}
        if self.depth:
            self.module.lazy_imports |= found
        else:
            self.module.imports |= found

    def visit_Import(self, node: ast.Import) -> None:
        if self.depth:
            self.module.lazy_statements += 1
        self._add([a.name for a in node.names if a.name.startswith("publisher")])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.depth:
            self.module.lazy_statements += 1
        base = _resolve(self.module.name, self.is_package, node)
        if base.startswith("publisher"):
            self._add([f"{base}.{a.name}" for a in node.names] + [base])

    def _scope(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scope

    def visit_If(self, node: ast.If) -> None:
        # `if TYPE_CHECKING:` imports are for annotations only
        test = node.test
        if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or \
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        call = node.value
        if isinstance(call, ast.Call) and (
                isinstance(call.func, ast.Name) and call.func.id == "versions"
                or isinstance(call.func, ast.Attribute) and call.func.attr == "versions"):
            self.module.positional_versions.append(node.lineno)
        self.generic_visit(node)


@lru_cache(maxsize=4)
def modules(package: Path = PACKAGE) -> dict[str, Module]:
    """Every module of `package` (a folder named ``publisher``) by dotted name."""
    paths = sorted(package.rglob("*.py"))
    known = {_dotted(p, package.parent) for p in paths}
    found: dict[str, Module] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        module = Module(_dotted(path, package.parent), path, len(text.splitlines()))
        _Visitor(module, path.name == "__init__.py", known).visit(ast.parse(text, str(path)))
        found[module.name] = module
    return found


def layer_of(module: Module) -> int:
    for rank, (_, tops) in enumerate(LAYERS):
        if module.top in tops:
            return rank
    return len(LAYERS)  # an application at the edge, or demo/bench


def is_library(module: Module) -> bool:
    return module.top not in OUTSIDE and layer_of(module) < len(LAYERS) - 1


def layer_violations(package: Path = PACKAGE) -> set[tuple[str, str]]:
    """(importer, imported) pairs where a module imports from a higher layer (any import, lazy included)."""
    mods = modules(package)
    bad = set()
    for m in mods.values():
        if m.top in OUTSIDE:
            continue
        for target in m.imports | m.lazy_imports:
            t = mods[target]
            if t.top in OUTSIDE:
                continue  # reported by library_imports_of_outside()
            if layer_of(t) > layer_of(m):
                bad.add((m.name, t.name))
    return bad


def library_imports_of_outside(package: Path = PACKAGE) -> set[tuple[str, str]]:
    mods = modules(package)
    return {(m.name, t) for m in mods.values() if is_library(m)
            for t in m.imports | m.lazy_imports if mods[t].top in OUTSIDE}


def cycles(package: Path = PACKAGE) -> list[list[str]]:
    """Strongly connected components of more than one module (imports at any level, lazy included)."""
    mods = modules(package)
    graph = {n: m.imports | m.lazy_imports for n, m in mods.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan, iterative enough for this graph's depth
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out)
