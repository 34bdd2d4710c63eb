"""The layers of docs/architecture.md, checked: a forbidden import fails here."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.config import REPO_ROOT

# Who may not import what (a module name and everything under it). The picture and
# the reasons are in docs/architecture.md.
TELEGRAM = ("telegram",)
DATABASE = ("storage", "aiosqlite", "sqlite3")
UPPER = ("bot.services", "bot.views", "bot.tg", "bot.core", "bot.workers", "handlers")
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot": ("handlers",),
    # The lowest: gettext and the language rule, for everyone above.
    "bot.i18n": (*TELEGRAM, *DATABASE, "bot.rules", "bot.buttons", "bot.texts", "bot.formats",
                 "bot.config", *UPPER),
    "bot.rules": (*TELEGRAM, *DATABASE, "bot.buttons", "bot.texts", "bot.formats",
                  "bot.config", *UPPER),
    # What a button names, typed: the rules' vocabularies only.
    "bot.buttons": (*TELEGRAM, *DATABASE, "bot.texts", "bot.formats", "bot.config", *UPPER),
    # Words: below the services that queue them and the views that show them.
    "bot.texts": (*TELEGRAM, *DATABASE, "bot.formats", "bot.config", *UPPER),
    "bot.formats": (*TELEGRAM, *DATABASE, *UPPER),
    # (It reads the SQLite library's version, never the database.)
    "bot.config": (*TELEGRAM, "storage", "aiosqlite", "bot.buttons", "bot.texts",
                   "bot.formats", *UPPER),
    "bot.core": (*TELEGRAM, "bot.services", "bot.views", "bot.tg", "handlers"),
    # The public site: from the services' snapshot and the views' pages to files; served
    # by bot.tg, never the other way.
    "bot.site": (*TELEGRAM, *DATABASE, "bot.tg", "handlers"),
    "bot.views": (*TELEGRAM, *DATABASE, "bot.tg", "bot.core"),
    # Services return results and word their notices with bot.texts; the views word the
    # screens, from the services' results (so a service never imports a view).
    "bot.services": (*TELEGRAM, "bot.tg", "bot.views"),
    "storage": (*TELEGRAM, "bot.services", "bot.views", "bot.texts", "bot.buttons",
                "bot.formats", "bot.tg", "bot.core", "bot.config", "handlers"),
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


def _graph(level: Callable[[str], str]) -> dict[str, set[str]]:
    """Who imports whom among Choucha's own modules, each named by `level`."""
    graph: dict[str, set[str]] = {}
    for package in ("bot", "handlers", "storage"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            here = level(_module(path))
            for name in _modules_imported(path):
                there = level(name)
                if there != here:
                    graph.setdefault(here, set()).add(there)
    return graph


def _modules_imported(path: Path) -> set[str]:
    """The modules of Choucha `path` imports: `from bot.x import y` is `bot.x.y` when y is
    a module of the package, else `bot.x`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_known(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.add(_known(f"{node.module}.{alias.name}"))
    return {name for name in found if name.split(".")[0] in ("bot", "handlers", "storage")}


def _known(name: str) -> str:
    """The module an imported name is in (`bot.x.y.f` → `bot.x.y`)."""
    while name and not (_path(name).with_suffix(".py").is_file() or _path(name).is_dir()):
        name = name.rpartition(".")[0]
    return name


def _path(name: str) -> Path:
    return REPO_ROOT / Path(*name.split("."))


def _package(module: str) -> str:
    """A module's package: `bot.services.visits.state` → `bot.services`; a top-level module
    such as `bot.i18n` is its own."""
    parts = module.split(".")
    if parts[0] == "bot" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_cycle_between_packages_or_modules() -> None:
    """The layers form no circle: not between packages (services ↔ views was one), nor
    between two modules (a package's __init__ and its modules included)."""
    assert cycles(_graph(_package)) == []
    assert cycles(_graph(lambda module: module)) == []


def words_written(root: Path) -> dict[str, int]:
    """How many translated texts (`t._(…)`, `….ngettext(…)`) each module under `root`
    writes itself."""
    import re

    found = {}
    for path in sorted(root.rglob("*.py")):
        n = len(re.findall(r"\bt\._\(|\.ngettext\(", path.read_text(encoding="utf-8")))
        if n:
            found[str(path.relative_to(REPO_ROOT))] = n
    return found


def test_no_service_or_rule_writes_words() -> None:
    """Every word a service sends is written in bot/texts (or, for a screen, bot/views);
    the rules only mark theirs with `N_`."""
    assert words_written(REPO_ROOT / "bot" / "rules") == {}
    assert words_written(REPO_ROOT / "bot" / "services") == {}, (
        "a service's words belong in bot/texts")


def test_the_words_check_sees_words() -> None:
    """Negative control: a translated text in a module is counted, a marker is not."""
    import tempfile

    with tempfile.TemporaryDirectory(dir=REPO_ROOT) as scratch:
        root = Path(scratch)
        (root / "a.py").write_text('x = t._("Hello")\ny = t.ngettext("a", "b", 2)\n')
        (root / "b.py").write_text('z = N_("Hello")\n')
        assert words_written(root) == {f"{root.name}/a.py": 2}


def test_no_handler_writes_words() -> None:
    """A handler reads the update, calls a service and shows what a view words: no
    `t._` / `ngettext` of its own (the screens' words are in bot/views)."""
    assert words_written(REPO_ROOT / "handlers") == {}, "a handler's words belong in bot/views"


# The visit's modules, each importing only those before it (docs/architecture.md).
VISIT_ORDER = ("state", "signing", "starting", "checklist", "results", "signatures",
               "party_link", "handsign", "record", "materials")


def test_the_visit_modules_depend_in_their_order() -> None:
    package = REPO_ROOT / "bot" / "services" / "visits"
    assert sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__") == sorted(
        VISIT_ORDER)
    backwards = []
    for position, name in enumerate(VISIT_ORDER):
        for imported in _modules_imported(package / f"{name}.py"):
            other = imported.removeprefix("bot.services.visits.")
            if other in VISIT_ORDER and VISIT_ORDER.index(other) >= position:
                backwards.append(f"{name} imports {other}")
    assert backwards == []


# The imports' modules, each importing only those before it (docs/architecture.md).
IMPORTS_ORDER = ("report", "uploads", "job", "tables", "inspectors", "plans", "targets",
                 "loading", "chunked", "checklists")


def test_the_imports_modules_depend_in_their_order() -> None:
    package = REPO_ROOT / "bot" / "services" / "imports"
    assert sorted(p.stem for p in package.glob("*.py") if p.stem != "__init__") == sorted(
        IMPORTS_ORDER)
    backwards = []
    for position, name in enumerate(IMPORTS_ORDER):
        for imported in _modules_imported(package / f"{name}.py"):
            if imported == "bot.services.imports":
                backwards.append(f"{name} imports the package's __init__")
            other = imported.removeprefix("bot.services.imports.")
            if other in IMPORTS_ORDER and IMPORTS_ORDER.index(other) >= position:
                backwards.append(f"{name} imports {other}")
    assert backwards == []


def test_no_relative_import() -> None:
    """The layer and cycle checks read absolute imports: a relative one would pass them by."""
    found = [f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
             for package in ("bot", "handlers", "storage")
             for path in sorted((REPO_ROOT / package).rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ImportFrom) and node.level > 0]
    assert found == []


def test_the_cycle_check_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


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
    """A keyboard is built by the views, or by bot/texts/notices.py for the notifications
    the services queue."""
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


class _Module:
    """One service module's functions and the service functions it imports, so that a
    call is followed to the function it names (not to every function of that name)."""

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.tree = ast.parse(source)
        self.functions = {n.name: n for n in self.tree.body
                          if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
        self.imported: dict[str, str] = {}  # local name -> "module:function" or "module:"
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "bot.services"):
                for alias in node.names:
                    module = (node.module or "").removeprefix("bot.services").strip(".")
                    local = alias.asname or alias.name
                    if module:
                        self.imported[local] = f"{module}:{alias.name}"
                    else:  # from bot.services import notify
                        self.imported[local] = f"{alias.name}:"

    def resolve(self, call: ast.Call) -> str | None:
        """The service function a call names ("module:function"), or None."""
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in self.functions:
                return f"{self.name}:{func.id}"
            return self.imported.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            target = self.imported.get(func.value.id)
            if target is not None and target.endswith(":"):
                return target + func.attr
        return None


def _queues_directly(node: ast.AST) -> bool:
    return any(isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute)
               and c.func.attr in ("enqueue", "enqueue_many")
               and ast.unparse(c.func.value).endswith("outbox") for c in ast.walk(node))


