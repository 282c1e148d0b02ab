"""The package graph keeps its layers: no back-edge, no cycle, SQLAlchemy only in store/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from convosift.devtools import layers


def test_the_package_graph_has_no_forbidden_edge_and_no_cycle() -> None:
    edges = layers.graph()
    assert set(edges) <= set(layers.ALLOWED), "a new package needs its place in layers.ALLOWED"
    assert layers.violations(edges) == []


def test_classify_and_themes_do_not_import_each_other() -> None:
    edges = layers.graph()
    assert "themes" not in edges["classify"] and "classify" not in edges["themes"]


def test_a_back_edge_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "convosift"
    (package / "ml").mkdir(parents=True)
    (package / "themes").mkdir()
    (package / "ml" / "engine.py").write_text("def f():\n    from convosift.themes import matching\n")
    (package / "themes" / "matching.py").write_text("import sqlalchemy\nfrom convosift.ml import engine\n")
    problems = layers.violations(layers.graph(package), package)
    assert "ml imports themes, which the layering does not allow" in problems
    assert any(p.startswith("cycle:") for p in problems)
    assert any("imports sqlalchemy, which only store/ may import" in p for p in problems)


def test_the_command_prints_the_graph_and_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convosift.devtools.layers"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "layers: ok, no cycle" in result.stdout
    assert "classify   -> " in result.stdout
