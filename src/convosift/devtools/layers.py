"""The package graph of convosift, and the layering it must keep.

``python -m convosift.devtools.layers`` prints every package's imports of other convosift packages
(imports inside functions included) and exits non-zero when one breaks the layering below or when
the graph has a cycle. ``tests/test_layers.py`` runs the same check, so a new back-edge fails the
build.

The layers, from the bottom: the foundation (records, settings, errors); the engines and adapters
(``ml`` the embedded models, ``llm`` the OpenAI-compatible client, ``store`` every query,
``sources``, ``filtering``); ``classify`` and ``themes``, each on the engines and neither on the
other; ``analysis``, which combines them for a batch; ``pipeline``; ``workers``, which runs the
pipeline as jobs of a task queue; and the skins ``api`` and ``cli``. ``mock`` (test servers and the synthetic inbox) is used by the CLI's test-data commands
and its `demo` module runs the pipeline over them; the library below never imports it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

PACKAGE = "convosift"
ROOT = Path(__file__).resolve().parents[1]

FOUNDATION = frozenset(
    {
        "domain",
        "replies",
        "names",
        "errors",
        "secrets",
        "config",
        "named_sources",
        "source_selection",
        "logs",
        "limits",
        "outputs",
        "yamlfiles",
    }
)
_ENGINES = FOUNDATION | {"ml", "llm"}

ALLOWED: Mapping[str, frozenset[str]] = {
    "domain": frozenset({"replies", "names"}),
    "replies": frozenset({"names"}),
    "names": frozenset(),
    "secrets": frozenset(),
    "errors": frozenset({"secrets"}),
    "named_sources": frozenset(),
    "config": frozenset({"errors", "secrets", "named_sources"}),
    "source_selection": frozenset({"config", "errors", "secrets"}),
    "logs": frozenset({"secrets"}),
    "limits": frozenset({"errors"}),
    "outputs": frozenset({"errors"}),
    "yamlfiles": frozenset(),
    "ml": FOUNDATION,
    "llm": FOUNDATION,
    "store": FOUNDATION,
    "sources": FOUNDATION,
    # The filter reads a short text's words as the classifiers do (ml.framing: greetings, thanks).
    "filtering": FOUNDATION | {"ml"},
    "classify": _ENGINES,
    "themes": _ENGINES | {"store"},
    "analysis": _ENGINES | {"store", "classify", "themes"},
    "pipeline": _ENGINES | {"store", "sources", "filtering", "classify", "themes", "analysis"},
    "workers": FOUNDATION | {"store", "pipeline"},
    "mock": FOUNDATION | {"sources", "pipeline", "store", "themes"},
    "api": _ENGINES
    | {"store", "sources", "filtering", "classify", "themes", "analysis", "pipeline", "workers"},
    "cli": _ENGINES
    | {"store", "sources", "classify", "themes", "analysis", "pipeline", "api", "mock", "workers"},
    "docgen": frozenset({"cli", "config", "api"}),
    "devtools": frozenset(),
    "__main__": frozenset({"cli"}),
    "__init__": FOUNDATION,
}


OWNED = {"sqlalchemy": "store", "alembic": "store", "psycopg": "store", "procrastinate": "workers"}
"""Libraries only one package may import: the database drivers and query builder belong to store,
the task queue to workers."""


def package_of(path: Path, root: Path = ROOT) -> str:
    """``convosift/themes/matching.py`` -> ``themes``; ``convosift/config.py`` -> ``config``."""
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def imported_names(path: Path) -> set[str]:
    """Modules a file imports, at any depth in the file (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: Iterable[str] = ()
        if isinstance(node, ast.Import):
            names = (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] if node.module != PACKAGE else [f"{PACKAGE}.{a.name}" for a in node.names]
        found.update(names)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Each package's imports of the other packages."""
    edges: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        package = package_of(path, root)
        inside = {name.split(".")[1] for name in imported_names(path) if name.startswith(f"{PACKAGE}.")}
        edges.setdefault(package, set()).update(inside - {package})
    return edges


def misplaced_libraries(root: Path = ROOT) -> list[str]:
    """Files that import a library another package owns (SQLAlchemy outside store/, say)."""
    return [
        f"{path.relative_to(root.parent)} imports {library}, which only {owner}/ may import"
        for path in sorted(root.rglob("*.py"))
        for library, owner in sorted(OWNED.items())
        if package_of(path, root) != owner and any(n.split(".")[0] == library for n in imported_names(path))
    ]


def violations(edges: Mapping[str, set[str]], root: Path = ROOT) -> list[str]:
    """Every import the layering forbids, every cycle and every misplaced library, as readable lines."""
    problems = [
        f"{package} imports {target}, which the layering does not allow"
        for package, targets in sorted(edges.items())
        for target in sorted(targets - ALLOWED.get(package, frozenset()))
    ]
    problems += [f"cycle: {' -> '.join(cycle)}" for cycle in cycles(edges)]
    return problems + misplaced_libraries(root)


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of packages (none in a layered graph)."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(edges.get(node, set())):
            if target in path:
                found.append([*path[path.index(target) :], target])
            elif target not in done:
                walk(target, [*path, target])
        done.add(node)

    for start in sorted(edges):
        if start not in done:
            walk(start, [start])
    return found


def main() -> int:
    edges = graph()
    for package, targets in sorted(edges.items()):
        sys.stdout.write(f"{package:<10} -> {', '.join(sorted(targets)) or '(nothing)'}\n")
    problems = violations(edges)
    for problem in problems:
        sys.stdout.write(f"NOT ALLOWED: {problem}\n")
    sys.stdout.write("layers: ok, no cycle\n" if not problems else f"layers: {len(problems)} problem(s)\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
