"""No import cycle among the ``cases`` modules — counting imports inside functions, which hide
a cycle from Python but not from the reader."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in (root / "cases").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def import_edges(root: Path = REPO) -> dict[str, set[str]]:
    """Module → the ``cases`` modules it imports, anywhere in its body."""
    modules = _modules(root)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                names = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                target = resolve(name) if name.split(".")[0] == "cases" else None
                inner = path.name == "__init__.py" and (target or "").startswith(mod + ".")
                if target and target != mod and not inner:
                    edges[mod].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_in_cases() -> None:
    assert cycles(import_edges()) == []


def test_the_check_sees_imports_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "cases" / "pkg"
    package.mkdir(parents=True)
    (tmp_path / "cases" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cases.pkg.b import x\n")
    (package / "b.py").write_text("def x():\n    from .a import y\n")
    (package / "c.py").write_text("import cases.pkg.a\n")
    assert cycles(import_edges(tmp_path)) == [["cases.pkg.a", "cases.pkg.b"]]


def test_only_the_sweeper_knows_its_firing_batch() -> None:
    """The doors and the effects write through ``cases.core.writes`` and read what a runner
    supplied through ``cases.core.door``; whether a write is held is decided in deadlines/."""
    importers = {m for m, targets in import_edges().items() if "cases.deadlines.batch" in targets}
    assert importers == {"cases.deadlines.sweeper"}