def _raises_refused(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Raise) and n.exc is not None and "Refused" in ast.unparse(
        n.exc) for n in ast.walk(node))


def _calls(module: _Module, node: ast.AST) -> Iterator[tuple[str, int]]:
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            target = module.resolve(call)
            if target is not None:
                yield target, call.lineno


def queueing_and_refusing(modules: list[_Module]) -> tuple[set[str], set[str]]:
    """The service functions that queue a notice in the transaction they are given (they
    reach `tx.outbox.enqueue…`), and those that may raise `Refused` (themselves or through
    a service function they call)."""
    bodies = {f"{m.name}:{name}": (m, fn) for m in modules for name, fn in m.functions.items()}

    def closure(seed: set[str]) -> set[str]:
        found = set(seed)
        while True:
            more = {key for key, (m, fn) in bodies.items() if key not in found
                    and any(target in found for target, _ in _calls(m, fn))}
            if not more:
                return found
            found |= more

    return (closure({k for k, (_, fn) in bodies.items() if _queues_directly(fn)}),
            closure({k for k, (_, fn) in bodies.items() if _raises_refused(fn)}))


def _queued_then_refused(module: _Module, queueing: set[str],
                         refusing: set[str]) -> list[str]:
    """Places where a transaction queues a notice and then may refuse in the same block
    (a `raise Refused`, or a call of a service function that can raise it): the refusal
    rolls the notice back, so what the step promised never leaves (issue 28)."""
    def head(statement: ast.stmt) -> ast.AST | None:
        if isinstance(statement, ast.If | ast.While):
            return statement.test
        if isinstance(statement, ast.For | ast.AsyncFor):
            return statement.iter
        if isinstance(statement, ast.With | ast.AsyncWith):
            return ast.Tuple([item.context_expr for item in statement.items])
        if isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign | ast.Return
                      | ast.AugAssign):
            return statement
        return None

    found: list[str] = []

    def walk(statements: list[ast.stmt], queued: int | None) -> int | None:
        """Follow the statements in order (an `if` and its `else` as two paths); the line
        of the first notice queued on the way, if any."""
        for statement in statements:
            if isinstance(statement, ast.Raise) and queued is not None and _raises_refused(
                    statement):
                found.append(f"queued at line {queued}, refused at line {statement.lineno}")
            part = head(statement)
            if part is not None:
                for target, line in _calls(module, part):
                    if queued is not None and target in refusing:
                        found.append(f"queued at line {queued}, {target}() may refuse at"
                                     f" line {line}")
                # A notice queued in a `return` ends its path: what follows is another.
                if queued is None and not isinstance(statement, ast.Return) and (
                        _queues_directly(part) or any(
                            target in queueing for target, _ in _calls(module, part))):
                    queued = statement.lineno
            if isinstance(statement, ast.If):
                paths = [walk(statement.body, queued), walk(statement.orelse, queued)]
                queued = next((q for q in paths if q is not None), None)
            elif isinstance(statement, ast.Try):
                queued = walk(statement.body, queued)
                for handler in statement.handlers:
                    queued = walk(handler.body, queued) or queued
                queued = walk(statement.orelse + statement.finalbody, queued)
            elif isinstance(statement, ast.For | ast.AsyncFor | ast.While):
                # Twice: a refusal early in the body follows a notice of the turn before.
                body = statement.body + statement.orelse
                queued = walk(body, walk(body, queued))
            elif isinstance(statement, ast.With | ast.AsyncWith):
                queued = walk(statement.body, queued)
            if isinstance(statement, ast.Return | ast.Raise):
                return None  # the rest of this list is not on this path
        return queued

    for node in ast.walk(module.tree):
        # A transaction opened here, or a function run in its caller's (given `tx`).
        opened = isinstance(node, ast.AsyncWith)
        given = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            a.arg == "tx" for a in node.args.args)
        if opened or given:
            walk(node.body, None)
    return list(dict.fromkeys(found))


