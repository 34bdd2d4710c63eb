"""A checklist as offices write them, answered through the real Application: an `or_other`
with its "specify other", a cascading select (choice_filter), a required written as an
expression, and a labelled calculation shown in the review and in the record's PDF."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.client import EmulatedUser
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.forms import answering, draft, form, workbook
from tests.support.helpers import button_labels, probe


async def test_or_other_cascading_select_conditional_required_and_calculation(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        leader, name = await answering(runner, emulator, tmp_path, form(tmp_path / "sc.xlsx"))

        # or_other: "Other" brings the follow-up question, in the reader's language.
        status = await leader.expect("Business status")
        assert button_labels(status)[:3] == ["Open", "Closed", "Other"]
        await leader.press("Other", status)
        await leader.expect("Specify other")
        await leader.send("临时歇业装修")
        # A cascading select: only the towns of the area chosen are offered.
        area = await leader.expect("Area")
        await leader.press("North", area)
        town = await leader.expect("Town")
        assert "Mangshi" in button_labels(town) and "Fengping" in button_labels(town)
        assert "Zhefang" not in button_labels(town)
        await leader.press("Fengping", town)
        # A default is offered (one tap), and a typed answer overrides it.
        shelves = await leader.expect("Shelves checked")
        assert "The form suggests: 10" in shelves["text"] and "✅ Use 10" in button_labels(
            shelves)
        assert "📂 Goods on sale" in shelves["text"]  # the section it is in
        await leader.send("8")
        await leader.expect("Expired products")
        await leader.send("2")
        # Required because expired goods were found: no Skip, marked required.
        reason = await leader.expect("Why expired goods were on sale")
        assert "(required)" in reason["text"] and "⏭ Skip" not in button_labels(reason)
        await leader.send("进货查验不严")
        today = runner.core.today().isoformat()
        await leader.press(f"✅ Use {today}", await leader.expect("Checked on"))
        review = await leader.expect("Review your answers")
        text = review["text"]
        assert f"Checked on: {today}" in text  # a default computed when asked: today()
        # Read-only while the status is "other": not asked, shown locked, no edit button.
        line = next(li for li in text.splitlines() if "Licence no." in li)
        assert line.endswith("Licence no.: — 🔒")
        assert f"✏️ {line.split()[0]}" not in button_labels(review)
        assert "临时歇业装修" in text and "Fengping" in text
        assert "🧮 Expired share (%): 25" in text
        stored = dict(probe(runner, "SELECT question, value FROM visit_answers"))
        assert stored["status"] == "other" and stored["status_other"] == "临时歇业装修"
        assert stored["town"] == "fengping" and "share" not in stored

        # The record (here its draft) states the calculation with the answers.
        _, text = await draft(leader, name, tmp_path)
        assert "过期比例(%)" in text and "25" in text and "临时歇业装修" in text
    finally:
        await runner.stop()


REPEATS = [
    ["type", "name", "label::zh", "label::en", "repeat_count", "calculation"],
    ["username", "who"], ["start-geopoint", "where"], ["phonenumber", "phone"],
    ["begin_repeat", "sample", "样品", "Sample"],
    ["text", "pname", "产品名称", "Product name"],
    ["integer", "qty", "“${pname}”的数量", "Quantity of ${pname}"],
    ["end_repeat", "", "", ""],
    ["integer", "staff", "从业人员数", "Staff on duty"],
    ["begin_repeat", "staffer", "从业人员", "Staff member", "${staff}"],
    ["text", "cert", "健康证编号", "Health certificate no."],
    ["end_repeat", "", "", ""],
    ["calculate", "total", "抽样总数量", "Total sampled", "", "sum(${qty})"],
    ["calculate", "samples", "样品数", "Samples taken", "", "count(${sample})"],
    ["calculate", "by", "检查人员", "Inspector", "", "${who}"],
    ["calculate", "at", "签到位置", "Checked in at", "", "concat(${where}, ${phone})"],
]


def _repeat_form(path: Path) -> Path:
    return workbook(path, REPEATS, title="食品抽样记录", version="2026.3")


async def _fill_repeat_form(user: EmulatedUser, samples: list[tuple[str, str]],
                            certificates: list[str]) -> None:
    """Answer REPEATS as it is asked: "add?" before the first sample and after each
    (➕ Add, then ✅ Done), each sample's questions labelled with its number (the quantity's
    label reads the product's name), then a certificate per member of staff."""
    first = await user.expect("Add Sample?")
    assert button_labels(first)[:2] == ["➕ Add", "None"]
    assert "⏭ Skip" not in button_labels(first)
    await user.press("➕ Add", first)
    for n, (product, quantity) in enumerate(samples, start=1):
        await user.expect(f"Sample {n} · Product name")
        await user.send(product)
        await user.expect(f"Sample {n} · Quantity of {product}")
        await user.send(quantity)
        more = await user.expect(f"Sample: {n} so far. Add another?")
        await user.press("✅ Done" if n == len(samples) else "➕ Add", more)
    await user.expect("Staff on duty")
    await user.send(str(len(certificates)))
    for n, certificate in enumerate(certificates, start=1):
        await user.expect(f"Staff member {n} · Health certificate no.")
        await user.send(certificate)


