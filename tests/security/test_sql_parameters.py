"""SQL is built only with bound parameters: no string formatting inside text()/execute() calls.

Scans every module under src/ with the ast module. A call to ``text``, ``execute``,
``exec_driver_sql``, ``executescript`` or ``executemany`` whose SQL argument is an f-string, a
``%`` formatting, a ``.format()`` call or a string concatenation fails the test, unless it is in
the allowlist below with the reason it is safe.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "convosift"
SQL_CALLS = frozenset({"text", "execute", "exec_driver_sql", "executescript", "executemany"})
# (file relative to src/convosift, SQL call, why it is safe)
ALLOWED = {
    ("store/database.py", "execute"): "PRAGMA busy_timeout takes no parameters; the value is an int constant",
}


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _formatted(node: ast.AST) -> bool:
    """True when ``node`` builds a string from values at run time."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return True  # "... %s" % value, "..." + value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return True
    return False


def formatted_sql(source: str, relative: str) -> list[str]:
    """``file:line call`` of every SQL call in ``source`` whose SQL is formatted at run time."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _call_name(node)
        if name in SQL_CALLS and _formatted(node.args[0]) and (relative, name) not in ALLOWED:
            found.append(f"{relative}:{node.lineno} {name}()")
    return found


def test_no_sql_is_built_by_string_formatting() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        offenders += formatted_sql(path.read_text(encoding="utf-8"), relative)
    assert offenders == [], "SQL built with string formatting (use bound parameters):\n" + "\n".join(
        offenders
    )


def test_the_scan_catches_each_form_of_formatting() -> None:
    source = "\n".join(
        [
            'conn.execute(text(f"SELECT * FROM t WHERE id = {x}"))',
            'conn.execute("SELECT * FROM t WHERE id = %s" % x)',
            'conn.execute(sa.text("SELECT * FROM t WHERE id = {}".format(x)))',
            'conn.exec_driver_sql("SELECT * FROM t WHERE id = " + x)',
            'conn.execute(sa.text("SELECT * FROM t WHERE id = :id"), {"id": x})',
            "conn.execute(sa.select(table).where(table.c.id == x))",
        ]
    )
    found = formatted_sql(source, "example.py")
    assert sorted(line.split(":")[1].split()[0] for line in found) == ["1", "2", "3", "4"]


def test_every_allowlisted_call_still_exists() -> None:
    for relative, name in ALLOWED:
        source = (SRC / relative).read_text(encoding="utf-8")
        calls = [
            node
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call)
            and _call_name(node) == name
            and node.args
            and _formatted(node.args[0])
        ]
        assert calls, f"{relative}: {name}() is allowlisted but no longer formats SQL; drop the entry"
