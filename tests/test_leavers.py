"""Security, second pass (issue 29): people who leave lose access at once; the office
cannot make more office through an import."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from bot.buttons.people import UnbindAsk
from bot.config import Settings
from bot.core import Core
from bot.demo_data import generate
from bot.emulator import Emulator
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.imports import import_file
from bot.services.onboarding import invite_person
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.buttons import press_first
from tests.support.helpers import bound, button_labels, probe


def _with_roles(source: Path, target: Path, rows: dict[int, str]) -> Path:
    """The inspectors file with 角色 set on the given data rows (1 = the first)."""
    with source.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    column = table[0].index("角色")
    for number, value in rows.items():
        table[number][column] = value
    with target.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    return target


async def test_the_office_cannot_grant_or_take_the_office_role_by_import(
        core: Core, tmp_path: Path) -> None:
    files = generate(tmp_path / "county", targets=10, per_department=3)
    for kind in ("departments", "inspectors"):
        assert (await import_file(core, SYSTEM, files[kind], files[kind].name, kind)).ok
    clerk = await invite_person(core, SYSTEM, "王芳", None, [Role.OFFICE])
    async with core.db.read() as rtx:
        clerk_person = await rtx.people.person(clerk.person.id)
    assert clerk_person is not None
    granting = _with_roles(files["inspectors"], tmp_path / "grant.csv", {1: "办公室"})
    before = probe(core.settings, "SELECT COUNT(*) FROM person_roles WHERE role = 'office'")
    report = await import_file(core, clerk_person, granting, "grant.csv", "inspectors")
    assert not report.ok
    assert [(p.row, str(p.message)) for p in report.problems] == [
        (2, "only an administrator may grant the office role or take it away (or mark an"
            " office member as no longer in service): this row was not loaded")]
    assert probe(core.settings, "SELECT COUNT(*) FROM person_roles WHERE role = 'office'"
                 ) == before
    # An administrator may; and then the office may not take it away again.
    assert (await import_file(core, SYSTEM, granting, "grant.csv", "inspectors")).ok
    taking = _with_roles(files["inspectors"], tmp_path / "take.csv", {1: "执法检查人员"})
    report = await import_file(core, clerk_person, taking, "take.csv", "inspectors")
    assert not report.ok and report.problems[0].row == 2
    # Nor mark that office member as no longer in service (it would end their access).
    leaving = _with_roles(granting, tmp_path / "leave.csv", {})
    with leaving.open(encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    table[1][table[0].index("是否在职")] = "否"
    with leaving.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    report = await import_file(core, clerk_person, leaving, "leave.csv", "inspectors")
    assert not report.ok and report.problems[0].row == 2
    # Keeping it as it is, the office may load the file.
    assert (await import_file(core, clerk_person, granting, "grant.csv", "inspectors")).ok


async def test_a_clerk_who_has_left_is_a_stranger_at_once(
        bot: BotRunner, emulator: Emulator, settings: Settings) -> None:
    """Marked 是否在职=否 (or withdrawn): the next thing they send finds them a stranger;
    /export, /people and /invite are refused, their account is unbound (audited) and they
    are told once; a re-import that makes them active again restores nothing by itself."""
    user = person(emulator, "王芳", "en")
    clerk = await bound(bot.core, user, [Role.OFFICE])
    await user.send("/people")
    await user.expect("People in Choucha")
    with sqlite3.connect(settings.db_path) as conn:  # the directory says: left
        conn.execute("UPDATE people SET active = 0 WHERE id = ?", (clerk.id,))
    await user.send("/export inspectors")
    # The reply (a stranger's) and the notice (the outbox) come in either order.
    ended = await user.find("Your access to Choucha has ended")
    assert "ask your office for a new invite" in ended["text"]
    await user.find("Only invited inspectors and staff can use it")
    await user.quiet(0.5)
    user.mark_read()
    for command in ("/people", "/invite", "/export inspectors"):
        await user.send(command)
        assert "invite card" in (await user.expect("invite"))["text"]
    assert not any(m.get("document") for m in user.bot_messages())
    assert probe(settings, "SELECT person_id FROM telegram_accounts WHERE tg_user_id = ?",
                 user.id) == [(None,)]
    assert probe(settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.unbound'"
                 " AND subject = ?", f"person:{clerk.id}") == [(1,)]
    # Active again in the directory: still a stranger until a new invite.
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE people SET active = 1 WHERE id = ?", (clerk.id,))
    await user.send("/people")
    await user.expect("invite card")
    assert sum("has ended" in m.get("text", "") for m in user.bot_messages()) == 1


def _nested_bomb(path: Path, expanded: int) -> Path:
    """A checklist .zip holding a survey.xlsx whose shared strings expand to `expanded`
    bytes: the outer zip's own parts look harmless (the form inside is incompressible)."""
    import io
    import zipfile

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='survey'/></sheets>"
                                         "</workbook>")
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            block = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
            for _ in range(expanded // len(block)):
                part.write(block)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as bundle:
        bundle.writestr("survey.xlsx", inner.getvalue())
        bundle.writestr("choices.csv", "list_name,name,label\nyn,y,Yes\n")
    return path


async def test_a_bomb_inside_a_checklist_bundle_is_refused_before_it_is_read(
        core: Core, tmp_path: Path) -> None:
    import tracemalloc

    bundle = _nested_bomb(tmp_path / "form.zip", 300 << 20)
    assert bundle.stat().st_size < 1 << 20  # small, and it expands to 300 MiB
    tracemalloc.start()
    report = await import_file(core, SYSTEM, bundle, "form.zip", "checklist")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not report.ok and "expands to far more" in str(report.problems[0].message)
    assert peak < 64 << 20, peak  # the shared strings were never read
    # Many small CSV files, each under the limit, too many bytes together.
    import zipfile
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("survey.xlsx", (tmp_path / "form.zip").read_bytes()[:10])
        for i in range(30):
            archive.writestr(f"c{i}.csv", "a" * (1 << 20))
    report = await import_file(core, SYSTEM, many, "many.zip", "checklist")
    assert not report.ok and "expands to far more" in str(report.problems[0].message)


async def test_the_office_unlinks_an_account_from_the_command_line(
        bot: BotRunner, emulator: Emulator, settings: Settings) -> None:
    """A lost phone: `choucha unbind NAME` unlinks the account (audited, the person told);
    the phone's holder is a stranger from then on; a second run says nothing is linked."""
    from tests.support.helpers import choucha

    user = person(emulator, "李强", "en")
    await bound(bot.core, user, [Role.OFFICE])
    env = {"CHOUCHA_DB": str(settings.db_path), "CHOUCHA_LANG": "en"}
    code, out, err = await choucha(env, "unbind", "李强")
    assert code == 0, err
    assert "李强's Telegram account is unlinked" in out
    await user.send("/people")
    await user.find("your office unlinked it")
    await user.find("Only invited inspectors and staff can use it")
    assert probe(settings, "SELECT actor, json_extract(payload, '$.reason') FROM audit_log"
                 " WHERE action = 'account.unbound'") == [("cli", "unbound")]
    code, _, err = await choucha(env, "unbind", "李强")
    assert code != 0 and "nothing was changed" in err and "Traceback" not in err


async def test_the_sweep_unbinds_who_left_and_only_them(core: Core) -> None:
    """At start and with the scheduler, not only when they write: someone marked not in
    service, or withdrawn for leaving, is unbound (told, audited); a withdrawal for leave
    or a lapsed 执法证 only keeps an inspector from being drawn, and an office member is
    never ended by a withdrawal (issue 29)."""
    from bot.clock import now as core_now
    from bot.services import accounts
    from bot.services.accounts import TgUser
    from bot.services.onboarding import redeem

    async def bind(name: str, roles: list[Role], tg: int) -> int:
        issued = await invite_person(core, SYSTEM, name, None, roles)
        await redeem(core, issued.code, TgUser(tg, tg, None, name, "en"))
        return issued.person.id

    gone = await bind("离职", [Role.OFFICE], 71)
    async with core.db.transaction(record_update=False) as tx:  # a digest waiting for them
        await tx.outbox.enqueue("digest:x", 71, "sendMessage", {"text": "简报"},
                                core_now())
    away = await bind("请假", [Role.OFFICE], 72)
    left = await bind("调走", [Role.OFFICE], 73)
    today = core.today()
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE people SET active = 0 WHERE id = ?", (gone,))
        for person_id, reason in ((away, "long_leave"), (left, "left")):
            conn.execute("INSERT INTO withdrawals (person_id, cert_no, from_date, reason,"
                         " recorded_at) VALUES (?, 'X', ?, ?, '2026-01-01T00:00:00Z')",
                         (person_id, today.isoformat(), reason))
        conn.execute("DELETE FROM person_roles WHERE person_id = ?", (left,))
        conn.execute("INSERT INTO person_roles (person_id, role, department_id, granted_at)"
                     " VALUES (?, 'inspector', NULL, '2026-01-01T00:00:00Z')", (left,))
    assert await accounts.sweep(core.db, today) == 2
    bound = dict(probe(core.settings, "SELECT tg_user_id, person_id FROM telegram_accounts"))
    assert bound == {71: None, 72: away, 73: None}
    assert probe(core.settings, "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE"
                 " 'unbound:%' AND status = 'pending'") == [(2,)]
    assert probe(core.settings, "SELECT status FROM outbox WHERE dedupe_key = 'digest:x'"
                 ) == [("failed",)]  # what waited for them is not sent
    assert await accounts.sweep(core.db, today) == 0  # once


async def test_the_office_unlinks_an_account_in_the_bot(
        bot: BotRunner, emulator: Emulator, settings: Settings) -> None:
    """/unbind NAME: two people of that name, so the office picks one, reads what it does,
    may say not now, then unlinks (audited with who did it; the person told); nobody
    unlinks their own account, the office no administrator's, an inspector nobody."""
    from bot.services.directory import add_department

    await add_department(bot.core.db, SYSTEM, "SCJGJ", "市场监督管理局")
    await add_department(bot.core.db, SYSTEM, "WSJKJ", "卫生健康局")
    clerk = person(emulator, "王芳", "en")
    clerk_person = await bound(bot.core, clerk, [Role.OFFICE])
    first, second = person(emulator, "李强", "en"), person(emulator, "李强", "en")
    first_person = await bound(bot.core, first, [Role.INSPECTOR], "SCJGJ")
    second_person = await bound(bot.core, second, [Role.INSPECTOR], "WSJKJ")
    admin = person(emulator, "张伟", "en")
    await bound(bot.core, admin, [Role.ADMIN])

    await clerk.send("/unbind")
    assert "/unbind 王芳" in (await clerk.expect("send /unbind followed by"))["text"]
    await clerk.send("/unbind 赵六")
    await clerk.expect("Nobody named 赵六")
    await clerk.send("/unbind 李强")
    choose = await clerk.expect("2 people named 李强")
    assert len(button_labels(choose)) == 2
    await press_first(clerk, choose, UnbindAsk)
    asked = await clerk.expect_button(choose, "🔗 Unlink 李强")
    assert "Their tasks stay theirs" in asked["text"]
    await clerk.press("✖️ Not now", asked)
    await clerk.expect_edit(asked, "stays linked")
    assert probe(settings, "SELECT COUNT(*) FROM telegram_accounts WHERE person_id IS NOT NULL"
                 ) == [(4,)]

    await clerk.send("/unbind 李强")
    choose = await clerk.expect("2 people named 李强")
    await press_first(clerk, choose, UnbindAsk)
    asked = await clerk.expect_button(choose, "🔗 Unlink 李强")
    sure = next(b["callback_data"] for row in asked["reply_markup"]["inline_keyboard"]
                for b in row if b["text"].startswith("🔗"))
    await clerk.press("🔗 Unlink 李强", asked)
    done = await clerk.expect_edit(asked, "is unlinked; they were told")
    assert not done.get("reply_markup")
    await first.find("your office unlinked it")
    assert probe(settings, "SELECT person_id FROM telegram_accounts WHERE tg_user_id = ?",
                 first.id) == [(None,)]
    assert probe(settings, "SELECT actor, subject FROM audit_log WHERE action ="
                 " 'account.unbound'") == [(f"person:{clerk_person.id}",
                                            f"person:{first_person.id}")]
    # The same press again (a double tap, a redelivery): nothing more happens.
    await clerk.press_data(done, sure)
    await clerk.expect_edit(done, "No account is linked to 李强 any more")
    assert probe(settings, "SELECT COUNT(*) FROM audit_log WHERE action = 'account.unbound'"
                 ) == [(1,)]
    # One left of that name: asked at once, even once the directory says they left and
    # before the sweep or their next message unlinks them.
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute("UPDATE people SET active = 0 WHERE id = ?", (second_person.id,))
    await clerk.send("/unbind 李强")
    await clerk.expect("Unlink the Telegram account of 李强")

    await clerk.send("/unbind 王芳")
    own = await clerk.expect("cannot unlink your own account")
    assert not own.get("reply_markup")
    await clerk.send("/unbind 张伟")
    other = await clerk.expect("Only an administrator can unlink")
    assert not other.get("reply_markup")
    third = person(emulator, "周敏", "en")
    await bound(bot.core, third, [Role.INSPECTOR], "SCJGJ")
    await third.send("/unbind 王芳")
    await third.expect("Only the office")
    assert probe(settings, "SELECT COUNT(*) FROM telegram_accounts WHERE person_id IS NOT NULL"
                 ) == [(4,)]


async def test_an_account_unlinked_from_someone_in_service_cannot_sign_as_the_party(
        bot: BotRunner, emulator: Emulator, settings: Settings, tmp_path: Path) -> None:
    """A member's account the office unlinked (a lost phone) is still theirs: opening the
    party's link with it is refused and audited, as with a linked one (issue 29)."""
    import re

    from bot.services import accounts
    from tests.support.visits import at_signatures

    leader, member, status, _ = await at_signatures(bot, emulator, tmp_path)
    member_id = probe(settings, "SELECT person_id FROM telegram_accounts WHERE tg_user_id = ?",
                      member.id)[0][0]
    assert await accounts.unbind(bot.core.db, SYSTEM, member_id) == member.id
    await leader.press("📱 Party signs on their phone (QR)", status)
    qr = await leader.expect("Let the party scan this code")
    link = re.search(r"https://t\.me/\S+", qr["caption"])
    assert link is not None
    await member.open_link(link.group(0))
    await member.find("cannot sign for the inspected party")
    assert probe(settings, "SELECT json_extract(payload, '$.reason'), json_extract(payload,"
                 " '$.person') FROM audit_log WHERE action = 'visit.party_link_refused'"
                 ) == [("formerly", member_id)]
    assert probe(settings, "SELECT opened_by FROM sign_tokens") == [(None,)]
    # Someone else opens it and may sign.
    party = person(emulator, "店长 陈", "en")
    await party.open_link(link.group(0))
    await party.expect("full name")


async def test_the_migration_remembers_whom_earlier_unlinked_accounts_stood_for(
        core: Core) -> None:
    """0018 fills `former_person_id` from the audit log for accounts unlinked before it:
    the latest unlink of each account, none for an account that is linked again."""
    from bot.clock import now as core_now
    from bot.rules.models import AuditAction
    from storage.db import _split_sql, migrations

    async with core.db.transaction(record_update=False) as tx:
        for tg, person_id in ((81, 5), (81, 6), (82, 7), (83, 8)):
            await tx.audit.append("cli", AuditAction.ACCOUNT_UNBOUND, f"person:{person_id}",
                                  {"reason": "unbound", "tg_user_id": tg}, core_now())
        for tg in (81, 82, 84):
            await tx.people.upsert_account(tg, tg, None, "x", "en", core_now())
    sql = next(s for v, _, s in migrations() if v == 18)
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("PRAGMA foreign_keys=OFF")  # the people are not there: only the rule
        conn.execute("UPDATE telegram_accounts SET person_id = 9 WHERE tg_user_id = 82")
        for statement in _split_sql(sql)[1:]:  # the column exists already: the backfill
            conn.execute(statement)
        assert dict(conn.execute("SELECT tg_user_id, former_person_id FROM telegram_accounts"
                                 " ORDER BY tg_user_id").fetchall()) == {81: 6, 82: None,
                                                                          84: None}


async def test_unbind_checks_its_rules_where_it_unlinks(core: Core) -> None:
    """The account shown must still be the one linked, and the office's rules hold, in
    the transaction that unlinks: nothing changes otherwise."""
    import pytest

    from bot.services import accounts
    from bot.services.accounts import TgUser
    from bot.services.errors import Refusal, Refused
    from bot.services.onboarding import redeem

    async def bind(name: str, roles: list[Role], tg: int) -> int:
        issued = await invite_person(core, SYSTEM, name, None, roles)
        await redeem(core, issued.code, TgUser(tg, tg, None, name, "en"))
        return issued.person.id

    clerk_id = await bind("王芳", [Role.OFFICE], 91)
    other_id = await bind("李强", [Role.OFFICE], 92)
    async with core.db.read() as rtx:
        clerk = await rtx.people.person(clerk_id)
    assert clerk is not None
    with pytest.raises(Refused) as refused:
        await accounts.unbind(core.db, clerk, other_id, tg_user_id=99)  # not the one shown
    assert refused.value.reason is Refusal.STALE
    with pytest.raises(Refused) as refused:
        await accounts.unbind(core.db, clerk, clerk_id, tg_user_id=91)
    assert refused.value.reason is Refusal.UNBIND_SELF
    with sqlite3.connect(core.settings.db_path) as conn:  # made an administrator meanwhile
        conn.execute("INSERT INTO person_roles (person_id, role, department_id, granted_at)"
                     " VALUES (?, 'admin', NULL, '2026-01-01T00:00:00Z')", (other_id,))
    with pytest.raises(Refused) as refused:
        await accounts.unbind(core.db, clerk, other_id, tg_user_id=92)
    assert refused.value.reason is Refusal.UNBIND_ADMIN
    assert probe(core.settings, "SELECT COUNT(*) FROM telegram_accounts WHERE person_id"
                 " IS NOT NULL") == [(2,)]
    assert probe(core.settings, "SELECT COUNT(*) FROM audit_log WHERE action ="
                 " 'account.unbound'") == [(0,)]
