"""A real county's directory brought onto Telegram: the import offers the invites, /people
lists who is registered and invites one, a department or everyone, the draw's notice
sends the sheet of those drawn but not registered, /invite finds the directory first,
and someone drawn before registering finds their tasks when they do."""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.buttons.tasks import TaskCard
from bot.demo import joint_plan, load_county
from bot.emulator import EmulatedUser, Emulator
from bot.logs import mask_cert
from bot.services import invite_sheets
from bot.services.access import SYSTEM
from bot.tg.app import BotRunner
from storage.files import blob_path
from tests.conftest import person
from tests.support.buttons import press_first
from tests.support.helpers import LINK_RE, choucha, prepare, probe, registered_admin, run_draw

PLAN = "登记联合抽查"


def documents(user: EmulatedUser) -> dict[str, bytes]:
    return {m["document"]["file_name"]: user.file_bytes(m["document"]["file_id"])
            for m in user.bot_messages() if "document" in m}


async def expect_sheet(user: EmulatedUser) -> list[dict[str, str]]:
    """The two documents of an invite sheet; the CSV rows."""
    pdf = await user.expect(predicate=lambda m: m.get("document", {}).get(
        "file_name", "").endswith(".pdf"), timeout=30)
    sheet = await user.expect(predicate=lambda m: m.get("document", {}).get(
        "file_name", "").endswith(".csv"))
    data = user.file_bytes(sheet["document"]["file_id"])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["执法证号", "姓名", "部门", "角色", "链接", "有效期至"]
    assert user.file_bytes(pdf["document"]["file_id"]).startswith(b"%PDF")
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