def _modules() -> list[_Module]:
    root = REPO_ROOT / "bot" / "services"
    return [_Module(".".join(path.relative_to(root).with_suffix("").parts),
                    path.read_text(encoding="utf-8"))
            for path in sorted(root.rglob("*.py"))]


def test_no_service_queues_a_notice_and_then_refuses_in_one_transaction() -> None:
    modules = _modules()
    queueing, refusing = queueing_and_refusing(modules)
    assert {"notify:tell_office", "notify:enqueue_text", "visits.signing:_results_changed",
            "notify:post"} <= queueing
    found = [f"bot/services/{m.name}: {place}" for m in modules
             for place in _queued_then_refused(m, queueing, refusing)]
    assert found == []


def _control(source: str) -> list[str]:
    """The check on one more module (`control`), with the services it imports."""
    module = _Module("control", source)
    queueing, refusing = queueing_and_refusing([*_modules(), module])
    return _queued_then_refused(module, queueing, refusing)


def test_the_check_catches_a_notice_rolled_back_by_a_refusal() -> None:
    """Negative control: `visits.sign` as it was (issue 28)."""
    before = '''
from bot.services.visits.signing import _results_changed

async def sign(core, state, short):
    async with core.db.transaction() as tx:
        if state.content_hash[:16] != short:
            await _results_changed(tx, state)
            raise Refused(Refusal.CHANGED)
'''
    assert len(_control(before)) == 1
    # A refusal raised by a helper after the notice is queued is caught the same way.
    through_a_helper = '''
async def _check_hash(state, short):
    if state.content_hash[:16] != short:
        raise Refused(Refusal.CHANGED)

async def _results_changed(tx, state):
    await tx.outbox.enqueue("k", 1, "sendMessage", {}, None)

async def sign(core, state, short):
    async with core.db.transaction() as tx:
        await _results_changed(tx, state)
        _check_hash(state, short)
'''
    assert len(_control(through_a_helper)) == 1
    # In a helper given the transaction; on a loop's next turn; in a nested block's head.
    in_a_helper = '''
async def _tell_then_check(tx, state):
    await tx.outbox.enqueue("k", 1, "sendMessage", {}, None)
    if state.closed:
        raise Refused(Refusal.CHANGED)
'''
    on_the_next_turn = '''
async def each(core, states):
    async with core.db.transaction() as tx:
        for state in states:
            if state.closed:
                raise Refused(Refusal.CHANGED)
            await tx.outbox.enqueue("k", 1, "sendMessage", {}, None)
'''
    in_a_nested_head = '''
async def _guarded(state):
    if state.closed:
        raise Refused(Refusal.CHANGED)
    return state

async def step(core, state):
    async with core.db.transaction() as tx:
        await tx.outbox.enqueue("k", 1, "sendMessage", {}, None)
        async with _guarded(state):
            pass
'''
    for control in (in_a_helper, on_the_next_turn, in_a_nested_head):
        assert len(_control(control)) == 1, control


