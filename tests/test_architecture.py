"""The import graph of ganime_gui, read from the source with ast (module-level imports and the lazy
ones inside functions alike): no cycles, and the engine (``ganime_gui.core``) imports no Qt and no
test support. Imports under ``if TYPE_CHECKING:`` are not run, so they are not edges."""
from __future__ import annotations

import ast
from pathlib import Path

import ganime_gui

PACKAGE_DIR = Path(ganime_gui.__file__).parent
ROOT = PACKAGE_DIR.parent

# Cycles known when this test was written, each with the reason it is still here. A cycle found
# that is not listed fails the test; a listed one that is gone only warns, so the list can be
# emptied (by the lead, after merging the change that removes it).

# Where TensorFlow may be imported, and then only inside functions (when a job runs).
TF_ALLOWED = ("ganime_gui.core.classify", "ganime_gui.core.gan", "ganime_gui.core.tfsetup",
              "ganime_gui.selftest")

# What the engine must never import (itself, or any module below it).
CORE_FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "qasync", "ganime_gui.fakebooru",
                  "ganime_gui.ui", "ganime_gui.workers", "ganime_gui.app")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in PACKAGE_DIR.rglob("*.py")}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _runtime_nodes(tree: ast.AST, *, lazy: bool = True):
    """Every node except those under ``if TYPE_CHECKING:`` (and, unless ``lazy``, those inside
    functions: what importing the module runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                stack.extend(child.orelse)
            elif lazy or not isinstance(child, _FUNCTIONS):
                stack.append(child)


def imported_names(module: str, *, lazy: bool = True) -> list[tuple[str, int]]:
    """(absolute name, line) for every import in the module, relative ones resolved; for
    ``from X import y`` the name is ``X.y`` when that is a module of the package, else ``X``.
    ``lazy=False``: only the imports that run when the module is imported."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[str, int]] = []
    for node in _runtime_nodes(tree, lazy=lazy):
        if isinstance(node, ast.Import):
            out.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                out.append((candidate if candidate in MODULES else source, node.lineno))
    return out


def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports (directly, not its parent packages)."""
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        targets = set()
        for name, _line in imported_names(module):
            # ``import a.b.c`` or ``from a.b.c import name``: the deepest module of ours it names
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _within(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_is_read_from_lazy_imports_too():
    # The engine's lazy imports (TensorFlow only when a job runs) must be seen, or a cycle made
    # through a function-level import would pass unnoticed.
    assert "ganime_gui.core.jobs" in import_graph()["ganime_gui.workers"]
    lazy = {name for name, _ in imported_names("ganime_gui.demo")}
    eager = {name for name, _ in imported_names("ganime_gui.demo", lazy=False)}
    assert "ganime_gui.fakebooru.demo" in lazy - eager


def test_cycle_finder_finds_a_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [frozenset({"a", "b", "c"})]


def test_no_import_cycle_in_the_package():
    found = cycles(import_graph())
    assert not found, f"import cycles: {[sorted(c) for c in found]}"


def test_core_imports_no_qt_and_no_test_support():
    offences = []
    for module in MODULES:
        if not _within(module, ["ganime_gui.core"]):
            continue
        for name, line in imported_names(module):
            if _within(name, CORE_FORBIDDEN):
                offences.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {name}")
    assert not offences, "\n".join(offences)


def test_tensorflow_is_imported_only_by_the_model_code_and_only_when_a_job_runs():
    offences = []
    for module in MODULES:
        for lazy in (True, False):
            for name, line in imported_names(module, lazy=lazy):
                if not _within(name, ["tensorflow", "keras"]):
                    continue
                if not lazy or not _within(module, TF_ALLOWED):
                    where = "when imported" if not lazy else "outside the model code"
                    offences.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {name} {where}")
    assert not offences, "\n".join(sorted(set(offences)))