async def test_the_directory_comes_onto_telegram(bot: BotRunner, emulator: Emulator,
                                                tmp_path: Path) -> None:
    admin = await registered_admin(bot, emulator)
    today = bot.core.today().isoformat()
    files = await load_county(bot.core, tmp_path / "county", 40, 3, all_active=True, plans=[
        joint_plan(PLAN, "WS-001", "WSJKJ", (today, today, "2099-12-31"))])
    everyone = probe(bot, "SELECT COUNT(*) FROM people p JOIN inspectors i"
                          " ON i.person_id = p.id")[0][0]

    # Sending the inspector directory again: the reply counts who is not registered and
    # offers their invites; the sheet has one row per person, with a link each.
    await admin.send_document(files["inspectors"].read_bytes(), "inspectors.csv")
    offer = await admin.expect("not registered in Choucha yet", timeout=30)
    assert f"{everyone} people" in offer["text"]
    # The file held 身份证号 and phones: loaded, and not kept (its SHA-256 is logged).
    sha = hashlib.sha256(files["inspectors"].read_bytes()).hexdigest()
    assert not blob_path(bot.settings.files_dir, sha).exists()
    assert probe(bot, "SELECT COUNT(*) FROM imports WHERE sha256 = ?", sha) == [(2,)]  # +load
    await admin.press(f"📨 Invite everyone not registered ({everyone})")
    sure = await admin.expect("Make new invite links for")
    assert f"for {everyone} people" in sure["text"]
    await admin.press(f"✅ Make {everyone} invites", sure)
    rows = await expect_sheet(admin)
    assert len(rows) == everyone and all(LINK_RE.fullmatch(r["链接"]) for r in rows)
    names = {r["姓名"] for r in rows}
    cards = pdf_text(documents(admin)[next(n for n in documents(admin) if n.endswith(".pdf"))],
                     tmp_path)
    assert sorted(names)[0] in cards and "YN53" in cards and "有效期至" not in rows[0]["链接"]

    # The draw: the office's notice names the drawn who are not registered and sends
    # their sheet; only they are on it, with fresh links (the earlier ones replaced).
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "518")
    drawn = {m["inspector"] for t in ran.record["teams"] for m in t["members"]}
    notice = await admin.expect("not registered in Choucha yet and", timeout=30)
    await admin.press("📨 Their invite sheet (QR cards and links)", notice)
    sure = await admin.expect("Make new invite links for")
    # Everyone drawn was invited above: the confirmation says those links stop working.
    assert f"{len(drawn)} of them have a link that still works" in sure["text"]
    await admin.press(f"✅ Make {len(drawn)} invites", sure)
    sheet = await expect_sheet(admin)
    assert {r["执法证号"] for r in sheet} == drawn
    old = next(r for r in rows if r["执法证号"] == sheet[0]["执法证号"])

    # Someone drawn registers from the sheet: welcome, then the tasks they missed.
    cert = sheet[0]["执法证号"]
    inspector = person(emulator, sheet[0]["姓名"], "en")
    await inspector.open_link(old["链接"])
    assert "replaced by a newer one" in (await inspector.expect())["text"]
    await inspector.open_link(sheet[0]["链接"])
    await inspector.expect("Welcome")
    mine = sum(1 for t in ran.record["teams"] for m in t["members"] if m["inspector"] == cert)
    listing = await inspector.expect("You have been drawn for")
    assert f"{mine} spot-check task" in listing["text"]
    first = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row)
    await inspector.press(first)
    assert "Inspection window" in (await inspector.expect("📋"))["text"]

    # /people: by department with the statuses; the registered one shows as such.
    await admin.send("/people")
    overview = await admin.expect("People in Choucha")
    department = probe(bot, "SELECT d.name FROM inspectors i JOIN people p ON p.id ="
                            " i.person_id JOIN departments d ON d.id = p.department_id"
                            " WHERE i.cert_no = ?", cert)[0][0]
    button = next(b["text"] for row in overview["reply_markup"]["inline_keyboard"]
                  for b in row if str(b["text"]).startswith(str(department)))
    await admin.press(button, overview)
    page = await admin.expect_edit(overview, "page 1 of")
    assert "registered" in page["text"] and "invited, until" in page["text"]
    assert cert not in page["text"] and f"{cert[:4]}" in page["text"]  # masked
    other = next(b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row
                 if b["text"].startswith("📨 Invite ") and "all" not in b["text"])
    await admin.press(other, page)
    card = await admin.expect(predicate=lambda m: "photo" in m)
    assert LINK_RE.search(card["caption"]) and "执法证号" not in card["caption"]
    # A department at once, from the same page: everyone of it but the registered one.
    waiting = probe(bot, "SELECT COUNT(*) FROM people p JOIN departments d ON d.id ="
                         " p.department_id WHERE d.name = ? AND p.active = 1", department)[0][0]
    await admin.press(f"📨 Invite all not registered here ({int(str(waiting)) - 1})", page)
    await admin.press(f"✅ Make {int(str(waiting)) - 1} invites",
                      await admin.expect("Make new invite links for"))
    assert len(await expect_sheet(admin)) == int(str(waiting)) - 1
    await admin.send("/people")
    overview = await admin.expect("People in Choucha")
    assert f"{everyone - 1} people cannot be told" in overview["text"]

    # An inspector is refused /people.
    await inspector.send("/people")
    assert "Only the office" in (await inspector.expect())["text"]


