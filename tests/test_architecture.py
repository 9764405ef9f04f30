"""The house plan (docs/ARCHITECTURE.md), checked by reading the code with :mod:`ast`.

- No import circles among the modules of ``geo/`` and ``dashboard/``, imports inside functions and
  under ``TYPE_CHECKING`` included: a circle means two modules can no longer be read (or changed)
  one without the other.
- No module imports another module's underscore names (``from geo.x import _helper``, or
  ``x._helper`` on an imported module): what two modules share is a public function of a lower one.
- A sub-package imports only from the sub-packages below it in the flow (sources → data package →
  measures → exports → surfaces).

The checks run on a small made-up package first, so a checker that finds nothing cannot pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP = ("geo", "dashboard")

#: The layers of docs/ARCHITECTURE.md, lowest first; a module may import from its own layer and
#: the ones before it. ``geo.indicators`` is the public re-export for scripts and notebooks.
LAYERS: list[tuple[str, ...]] = [
    ("geo.core",),
    ("geo.store",),
    ("geo.places",),
    ("geo.measures", "geo.allocation", "geo.carbon"),
    ("geo.package",),
    ("geo.exports",),
    ("geo.indicators", "geo.cli", "dashboard"),
]


def modules(root: Path, tops: Iterable[str] = TOP) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` under the top packages (vendored code and the
    migration scripts, which are data to alembic, left out)."""
    found = {}
    for top in tops:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            if "vendor" in parts or "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that ``name`` is or lies in (``geo.x.func`` → ``geo.x``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(module: str, path: Path, known: dict[str, Path]) -> tuple[set[str], list[str]]:
    """The known modules ``module`` imports, and its uses of other modules' underscore names
    (each as ``"file:line: name"``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}  # a local name bound to a module of ours → that module
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path

    def note(target: str | None, line: int, name: str | None = None) -> None:
        if target is None or target == module:
            return
        targets.add(target)
        if name and name.startswith("_") and not name.startswith("__"):
            private.append(f"{where}:{line}: {target}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _resolve(alias.name, known)
                note(target, node.lineno)
                if target is not None and alias.asname:
                    aliases[alias.asname] = target
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:  # `from geo.store import db`: the module itself
                    note(full, node.lineno)
                    aliases[alias.asname or alias.name] = full
                else:
                    note(_resolve(base, known), node.lineno, alias.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__") and aliases[node.value.id] != module):
            private.append(f"{where}:{node.lineno}: {aliases[node.value.id]}.{node.attr}")
    return targets, private


def graph(root: Path, tops: Iterable[str] = TOP) -> tuple[dict[str, set[str]], list[str], dict[str, Path]]:
    known = modules(root, tops)
    edges: dict[str, set[str]] = {}
    private: list[str] = []
    for name, path in known.items():
        edges[name], found = imports(name, path, known)
        private += found
    # A package's __init__ is not a circle with the modules it holds (importing geo.x.y runs geo.x first).
    for name in edges:
        edges[name] = {t for t in edges[name] if not name.startswith(t + ".")}
    return edges, private, known


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer_of(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def upward(edges: dict[str, set[str]], known: dict[str, Path]) -> list[str]:
    """Imports of a module from a higher layer than its own, as ``file: a → b``."""
    wrong = []
    for name, targets in sorted(edges.items()):
        mine = layer_of(name)
        for target in sorted(targets):
            theirs = layer_of(target)
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{known[name].relative_to(ROOT)}: {name} → {target}")
    return wrong


# ---- the checker, on a made-up package (so that it can fail) ------------------------------------

def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_checker_finds_a_circle_made_by_an_import_inside_a_function(tmp_path):
    _write(tmp_path, {
        "geo/__init__.py": "",
        "geo/a.py": "from geo.b import f\n",
        "geo/b.py": "def f():\n    from geo.c import g\n    return g\n",
        "geo/c.py": "import geo.a\n",
        "geo/d.py": "from geo.a import f\n",  # imports into the circle, is not part of it
    })
    edges, _, _ = graph(tmp_path, ("geo",))
    assert circles(edges) == [["geo.a", "geo.b", "geo.c"]]


def test_the_checker_finds_underscore_names_taken_from_another_module(tmp_path):
    _write(tmp_path, {
        "geo/__init__.py": "",
        "geo/store/__init__.py": "",
        "geo/store/db.py": "_engine = None\ndef _own():\n    return _engine\n",
        "geo/x.py": "from geo.store.db import _engine\n",
        "geo/y.py": "from geo.store import db\nprint(db._engine, db.__name__)\n",
        "geo/z.py": "from ._private import thing\n",  # a module whose own name starts with _ is not a name
        "geo/_private.py": "thing = 1\n",
    })
    _, private, _ = graph(tmp_path, ("geo",))
    assert sorted(p.split(": ")[1] for p in private) == ["geo.store.db._engine", "geo.store.db._engine"]


def test_a_package_init_importing_its_own_modules_is_no_circle(tmp_path):
    _write(tmp_path, {
        "geo/__init__.py": "",
        "geo/core/__init__.py": "from geo.core.errors import E\n",
        "geo/core/errors.py": "class E(Exception):\n    pass\n",
    })
    edges, _, _ = graph(tmp_path, ("geo",))
    assert circles(edges) == []


# ---- the checks on the real tree ----------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return graph(ROOT)


def test_geo_and_dashboard_have_no_import_circles(real):
    edges, _, known = real
    assert len(known) > 40, "the walk found too few modules: is the checker looking in the right place?"
    found = circles(edges)
    assert found == [], "import circles:\n" + "\n".join(
        " → ".join(str(known[m].relative_to(ROOT)) for m in c) for c in found)


def test_no_module_imports_another_modules_underscore_names(real):
    _, private, _ = real
    assert private == [], "underscore names used across modules:\n" + "\n".join(private)


def test_every_module_lies_in_a_layer_of_the_house_plan(real):
    _, _, known = real
    loose = sorted(m for m in known if layer_of(m) is None and m not in TOP)
    assert loose == [], f"modules outside the layers of docs/ARCHITECTURE.md: {loose}"


def test_sub_packages_import_only_from_the_layers_below_them(real):
    edges, _, known = real
    wrong = upward(edges, known)
    assert wrong == [], "imports from a higher layer:\n" + "\n".join(wrong)
