"""The graph's nodes hold no SQL (issue 18, finding 7): copilot/workflow/nodes.py, and every module of
copilot/workflow it reaches through imports, call the case store (copilot/cases/store/) and query modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "copilot" / "workflow"
# SELECT is matched in capitals only: "select the order you mean from" is English.
SQL = re.compile(r"\b(SELECT\s.+\sFROM|(?i:INSERT\s+INTO|UPDATE\s+[\w.]+\s+(\w+\s+)?SET|DELETE\s+FROM|TRUNCATE\s+\w))\b",
                 re.DOTALL)
DB_CALLS = {"execute", "executemany", "cursor", "fetchone", "fetchall", "copy"}


def sql_in(source: str) -> list[str]:
    """SQL text in string literals, and calls that run statements or read their rows."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(f"line {node.lineno}: {node.value.strip()[:60]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DB_CALLS:
            found.append(f"line {node.lineno}: .{node.func.attr}(...)")
    return sorted(found, key=lambda f: int(f.split(":")[0].split()[1]))


def node_modules() -> list[Path]:
    """nodes.py and graph.py, and the copilot.workflow modules they import, followed through their imports."""
    todo, seen = [WORKFLOW / "graph.py", WORKFLOW / "nodes.py"], set[Path]()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "copilot.workflow":
                todo += [WORKFLOW / f"{a.name}.py" for a in node.names if (WORKFLOW / f"{a.name}.py").exists()]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("copilot.workflow."):
                todo.append(WORKFLOW / f"{node.module.split('.')[2]}.py")
    return sorted(seen)


def test_the_scan_sees_sql_text_and_statement_calls():
    sample = ('q = "SELECT category, status FROM cases WHERE id = %s"\n'
              'await conn.execute(q)\n'
              'x = """UPDATE proposed_actions\n SET status = 1"""\n'
              'y = "update sandbox.orders o set x = 1"\n'
              'z = "Please select the order you mean from the list"\n'
              'w = "we will update you on the refund"\n')
    found = sql_in(sample)
    assert [f.split(":")[0] for f in found] == ["line 1", "line 2", "line 3", "line 5"], found


def test_the_node_modules_are_followed_through_imports():
    names = {p.name for p in node_modules()}
    assert {"graph.py", "nodes.py", "replies.py", "llm_steps.py", "state.py"} <= names
    assert "worker.py" not in names and "simulate.py" not in names


def test_no_node_module_holds_sql():
    found = {str(p.relative_to(ROOT)): hits for p in node_modules() if (hits := sql_in(p.read_text()))}
    assert found == {}, f"move the SQL into copilot/cases/store/ or a query module: {found}"