async def test_invite_searches_the_directory_first(bot: BotRunner, emulator: Emulator,
                                                   tmp_path: Path) -> None:
    admin = await registered_admin(bot, emulator)
    await load_county(bot.core, tmp_path / "county", 10, 3, checklists=False)
    # 张伟 of SCJGJ is in the directory; another 张伟 joins WSJKJ from the command line.
    env = {"CHOUCHA_DB": str(bot.settings.db_path), "CHOUCHA_FILES_DIR":
           str(bot.settings.files_dir)}
    code, _, err = await choucha(env, "invite", "--name", "张伟", "--department", "SCJGJ",
                                 "--role", "inspector")
    assert code == 2 and "choucha invite --cert YN533103100002" in err
    assert "Traceback" not in err
    code, _, err = await choucha(env, "invite", "--name", "张伟", "--department", "WSJKJ",
                                   "--role", "inspector")
    assert code == 0, err
    assert probe(bot, "SELECT COUNT(*) FROM people WHERE name = '张伟'") == [(2,)]

    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("张伟")
    found = await admin.expect("Already in Choucha with the name")
    assert "芒市市场监督管理局" in found["text"] and "芒市卫生健康局" in found["text"]
    assert "YN53******0002" in found["text"] and "YN533103100002" not in found["text"]
    label = next(b["text"] for row in found["reply_markup"]["inline_keyboard"] for b in row
                 if "芒市市场监督管理局" in b["text"])
    await admin.press(label, found)
    card = await admin.expect(predicate=lambda m: "photo" in m)
    link = LINK_RE.search(card["caption"])
    assert link and "芒市市场监督管理局" in card["caption"]
    assert probe(bot, "SELECT COUNT(*) FROM people WHERE name = '张伟'") == [(2,)]
    zhang = person(emulator, "张伟")
    await zhang.open_link(link.group(0))
    assert "芒市市场监督管理局" in (await zhang.expect("欢迎"))["text"]
    assert probe(bot, "SELECT i.cert_no FROM telegram_accounts a JOIN inspectors i"
                      " ON i.person_id = a.person_id WHERE a.tg_user_id = ?", zhang.id) == [
        ("YN533103100002",)]

    # None of these: a third 张伟, created only on that confirmation.
    await admin.send("/invite")
    await admin.expect("Who are you inviting")
    await admin.send("张伟")
    found = await admin.expect("Already in Choucha with the name")
    assert "registered" in found["text"]
    await admin.press("➕ None of these: a new person", found)
    await admin.expect_edit(found, "Which department")
    await admin.press("芒市市场监督管理局")
    await admin.expect_edit(admin.bot_messages()[-1], "Roles of")
    await admin.press("▫️ inspector")
    await admin.expect_button(admin.bot_messages()[-1], "✅ inspector")
    await admin.press("Done — make the invite")
    await admin.expect(predicate=lambda m: "photo" in m)
    assert probe(bot, "SELECT COUNT(*) FROM people WHERE name = '张伟'") == [(3,)]


async def test_drawn_inspectors_register_from_the_command_line_sheet(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    today = bot.core.today().isoformat()
    await load_county(bot.core, tmp_path / "county", 20, 3, all_active=True, plans=[
        joint_plan(PLAN, "WS-001", "WSJKJ", (today, today, "2099-12-31"))])
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "77")
    env = {"CHOUCHA_DB": str(bot.settings.db_path),
           "CHOUCHA_FILES_DIR": str(bot.settings.files_dir)}
    code, out, err = await choucha(env, "invite", "--unregistered", "--department", "WSJKJ",
                                   "--links", str(tmp_path / "links.csv"), "--out",
                                   str(tmp_path / "cards.pdf"))
    assert code == 0, err
    assert "Links written to" in out and (tmp_path / "cards.pdf").read_bytes()[:4] == b"%PDF"
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "links.csv").read_bytes().decode("utf-8-sig"))))
    assert rows and {r["部门"] for r in rows} == {"芒市卫生健康局"}
    code, out, _ = await choucha(env, "people", "--department", "WSJKJ")
    assert code == 0 and "invited, until" in out and "never invited" not in out
    drawn = {m["inspector"] for t in ran.record["teams"] for m in t["members"]}
    for row in [r for r in rows if r["执法证号"] in drawn]:
        user = person(emulator, row["姓名"], "en")
        await user.open_link(row["链接"])
        await user.expect("Welcome")
        listing = await user.expect("You have been drawn for")
        await press_first(user, listing, TaskCard)
        assert row["姓名"] in (await user.expect("Items to check"))["text"]
    code, out, _ = await choucha(env, "people", "--unregistered", "--department", "WSJKJ")
    assert code == 0 and not any(r["姓名"] in out for r in rows if r["执法证号"] in drawn)