def reaching_into_tests(source: str, package: str = "tests") -> list[str]:
    """What a module of tests/ (in `package`) imports from another test module
    (`tests.test_*`) or by a private name (`_name`) from tests: what the tests share lives
    in tests/support, under a public name (issue 30)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # from .test_visits import jpeg: relative to its package
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            names = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] != "tests":
                continue
            if any(part.startswith("test_") for part in parts[1:]):
                found.append(f"line {node.lineno}: {name} (another test module)")
            elif any(part.startswith("_") and not part.endswith("__") for part in parts[1:]):
                found.append(f"line {node.lineno}: {name} (a private name)")
    return found


def test_no_test_module_imports_another_or_a_private_name() -> None:
    found = []
    for path in sorted((REPO_ROOT / "tests").rglob("*.py")):
        package = ".".join(path.relative_to(REPO_ROOT).parent.parts)
        found += [f"{path.relative_to(REPO_ROOT)} {place}" for place in reaching_into_tests(
            path.read_text(encoding="utf-8"), package)]
    assert found == []
    # Negative control: each of these is caught, at the top or inside a function.
    sample = '''
from tests.test_visits import jpeg
from tests import test_handsign
import tests.test_publication
from .test_outbox import queue
from tests.support.forms import _form

def f():
    from tests.conftest import _DATABASE_OF
    from tests.support.visits import drawn_team, jpeg
    from tests.support import forms
'''
    assert reaching_into_tests(sample) == [
        "line 2: tests.test_visits.jpeg (another test module)",
        "line 3: tests.test_handsign (another test module)",
        "line 4: tests.test_publication (another test module)",
        "line 5: tests.test_outbox.queue (another test module)",
        "line 6: tests.support.forms._form (a private name)",
        "line 9: tests.conftest._DATABASE_OF (a private name)",
    ]


def test_no_function_in_bot_is_80_lines_or_longer() -> None:
    """Issue 30: every function in bot/ (sync or async, nested ones included) is under 80
    lines, counted from its `def` to its last line; a longer one is split by its sections
    into named helpers."""
    too_long = []
    for path in sorted((REPO_ROOT / "bot").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines >= 80:
                    too_long.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
                                    f" {node.name} ({lines} lines)")
    assert not too_long, "functions of 80 lines or more:\n" + "\n".join(too_long)
