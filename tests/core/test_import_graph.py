"""The project's own import graph: no cycles, and no ``_private`` name imported across files.

Every import counts, at module level, inside a function (a lazy import still ties the two
modules together: each needs the other to make sense) or only for type checkers (``if
TYPE_CHECKING:``, as the project's standing check counts them). A name shared by two modules
is public in one place.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kiosk", "central")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(node)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _edges(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    private: list[str] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                source = _resolve(module, is_package, node)
                targets = []
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in modules:  # "from kiosk.storage import dossiers"
                        targets.append(full)
                    else:
                        targets.append(source)
                        if alias.name.startswith("_") and alias.name != "_" \
                                and not alias.name.startswith("__") \
                                and source in modules:
                            private.append(f"{module} imports {source}.{alias.name}")
            for target in targets:
                # "import a.b.c" needs a, a.b and a.b.c; only project modules count.
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != module and not module.startswith(target + "."):
                    graph[module].add(target)
    return graph, private


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _package_inits_only(component: list[str], graph: dict[str, set[str]]) -> bool:
    """A package's ``__init__`` re-exporting its own modules is not a cycle of meaning."""
    return False


def test_no_import_cycles() -> None:
    graph, _private = _edges(_modules())
    cycles = _cycles(graph)
    assert cycles == [], "\n".join(" ↔ ".join(c) for c in cycles)


def test_no_private_name_is_imported_across_files() -> None:
    _graph, private = _edges(_modules())
    assert private == [], "\n".join(private)


def test_the_checker_sees_a_cycle_and_a_private_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    tree = ast.parse("from kiosk.cli.storage_commands import _actor\n")
    [node] = list(_imports(tree))
    assert isinstance(node, ast.ImportFrom) and node.names[0].name == "_actor"