async def test_the_page_shows_a_new_invite_and_tells_two_of_one_name_apart(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    admin = await registered_admin(bot, emulator)
    await load_county(bot.core, tmp_path / "county", 10, 3, checklists=False)
    # Two people of one department share a name (the directory allows it: 执法证号 differ).
    first, second = probe(bot, "SELECT p.id FROM people p JOIN inspectors i ON i.person_id ="
                               " p.id WHERE p.department_id = (SELECT MIN(department_id) FROM"
                               " people WHERE department_id IS NOT NULL) ORDER BY p.id LIMIT 2")
    with sqlite3.connect(bot.settings.db_path) as conn:
        conn.execute("UPDATE people SET name = '孙杰' WHERE id IN (?, ?)", (first[0], second[0]))
    certs = [c for (c,) in probe(bot, "SELECT cert_no FROM inspectors WHERE person_id IN (?, ?)"
                                      " ORDER BY person_id", first[0], second[0])]
    await admin.send("/people")
    overview = await admin.expect("People in Choucha")
    department = next(b["text"] for row in overview["reply_markup"]["inline_keyboard"]
                      for b in row if "·" in b["text"])
    await admin.press(department, overview)
    page = await admin.expect_edit(overview, "page 1 of")
    invites = [b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row
               if b["text"].startswith("📨 Invite 孙杰")]
    # Each button names whom it invites: the masked 执法证号 tells them apart.
    assert invites == [f"📨 Invite 孙杰 · {mask_cert(c)}" for c in certs]
    assert "never invited" in page["text"]
    await admin.press(invites[1], page)
    await admin.expect(predicate=lambda m: "photo" in m)
    # The page they pressed it on now shows the invite.
    refreshed = await admin.expect_edit(page, "invited, until")
    line = next(i for i, text in enumerate(refreshed["text"].splitlines())
                if mask_cert(certs[1]) in text)
    assert "invited, until" in refreshed["text"].splitlines()[line + 1]
    assert probe(bot, "SELECT person_id FROM invites WHERE revoked_at IS NULL"
                      " AND used_at IS NULL") == [(second[0],)]


async def test_many_invites_are_confirmed_once_and_a_failed_sheet_changes_nothing(
        bot: BotRunner, emulator: Emulator, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    admin = await registered_admin(bot, emulator)
    await load_county(bot.core, tmp_path / "county", 6, 3, checklists=False)
    waiting = int(probe(bot, "SELECT COUNT(*) FROM people WHERE active = 1 AND id NOT IN"
                             " (SELECT person_id FROM telegram_accounts WHERE person_id IS NOT"
                             " NULL)")[0][0])

    def open_invites() -> list[tuple[object, ...]]:
        return probe(bot, "SELECT id FROM invites WHERE revoked_at IS NULL AND used_at IS NULL"
                          " ORDER BY id")

    await admin.send("/people")
    await admin.press(f"📨 Invite everyone not registered ({waiting})",
                      await admin.expect("People in Choucha"))
    sure = await admin.expect("Make new invite links for")
    await admin.press("✖️ Not now", sure)
    await admin.expect_edit(sure, "No invite was made")
    assert open_invites() == []

    # The sheet cannot be drawn (a font, a worker's limit): no invite is stored.
    await admin.send("/people")
    await admin.press(f"📨 Invite everyone not registered ({waiting})",
                      await admin.expect("People in Choucha"))
    sure = await admin.expect("Make new invite links for")
    data = next(b["callback_data"] for row in sure["reply_markup"]["inline_keyboard"]
                for b in row if b["text"].startswith("✅"))

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no font")

    with monkeypatch.context() as patch:
        patch.setattr(invite_sheets, "build", broken)
        await admin.press_data(sure, data)
        await admin.expect("nothing was changed")
    assert open_invites() == []

    # Confirmed: the sheet, and as many invites as it listed.
    await admin.press_data(sure, data)
    assert len(await expect_sheet(admin)) == waiting
    made = open_invites()
    assert len(made) == waiting
    # Tapped again (or by a second office member): stale, the printed links keep working.
    again = await admin.press_data(sure, data)
    assert "no longer valid" in (await admin.answer(again))["text"]
    assert open_invites() == made


async def test_a_page_whose_message_was_deleted_arrives_as_a_new_message(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    """Telegram cannot edit a message the person deleted (or one too old): the page they
    asked for comes as a new message, not as an error."""
    admin = await registered_admin(bot, emulator)
    await load_county(bot.core, tmp_path / "county", 5, 3, checklists=False)
    await admin.send("/people")
    overview = await admin.expect("People in Choucha")
    data = next(b["callback_data"] for row in overview["reply_markup"]["inline_keyboard"]
                for b in row if "·" in b["text"])
    await admin.delete(overview)
    await admin.press_data(overview, data)
    page = await admin.expect("page 1 of")
    assert page["message_id"] != overview["message_id"]
    assert not any("went wrong" in m.get("text", "") for m in admin.bot_messages())