async def test_repeat_groups_add_another_done_a_counted_repeat_review_and_record(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """Each sampled product is an entry the inspector adds ("add another" / "done"); the
    health certificates repeat as many times as the staff count says; totals over the
    entries are computed; the review can add an entry later; the record lists each entry
    (not the "add another?" questions)."""
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        leader, name = await answering(runner, emulator, tmp_path,
                                       _repeat_form(tmp_path / "r.xlsx"))

        await _fill_repeat_form(leader, [("纯牛奶", "3"), ("全麦面包", "5")],
                                ["JK-001", "JK-002"])
        review = await leader.expect("Review your answers")
        text = review["text"]
        assert "Sample 2 · Product name: 全麦面包" in text
        assert "Sample 2 · Quantity of 全麦面包: 5" in text
        assert "Staff member 2 · Health certificate no.: JK-002" in text
        assert "🧮 Total sampled: 8" in text and "🧮 Samples taken: 2" in text
        # Metadata as ODK fills it: the inspector, their check-in; no phone number.
        (inspector,), = probe(runner, "SELECT p.name FROM visit_items v JOIN people p"
                              " ON p.id = v.answerer WHERE v.item_code = 'SC-001'")
        assert f"🧮 Inspector: {inspector}" in text
        assert text.endswith("🧮 Checked in at: 24.430000 98.580000")
        stored = dict(probe(runner, "SELECT question, value FROM visit_answers"))
        assert stored["pname#1"] == "纯牛奶" and stored["qty#2"] == "5"
        assert stored["sample#2"] == "no" and stored["cert#2"] == "JK-002"

        # Another product turns up: the "add another?" answer is changed from the review.
        line = next(li for li in text.splitlines() if "Sample: 2 so far" in li)
        number = line.split()[0]
        await leader.press(f"✏️ {number}", review)
        again = await leader.expect("Sample: 2 so far")
        await leader.press("➕ Add", again)
        await leader.expect("Sample 3 · Product name")
        await leader.send("酸奶")
        await leader.expect("Sample 3 · Quantity")
        await leader.send("4")
        await leader.press("✅ Done", await leader.expect("Sample: 3 so far"))
        review = await leader.expect("Review your answers")
        assert "🧮 Total sampled: 12" in review["text"]
        assert "🧮 Samples taken: 3" in review["text"]

        home, pdf = await draft(leader, name, tmp_path)
        assert "样品 3 · 产品名称" in pdf and "酸奶" in pdf and "JK-002" in pdf
        assert "抽样总数量" in pdf and "12" in pdf
        assert "再添加" not in pdf and "要填写" not in pdf  # the entries, not the prompts

        # "Done" after the first sample removes the later entries (as ODK deletes them).
        await leader.press("▶️ Continue my checklist", home)
        review = await leader.expect("Review your answers")
        line = next(li for li in review["text"].splitlines() if "Sample: 1 so far" in li)
        await leader.press(f"✏️ {line.split()[0]}", review)
        await leader.press("✅ Done", await leader.expect("Sample: 1 so far"))
        review = await leader.expect("Review your answers")
        assert "🧮 Total sampled: 3" in review["text"] and "Sample 2" not in review["text"]
        stored = dict(probe(runner, "SELECT question, value FROM visit_answers"))
        assert "pname#2" not in stored and "qty#3" not in stored and stored["sample#1"] == "no"
        removed = probe(runner, "SELECT payload FROM audit_log WHERE action = ?",
                        "visit.entries_removed")
        assert len(removed) == 1 and "pname#3" in removed[0][0]
    finally:
        await runner.stop()


async def test_a_long_review_pages_its_edit_buttons_within_telegrams_limit(
    settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    """66 answers (50 counted entries and 15 more): Telegram takes at most 100 buttons on a
    message (the emulator refuses more), so the review's edit buttons come 60 at a time."""
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        long = workbook(tmp_path / "long.xlsx", [
            ["type", "name", "label", "repeat_count"], ["integer", "n", "Shelves"],
            ["begin_repeat", "shelf", "Shelf", "${n}"], ["text", "s", "Goods"],
            ["end_repeat", "", ""],
            ["begin_repeat", "fridge", "Fridge", "15"], ["text", "f", "Temperature"],
            ["end_repeat", "", ""]], title="货架检查")
        leader, _ = await answering(runner, emulator, tmp_path, long)
        await leader.expect("Shelves")
        await leader.send("999")  # more than a visit takes: 50 entries at most
        for n in range(1, 51):
            await leader.expect(f"Shelf {n} · Goods")
            await leader.send(f"货架{n}")
        for n in range(1, 16):
            await leader.expect(f"Fridge {n} · Temperature")
            await leader.send(f"{n}℃")
        review = await leader.expect("Review your answers")
        assert "Shelf 51" not in review["text"]
        labels = button_labels(review)
        assert len(labels) <= 100 and "✏️ 1.60" in labels and "✏️ 1.61" not in labels
        await leader.press("✏️ Edit 61–66", review)
        page = await leader.expect("Review your answers")
        labels = button_labels(page)
        assert "✏️ 1.66" in labels and "✏️ 1.1" not in labels and "✏️ Edit 1–60" in labels
        await leader.press("✏️ 1.66", page)
        await leader.expect("Fridge 15 · Temperature")
    finally:
        await runner.stop()


async def test_the_office_tries_a_form_before_attaching_it(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """A form sent with the caption "试填" is asked as a visit asks it (repeat entries,
    calculations, the office's name as username), with nothing recorded; it can be tried
    again or discarded, and attached to its item at the end. An inspector cannot press
    practice buttons."""
    from bot.buttons.practice import PracticeAttach
    from bot.demo import load_county
    from bot.rules.models import Role
    from tests.support.helpers import on_telegram

    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await load_county(runner.core, tmp_path / "county", 5, 2, checklists=False)
        office = await on_telegram(runner, emulator, 61000, name="王芳", roles=[Role.OFFICE])
        form = _repeat_form(tmp_path / "r.xlsx").read_bytes()

        async def answer_all() -> dict[str, object]:
            await _fill_repeat_form(office, [("纯牛奶", "3")], ["JK-9"])
            assert any("🧪 Practice · 食品抽样记录 · question 1 of" in m.get("text", "")
                       for m in office.bot_messages())
            return await office.expect("done. Nothing was recorded")

        await office.send_document(form, "r.xlsx", caption="试填")
        end = await answer_all()
        assert "🧮 Total sampled: 3" in end["text"] and "🧮 Inspector: 王芳" in end["text"]
        assert probe(runner, "SELECT COUNT(*) FROM checklists") == [(0,)]
        assert probe(runner, "SELECT COUNT(*) FROM visit_answers") == [(0,)]

        # Again from the first question; a text where buttons are needed changes nothing.
        await office.press("🔁 Try again", end)
        first = await office.expect("question 1 of")
        await office.send("加一个")
        await office.expect("Please answer with the buttons")
        await office.press("✖️ Stop practising", first)
        await office.expect("discarded")
        assert probe(runner, "SELECT COUNT(*) FROM checklists") == [(0,)]

        # Tried again and attached: now it is the item's checklist.
        await office.send_document(form, "r.xlsx", caption="try")
        end = await answer_all()
        (department,), = probe(runner, "SELECT code FROM departments LIMIT 1")
        inspector = await on_telegram(runner, emulator, 62000, name="李雷",
                                      roles=[Role.INSPECTOR], department=department)
        await inspector.send("/help")
        helped = await inspector.expect("/tasks")
        forged = await inspector.press_data(helped, PracticeAttach().pack())
        assert "Only the office" in (await inspector.answer(forged))["text"]
        await office.press("📎 Attach to item SC-001", end)
        await office.expect("✅ Loaded checklist (XLSForm) from r.xlsx")
        loaded = probe(runner, "SELECT i.code, c.title FROM checklists c JOIN items i"
                               " ON i.id = c.item_id")
        assert loaded == [("SC-001", "食品抽样记录")]
        # The import log names the file tried, and the file is kept (as an import keeps it).
        from storage.files import blob_path
        (sha256,), = probe(runner, "SELECT sha256 FROM imports WHERE kind = 'checklist'")
        assert blob_path(runner.core.settings.files_dir, sha256).read_bytes() == form
        late = await office.press("📎 Attach to item SC-001", end)  # the practice has ended
        assert "This practice has ended" in (await office.answer(late))["text"]
    finally:
        await runner.stop()


async def test_a_long_list_of_choices_is_found_by_typing(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """300 towns cannot be 300 buttons (Telegram takes 100 on a message): the first 40 are
    shown, and typing part of a name shows those that match; nothing is saved until one is
    chosen. A multiple choice keeps its ticks across searches."""
    towns = [["list_name", "name", "label::zh", "label::en"]] + [
        ["town", f"t{n:03d}", f"乡镇{n:03d}", f"Town {n:03d}"] for n in range(1, 301)]
    form = workbook(tmp_path / "towns.xlsx", [
        ["type", "name", "label::zh", "label::en", "required"],
        ["select_one town", "town", "乡镇", "Town", "yes"],
        ["select_multiple town", "also", "其他乡镇", "Other towns", "yes"],
    ], towns)
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        leader, _ = await answering(runner, emulator, tmp_path, form)
        first = await leader.expect("Town")
        assert "40 of 300 choices shown" in first["text"] and len(button_labels(first)) < 100
        assert "Town 001" in button_labels(first) and "Town 250" not in button_labels(first)
        await leader.send("250")
        found = await leader.expect("choice matches “250”")
        assert button_labels(found)[0] == "Town 250"
        assert probe(runner, "SELECT COUNT(*) FROM visit_answers") == [(0,)]
        await leader.press("Town 250", found)
        await leader.expect("Other towns")
        await leader.send("乡镇29")  # Chinese works too: 290-299
        found = await leader.expect("10 choices match “乡镇29”")
        await leader.press("⬜ Town 291", found)
        await leader.send("Town 007")
        found = await leader.expect("choice matches “Town 007”")
        await leader.press("⬜ Town 007", found)
        ticked = await leader.expect_button(found, "☑️ Town 007")
        await leader.press("✅ Done", ticked)
        await leader.expect("Review your answers")
        stored = dict(probe(runner, "SELECT question, value FROM visit_answers"))
        assert stored == {"town": "t250", "also": "t007 t291"}
    finally:
        await runner.stop()
