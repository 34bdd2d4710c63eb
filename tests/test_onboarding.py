"""Onboarding journeys through the real Application against the emulator."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.buttons.people import InviteDepartment
from bot.clock import now
from bot.emulator import Emulator
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.onboarding import invite_person
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.buttons import press_first
from tests.support.helpers import button_labels, departments, invite_through_bot, registered_admin


def table_counts(bot: BotRunner) -> dict[str, int]:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("people", "person_roles", "invites", "audit_log", "outbox")}


def bound_people(bot: BotRunner) -> list[tuple[str, int]]:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return conn.execute(
            "SELECT p.name, a.tg_user_id FROM people p JOIN telegram_accounts a"
            " ON a.person_id = p.id ORDER BY p.id").fetchall()


async def test_admin_invites_inspector_who_joins(bot: BotRunner, emulator: Emulator) -> None:
    await departments(bot)
    admin = await registered_admin(bot, emulator)
    assert "invite" in admin.commands()
    link = await invite_through_bot(admin, "张伟", "市场监督管理局", ["inspector"])

    inspector = person(emulator, "张伟")
    await inspector.open_link(link)
    welcome = await inspector.expect("欢迎")
    assert "张伟" in welcome["text"] and "执法检查人员" in welcome["text"]
    assert "市场监督管理局" in welcome["text"]
    # The inspector's menu has no /invite; the admin is told through the outbox.
    assert "invite" not in inspector.commands()
    assert "help" in inspector.commands()
    joined = await admin.expect("has joined")
    assert "张伟" in joined["text"]
    assert ("张伟", inspector.id) in bound_people(bot)


async def test_supervisor_and_office_onboarding(bot: BotRunner, emulator: Emulator) -> None:
    await departments(bot)
    admin = await registered_admin(bot, emulator)
    sup_link = await invite_through_bot(admin, "李强", "卫生健康局", ["supervisor", "inspector"])
    office_link = await invite_through_bot(admin, "Office Li", None, ["office"])

    supervisor = person(emulator, "李强")
    await supervisor.open_link(sup_link)
    text = (await supervisor.expect("欢迎"))["text"]
    assert "分管负责人" in text and "执法检查人员" in text and "卫生健康局" in text

    office = person(emulator, "Office Li", "en")
    await office.open_link(office_link)
    assert "office" in (await office.expect("Welcome"))["text"]
    assert "invite" in office.commands()
    # /help lists what an office person may do.
    await office.send("/help")
    help_text = (await office.expect("/invite"))["text"]
    assert "/language" in help_text

    # The office may invite field roles but cannot make an administrator.
    await office.send("/invite")
    await office.expect("Who are you inviting")
    await office.send("Someone")
    step = await office.expect("Someone")
    # Office staff (no department) are not the office's to invite: not offered, and a
    # forged press is refused with the way forward.
    assert "No department (office staff)" not in button_labels(step)
    before = table_counts(bot)
    forged = await office.press_data(step, "v1:inv:d:none")
    assert "belong to a department" in (await office.answer(forged))["text"]
    assert table_counts(bot) == before
    await press_first(office, step, InviteDepartment)
    roles_message = await office.expect_edit(step, "Roles of")
    labels = [b["text"] for row in roles_message["reply_markup"]["inline_keyboard"] for b in row]
    assert not any("administrator" in label for label in labels)
    before = table_counts(bot)
    query = await office.press_data(roles_message, "v1:inv:r:admin")
    answer = await office.answer(query)
    assert answer["show_alert"] and "Only administrators" in answer["text"]
    assert table_counts(bot) == before


async def test_stranger_gets_explanation_and_nothing_changes(
    bot: BotRunner, emulator: Emulator
) -> None:
    before = table_counts(bot)
    stranger = person(emulator, "Stranger")
    await stranger.send("你好")
    assert "邀请" in (await stranger.expect())["text"]
    await stranger.send("/invite")
    assert "邀请卡" in (await stranger.expect())["text"]
    await stranger.start()
    assert "索取邀请卡" in (await stranger.expect())["text"]
    await stranger.send_photo(_png())
    assert "邀请" in (await stranger.expect())["text"]
    assert table_counts(bot) == before
    assert stranger.commands() == ["start", "help", "language"]


async def test_bad_codes_are_refused_politely(bot: BotRunner, emulator: Emulator) -> None:
    await departments(bot)
    issued = await invite_person(bot.core, SYSTEM, "王五", "SCJGJ", [Role.INSPECTOR])
    first = person(emulator, "王五")
    await first.open_link(issued.link)
    await first.expect("欢迎")

    before = table_counts(bot)
    other = person(emulator, "Other", "en")
    await other.open_link(issued.link)
    assert "already been used" in (await other.expect())["text"]
    await other.start("NotARealCode_123")
    assert "not valid" in (await other.expect())["text"]
    # The person already registered opens their own link again.
    await first.open_link(issued.link)
    assert "已经以" in (await first.expect())["text"]

    # An invite made eight days ago has expired (the default lifetime is seven days).
    expiring = await invite_person(bot.core, SYSTEM, "赵六", "SCJGJ", [Role.INSPECTOR],
                                   now=now() - timedelta(days=8))
    late = person(emulator, "赵六")
    await late.open_link(expiring.link)
    assert "已过期" in (await late.expect())["text"]
    after = table_counts(bot)
    assert after["people"] == before["people"] + 1  # only the new invite's person
    assert ("赵六", late.id) not in bound_people(bot)
    assert ("王五", other.id) not in bound_people(bot)


async def test_stale_forged_and_double_tapped_buttons(bot: BotRunner, emulator: Emulator) -> None:
    await departments(bot)
    admin = await registered_admin(bot, emulator)
    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("周七")
    dept_message = await admin.expect("周七")
    await admin.send("/cancel")
    await admin.expect("Stopped")
    before = table_counts(bot)
    # A button of the cancelled flow is stale.
    query = await admin.press("市场监督管理局", dept_message)
    assert "no longer valid" in (await admin.answer(query))["text"]
    # A forged button is refused the same way.
    query = await admin.press_data(dept_message, "v2:hack:1")
    assert "no longer valid" in (await admin.answer(query))["text"]
    query = await admin.press_data(dept_message, "v1:inv:d:99999")
    assert "no longer valid" in (await admin.answer(query))["text"]
    query = await admin.press_data(dept_message, "v1:lang:fr")  # no such language
    assert "no longer valid" in (await admin.answer(query))["text"]
    assert table_counts(bot) == before

    # Done tapped twice creates one person.
    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("吴八")
    await admin.expect("吴八")
    await admin.press("市场监督管理局")
    roles = await admin.expect_edit(admin.bot_messages()[-1], "Roles of")
    await admin.press("▫️ inspector")
    await admin.expect_button(roles, "✅ inspector")
    current = admin._current(roles)
    first = await admin.press_data(current, "v1:inv:ok")
    second = await admin.press_data(current, "v1:inv:ok")
    await admin.answer(first)
    assert "no longer valid" in (await admin.answer(second))["text"]
    await admin.expect(predicate=lambda m: "photo" in m)
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM people WHERE name = '吴八'").fetchone()[0] == 1


async def test_language_switch_changes_texts_and_menu(bot: BotRunner, emulator: Emulator) -> None:
    admin = await registered_admin(bot, emulator, language_code="zh-hans")
    await admin.send("/help")
    assert "我能为您做什么" in (await admin.expect("/help"))["text"]
    await admin.send("/language")
    await admin.expect("选择语言 / Choose your language")
    await admin.press("English")
    await admin.expect("Language set to English.")
    await admin.send("/help")
    assert "What I can do for you" in (await admin.expect("/help"))["text"]
    menu = emulator.commands_for(admin.id, admin.user.language_code)
    assert any(c["description"] == "What I can do for you" for c in menu)
    await admin.send("/language")
    await admin.expect("Choose your language / 选择语言")
    await admin.press("中文")
    await admin.expect("语言已切换为中文")


async def test_invite_name_validation(bot: BotRunner, emulator: Emulator) -> None:
    admin = await registered_admin(bot, emulator)
    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("x" * 65)
    assert "1 to 64" in (await admin.expect())["text"]
    await admin.send("/help")
    await admin.expect("/invite")
    # Still waiting for a name after the refusal and the /help.
    await admin.send("Valid Name")
    await admin.expect("Which department is")
    # Text while buttons are awaited points to them and changes nothing.
    await admin.send("some text")
    await admin.expect("Please use the buttons above")
    await admin.press("No department (office staff)")
    await admin.expect_edit(admin.bot_messages()[-2], "Roles of")


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="PNG")
    return out.getvalue()


async def test_a_role_tapped_on_a_deleted_roles_message_comes_as_a_new_message(
        bot: BotRunner, emulator: Emulator) -> None:
    """The person deleted the roles step of /invite and taps a role on it (a client shows
    it a while longer): the roles come as a new message, not an error (issue 28)."""
    admin = await registered_admin(bot, emulator)
    await departments(bot)
    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("Someone")
    choice = await admin.expect("Someone")
    await press_first(admin, choice, InviteDepartment)
    roles_message = await admin.expect_edit(choice, "Roles of")
    await admin.delete(roles_message)
    await admin.press_data(roles_message, "v1:inv:r:inspector")
    anew = await admin.expect("Roles of")
    assert anew["message_id"] != roles_message["message_id"]
    assert any(label.startswith("✅") for label in button_labels(anew))
    assert not any("went wrong" in m.get("text", "") for m in admin.bot_messages())
