"""Modules meet through public names: no `_private` name is imported from, or reached into, another module of
ours, and the guardrail modules do not import each other (rules register in copilot/decide/rules.py)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OURS = ("cli", "copilot", "tools", "api", "evals")


def private_crossings(source: str, module_names: set[str]) -> list[str]:
    """`from ours import _x`, and `alias._x` where `alias` is one of our modules imported here."""
    tree = ast.parse(source)
    found: list[str] = []
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in OURS:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if a.name.startswith("_") and not a.name.startswith("__"):
                    found.append(f"from {node.module} import {a.name}")
                if full in module_names:
                    aliases.add(a.asname or a.name)
        elif isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name.split(".")[0] in OURS}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                and node.attr.startswith("_") and not node.attr.startswith("__"):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def _module_names() -> set[str]:
    names = set()
    for folder in OURS:
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_the_scan_sees_both_ways_of_reaching_a_private_name():
    names = {"copilot.decide.facts", "copilot.decide.guardrails"}
    source = "from copilot.decide import facts\nfrom copilot.decide.guardrails import _block\nfacts._address_checks(1)\n"
    assert private_crossings(source, names) == ["from copilot.decide.guardrails import _block", "facts._address_checks"]


def test_no_private_name_crosses_a_module():
    names = _module_names()
    crossings = {str(p.relative_to(ROOT)): found for folder in OURS for p in (ROOT / folder).rglob("*.py")
                 if (found := private_crossings(p.read_text(), names))}
    assert crossings == {}


def test_the_guardrail_modules_do_not_import_each_other():
    for name in ("guardrails_exchange.py", "guardrails_payment.py", "rules.py"):
        tree = ast.parse((ROOT / "copilot" / "decide" / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert "copilot.decide.guardrails" not in imported and "copilot" + ".guardrails" not in {
            i for i in imported if i.endswith(".guardrails")}, name


def test_one_connection_dependency_and_one_clock_for_the_api():
    """api/deps.py alone opens request connections and reads the clock (which tests may inject)."""
    from api import deps
    from api.routes import cases, desk, webhooks

    assert webhooks.connection is deps.connection and webhooks.now_of is deps.now_of
    assert cases.Now is deps.Now and desk.Now is deps.Now
    own = [str(p.relative_to(ROOT)) for p in (ROOT / "api").rglob("*.py") if p.name != "deps.py"
           and ("datetime.now(" in p.read_text() or "async def connection(" in p.read_text())]
    assert own == []


def _defined(kind: type[ast.AST], name: str) -> list[str]:
    """Where a class, function or module-level name called `name` is defined in our packages."""
    found = []
    for folder in OURS:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if kind is ast.Assign and isinstance(node, ast.Assign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                        found.append(str(path.relative_to(ROOT)))
                elif isinstance(node, kind) and getattr(node, "name", None) == name:
                    found.append(str(path.relative_to(ROOT)))
    return found


def test_one_role_enum_one_ranking_one_required_role():
    assert _defined(ast.ClassDef, "Role") == ["copilot/core/roles.py"]
    assert _defined(ast.Assign, "APPROVAL_RANK") == ["copilot/core/roles.py"]
    assert _defined(ast.FunctionDef, "required_role") == ["copilot/core/roles.py"]
    assert _defined(ast.FunctionDef, "can_approve") == ["copilot/core/roles.py"]


def test_the_definition_scan_sees_every_copy():
    assert _defined(ast.ClassDef, "CaseView") == ["copilot/desk/ownership.py"]
    assert len(_defined(ast.Assign, "ACTOR")) > 1  # each writer names its own audit actor


def test_escalation_moves_through_the_one_escalation_service():
    """Every owner hand-over and escalation-path step goes through copilot/cases/escalation.py (the escalate_case
    tool, the desk's escalate button, the SLA clock, an unreadable reply): nobody else asks the store for them."""
    callers = sorted(str(p.relative_to(ROOT)) for folder in OURS for p in (ROOT / folder).rglob("*.py")
                     if "copilot/cases/store" not in str(p)
                     and ("store.hand_to(" in p.read_text() or "store.step_along_path(" in p.read_text()))
    assert callers == ["copilot/cases/escalation.py"]


SQL_WORDS = re.compile(r"\b(SELECT\s|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s|DROP\s)")


def sql_in(source: str) -> list[str]:
    """Calls of `.execute(`/`.executemany(` and string literals (f-strings too) that read as SQL statements."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("execute", "executemany", "copy"):
            found.append(f"line {node.lineno}: .{node.func.attr}(")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WORDS.search(node.value):
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


def test_the_sql_scan_sees_a_query_and_a_statement():
    source = ('async def f(conn, n):\n'
              '    await conn.execute(f"SELECT count(*) FROM workers WHERE n > {n}")\n'
              'X = "INSERT INTO security_log (at) VALUES (%s)"\n'
              'HELP = "Select a queue, then update the case."\n')
    assert sorted(sql_in(source)) == ["line 2: 'SELECT count(*) FROM workers WHERE n > '", "line 2: .execute(",
                                      "line 3: 'INSERT INTO security_log (at) VALUES (%s'"]


def test_routes_hold_no_sql():
    """Routes call service and query modules under copilot/ (issue 18, finding 7); SQL lives there."""
    found = {str(p.relative_to(ROOT)): hits for p in sorted((ROOT / "api" / "routes").rglob("*.py"))
             if (hits := sql_in(p.read_text()))}
    assert found == {}
