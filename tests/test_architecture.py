"""The layers of docs/architecture.md, checked: a forbidden import fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bot.config import REPO_ROOT

# Who may not import what (a module name and everything under it). The picture and
# the reasons are in docs/architecture.md.
TELEGRAM = ("telegram",)
DATABASE = ("storage", "aiosqlite", "sqlite3")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot": ("handlers",),
    "bot.rules": (*TELEGRAM, *DATABASE, "bot.services", "bot.views", "bot.formats",
                  "bot.tg", "bot.core", "bot.workers", "bot.config"),
    "bot.formats": (*TELEGRAM, *DATABASE, "bot.services", "bot.views", "bot.tg", "bot.core"),
    "bot.views": (*TELEGRAM, *DATABASE, "bot.tg", "bot.core"),
    # Services return results; the views word them. (A service that sends a notification
    # calls a view, so `bot.services` may use the views that do not need a service.)
    "bot.services": (*TELEGRAM, "bot.tg", "bot.views.visits"),
    "storage": (*TELEGRAM, "bot.services", "bot.views", "bot.formats", "bot.tg", "bot.core",
                "bot.config", "handlers"),
    "handlers": DATABASE,
}
# Imports a layer's rule would forbid, allowed by (module, forbidden prefix), each with
# its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # staging.py writes a throwaway SQLite file of its own (not the database) and
    # storage.db is the one module that opens the database.
    ("storage.staging", "sqlite3"): "its own scratch file",
    ("storage.db", "sqlite3"): "the database itself",
    # The update guard: the mark of the update being handled (bot/tg/intake.py).
    ("handlers.common", "storage"): "the update guard",
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations() -> list[str]:
    found = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            module = _module(path)
            for layer, banned in FORBIDDEN.items():
                if not _under(module, layer):
                    continue
                for name in sorted(_imports(path)):
                    for prefix in banned:
                        if _under(name, prefix) and (module, prefix) not in ALLOWED:
                            found.append(f"{module} imports {name} ({layer} may not"
                                         f" import {prefix})")
    return sorted(set(found))


def test_no_forbidden_import() -> None:
    assert violations() == []


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The walker sees imports inside functions too, which is where a shortcut hides."""
    source = tmp_path / "sample.py"
    source.write_text("def f():\n    from handlers.common import reply\n    import telegram\n")
    assert {"handlers.common", "handlers.common.reply", "telegram"} <= _imports(source)


