"""The shape of the code base, enforced: layers import only downward and nothing imports in a circle.

Read from the source with ``ast`` — every ``import`` counts, at module level and inside functions —
so a cycle cannot hide behind an import placed in a function body.

* ``cases`` (the domain) never imports ``web`` or ``tasks``: pages and jobs translate requests into
  service calls, never the other way round.
* ``workflows`` holds machine specs and guards: it imports no models and no services, only
  ``cases.core`` and the pure reference values (time limits, the working-day calendar, data).
* ``cases.core`` imports no domain package: every domain stands on it.
* No module takes part in an import cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("cases", "workflows", "web", "tasks")

#: What ``workflows`` may import from ``cases``: the core, and reference values free of models.
WORKFLOWS_MAY_IMPORT = (
    "cases.core",
    "cases.reference.data",
    "cases.reference.timelimits",
    "cases.reference.workdays",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


MODULES = modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (``from a.b import c`` may name module ``a.b.c``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """(imported project module, line) for every import statement anywhere in ``module``."""
    path = MODULES[module]
    yield from imports_in(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def imports_in(source: str, module: str, is_package: bool = False) -> Iterator[tuple[str, int]]:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for name in names:
            target = _resolve(name)
            if target is not None and target != module:
                yield target, node.lineno


GRAPH: dict[str, set[str]] = {m: {t for t, _ in imports_of(m)} for m in MODULES}


def _violations(
    source_prefix: str, allowed: tuple[str, ...], forbidden: tuple[str, ...]
) -> list[str]:
    out = []
    for module in MODULES:
        if module != source_prefix and not module.startswith(source_prefix + "."):
            continue
        for target, line in imports_of(module):
            if target.startswith(forbidden) and not target.startswith(allowed):
                out.append(f"{MODULES[module].relative_to(REPO)}:{line} imports {target}")
    return sorted(out)


def test_the_domain_never_imports_the_web_or_tasks() -> None:
    assert _violations("cases", (), ("web", "tasks")) == []


def test_workflows_import_no_models_and_no_services() -> None:
    assert _violations("workflows", WORKFLOWS_MAY_IMPORT, ("cases", "web", "tasks")) == []


def test_core_imports_no_domain_package() -> None:
    assert _violations("cases.core", ("cases.core",), ("cases", "workflows", "web", "tasks")) == []


def _cycles(graph: dict[str, set[str]] = GRAPH) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
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
        for w in sorted(graph.get(v, ())):
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

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_only_the_sweeper_knows_its_firing_batch() -> None:
    """The doors see a batch only through the generic prefetch and write hooks of cases.core."""
    importers = {m for m, targets in GRAPH.items() if "cases.deadlines.batch" in targets}
    assert importers == {"cases.deadlines.sweeper"}


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(
    graph: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert _cycles(graph) == expected


def test_imports_inside_functions_and_relative_imports_are_edges_too() -> None:
    source = (
        "from __future__ import annotations\n"
        "def f():\n    from cases.core.db import command_session\n"
        "def g():\n    from .door import advance\n"
        "import flask\n"
    )
    found = sorted(t for t, _ in imports_in(source, "cases.casework.referrals"))
    assert found == ["cases.casework.door", "cases.core.db"]
