"""XLSForms written for the tests, and a form answered on a visit: the small yes/no form
of the imports, the SC-001 form with its logic (or_other, a cascading select, a
calculation), a team's leader at its first question, and the draft record's text
(tests/test_directories.py, test_form_logic.py, test_record_wording.py,
test_checklist_forms.py, test_bad_input.py, test_workers.py)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from bot.emulator import Emulator
from bot.emulator.client import EmulatedUser
from bot.services.access import SYSTEM
from bot.services.imports import import_file
from bot.tg.app import BotRunner
from tests.support.helpers import button_labels
from tests.support.visits import drawn_team, open_card, pdf_text, target_name


def xlsform(path: Path, survey: list[list[str]], form_id: str) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(["type", "name", "label::zh", "label::en", "required", "relevant"])
    for row in survey:
        sheet.append(row)
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::zh", "label::en"])
    for row in (["yn", "yes", "符合", "Compliant"], ["yn", "no", "不符合", "Non-compliant"],
                ["yn", "na", "不适用", "N/A"]):
        choices.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["检查表", form_id])
    workbook.save(path)
    return path


SURVEY = [
    ["type", "name", "label::zh", "label::en", "required", "relevant", "choice_filter",
     "calculation", "required_message::en", "readonly", "default"],
    ["select_one st or_other", "status", "经营状态", "Business status", "yes"],
    ["select_one region", "region", "片区", "Area", "yes"],
    ["select_one town", "town", "乡镇", "Town", "yes", "", "region=${region}"],
    ["begin_group", "stock", "商品检查", "Goods on sale"],
    ["integer", "shelves", "货架数", "Shelves checked", "yes", "", "", "", "", "", "10"],
    ["integer", "bad", "过期商品数", "Expired products", "yes"],
    ["calculate", "share", "过期比例(%)", "Expired share (%)", "", "", "",
     "round(${bad} div ${shelves} * 100, 1)"],
    ["text", "reason", "原因", "Why expired goods were on sale", "${bad} > 0", "", "", "",
     "Say why: expired goods were found."],
    ["end_group", "", "", ""],
    ["text", "licence", "许可证号", "Licence no.", "", "", "", "", "",
     "selected(${status}, 'other')"],
    ["date", "checked_on", "检查日期", "Checked on", "yes", "", "", "", "", "", "today()"],
]
CHOICES = [
    ["list_name", "name", "label::zh", "label::en", "region"],
    ["st", "open", "营业", "Open", ""], ["st", "closed", "停业", "Closed", ""],
    ["region", "north", "北片", "North", ""], ["region", "south", "南片", "South", ""],
    ["town", "mangshi", "芒市镇", "Mangshi", "north"],
    ["town", "fengping", "风平镇", "Fengping", "north"],
    ["town", "zhefang", "遮放镇", "Zhefang", "south"],
]


def workbook(path: Path, survey: list[list[str]], choices: list[list[str]] | None = None,
              title: str = "食品经营检查表", version: str = "2026.2") -> Path:
    """An XLSForm for item SC-001: its survey rows, choices and settings."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    if choices:
        listed = workbook.create_sheet("choices")
        for row in choices:
            listed.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append([title, "SC-001", version])
    workbook.save(path)
    return path


def form(path: Path) -> Path:
    return workbook(path, SURVEY, CHOICES)


async def answering(runner: BotRunner, emulator: Emulator, tmp_path: Path, form: Path
                     ) -> tuple[EmulatedUser, str]:
    """The form loaded for SC-001, a team drawn, its leader checked in and at the first
    question: (the leader, the target's name)."""
    team, (leader, _member), _ = await drawn_team(runner, emulator, tmp_path)
    report = await import_file(runner.core, SYSTEM, form, form.name)
    assert report.ok, report.problems
    name = target_name(runner.core.settings, team["target"])
    await leader.press("▶️ Start the visit", await open_card(leader, name))
    await leader.expect("Check-in")
    await leader.share_location(24.43, 98.58)
    await leader.press("▶️ Continue my checklist", await leader.expect("Items:"))
    return leader, name


async def draft(leader: EmulatedUser, name: str, tmp_path: Path
                 ) -> tuple[dict[str, object], str]:
    """From /tasks to the visit's home, and the text of its draft record: (home, text)."""
    await leader.send("/tasks")
    listing = await leader.expect("Your open tasks")
    await leader.press(next(b for b in button_labels(listing) if name[:20] in b), listing)
    await leader.press("▶️ Continue the visit", await leader.expect("Items to check"))
    home = await leader.expect("Items:")
    await leader.press("📄 Print the record (draft, to sign)", home)
    draft = await leader.expect(predicate=lambda m: "document" in m)
    return home, pdf_text(leader.file_bytes(draft["document"]["file_id"]), tmp_path)