def test_every_allowance_is_still_needed() -> None:
    """An allowance whose import is gone is removed, so the list only shrinks."""
    for module, prefix in ALLOWED:
        path = REPO_ROOT / Path(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        assert any(_under(name, prefix) for name in _imports(path)), (module, prefix)


# Repository methods that still hand out rows as dicts, each with its reason. Everything
# else a repository returns is a typed record (bot/rules/records.py, via storage/rows.py),
# a scalar, or a plain mapping of counts or ids.
DICT_ROWS: dict[tuple[str, str], str] = {
    # A directory sheet's rows: column name → value, written to the export as they are,
    # or compared column by column with the row being imported.
    ("storage.directory", "departments_export"): "a sheet's rows",
    ("storage.directory", "items_export"): "a sheet's rows",
    ("storage.directory", "items_by_code"): "compared with imported rows",
    ("storage.directory", "target"): "compared with an imported row",
    ("storage.directory", "target_changes"): "a target's history, column by column",
    ("storage.directory", "targets_export"): "a sheet's rows",
    ("storage.directory", "inspector_by_cert"): "compared with an imported row",
    ("storage.directory", "inspector_by_keys"): "compared with an imported row",
    ("storage.directory", "inspectors_export"): "a sheet's rows",
    ("storage.directory", "recusals_export"): "a sheet's rows",
    ("storage.directory", "plans_export"): "a sheet's rows",
}


def dict_returns() -> set[tuple[str, str]]:
    """(module, method) of every repository method whose return type holds a
    `dict[str, Any]` (a row handed out untyped)."""
    found = set()
    for path in sorted((REPO_ROOT / "storage").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and node.returns \
                    and "dict[str, Any]" in ast.unparse(node.returns):
                found.add((_module(path), node.name))
    return found


def test_repositories_return_typed_records() -> None:
    assert dict_returns() - set(DICT_ROWS) == set()


def test_every_dict_row_allowance_is_still_needed() -> None:
    assert set(DICT_ROWS) - dict_returns() == set()


def test_handlers_leave_transactions_to_the_services() -> None:
    """A handler reads and answers; a use case (its reads and writes in one transaction)
    is a service's. The update guard in handlers/common.py is the one exception."""
    found = []
    for path in sorted((REPO_ROOT / "handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("transaction", "read") \
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "db":
                found.append(f"{_module(path)}:{node.lineno}")
    assert [f for f in found if not f.startswith("handlers.common:")] == []
    assert len(found) == 1  # the guard


def test_services_leave_keyboards_to_the_views() -> None:
    """A keyboard is a view (bot/views/notices.py for the notifications services queue)."""
    found = [str(path.relative_to(REPO_ROOT))
             for path in sorted((REPO_ROOT / "bot" / "services").rglob("*.py"))
             if "inline_keyboard" in path.read_text(encoding="utf-8")
             or ".markup(" in path.read_text(encoding="utf-8")]
    assert found == []


def test_tasks_are_read_through_live_tasks() -> None:
    """A draw's tasks are written in chunks and seen by nobody until the last one (the
    view live_tasks, migration 0016): only these read the table itself, each for its
    reason."""
    import re

    allowed = {"draws.py": "the draw's writer, its chunks and their ids",
               "pool.py": "a snapshot's marks: the last task's id, written or not"}
    found = []
    for path in sorted((REPO_ROOT / "storage").glob("*.py")):
        if path.name in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\b(FROM|JOIN)\s+tasks\b", line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


# Calls that queue a notice in the transaction they run in.
QUEUEING = {"enqueue_text", "enqueue_document", "tell_office", "tell_acting",
            "_results_changed", "_send_request", "_ask_approvers"}


def _queued_then_refused(source: str) -> list[str]:
    """Places where a transaction queues a notice and then raises in the same block: the
    raise rolls the notice back, so what the step promised never leaves (issue 28)."""
    def flat(statements: list[ast.stmt]) -> Iterator[ast.stmt]:
        for statement in statements:
            yield statement
            for name in ("body", "orelse", "finalbody"):
                yield from flat(getattr(statement, name, []))
            for handler in getattr(statement, "handlers", []):
                yield from flat(handler.body)

    found = []
    for block in ast.walk(ast.parse(source)):
        if not isinstance(block, ast.AsyncWith):
            continue
        queued: int | None = None
        for statement in flat(block.body):
            if isinstance(statement, ast.Raise) and queued is not None:
                found.append(f"queued at line {queued}, raised at line {statement.lineno}")
            if isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign | ast.Return):
                for call in ast.walk(statement):
                    if isinstance(call, ast.Call) and queued is None and (
                            getattr(call.func, "attr", getattr(call.func, "id", ""))
                            in QUEUEING):
                        queued = call.lineno
    return found


def test_no_service_queues_a_notice_and_then_refuses_in_one_transaction() -> None:
    found = [f"{path.relative_to(REPO_ROOT)}: {place}"
             for path in sorted((REPO_ROOT / "bot" / "services").rglob("*.py"))
             for place in _queued_then_refused(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_check_catches_a_notice_rolled_back_by_a_refusal() -> None:
    """Negative control: `visits.sign` as it was (issue 28)."""
    before = '''
async def sign(core, state, short):
    async with core.db.transaction() as tx:
        if state.content_hash[:16] != short:
            await _results_changed(tx, state)
            raise Refused(Refusal.CHANGED)
'''
    assert len(_queued_then_refused(before)) == 1
