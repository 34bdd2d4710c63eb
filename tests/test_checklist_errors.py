"""A checklist pyxform cannot read is refused in the office's language, naming the sheet,
the row and the column and what to change: never pyxform's English ("Argument
'definition' was not recognized…") nor a Python exception's name ("TypeError")."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.i18n import translator
from bot.services.imports import read_upload
from bot.views.imports import summary_text

CHOICES = [["list_name", "name", "label"], ["yn", "yes", "是"], ["yn", "no", "否"]]
SETTINGS = [["form_title", "form_id"], ["检查表", "SC-001"]]
# What a zh_CN answer may hold in Latin letters: XLSForm's own sheet and column names and
# type names (the office writes them so), file formats and product names.
CODES = {"survey", "choices", "settings", "type", "name", "label", "list_name", "select_one",
         "select_multiple", "text", "integer", "begin_group", "end_group", "relevant",
         "form_id", "from_id", "default_language", "defualt_language", "setting", "yn",
         "yesno", "xlsx", "Excel", "WPS", "XLSForm", "PDF", "txet", "selct_one", "nowhere",
         "SC", "checklist", "broken"}


def workbook(path: Path, survey: list[list[str]], choices: list[list[str]] | None = CHOICES,
             settings: list[list[str]] | None = SETTINGS,
             names: tuple[str, str, str] = ("survey", "choices", "settings")) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = names[0]
    for row in survey:
        sheet.append(row)
    for rows, title in ((choices, names[1]), (settings, names[2])):
        if rows is not None:
            extra = book.create_sheet(title)
            for row in rows:
                extra.append(row)
    book.save(path)
    return path


def answers(path: Path) -> tuple[str, str]:
    """The refusal as the office reads it, in Chinese and in English."""
    upload = read_upload(str(path), path.name, "checklist", "0" * 64)
    assert upload.report is not None and not upload.report.ok
    return (summary_text(translator("zh_CN"), upload.report),
            summary_text(translator("en"), upload.report))


def assert_polite(zh: str, en: str) -> None:
    for text in (zh, en):
        assert not re.search(r"\w+(Error|Exception)\b", text), text
        for english in ("Argument", "definition", "recognized", "row :", "Learn more",
                        "xlsform.org", "Invalid headers", "pyxform"):
            assert english not in text, (english, text)
    words = set(re.findall(r"[A-Za-z][A-Za-z_]+", zh.split("\n", 1)[1]))
    assert words <= CODES, words - CODES


BROKEN = {
    # name: (survey rows, other sheets, what the Chinese answer says)
    "no type column": ([["name", "label"], ["temp", "温度"]], {},
                       "survey 工作表缺少 type 列"),
    "no name": ([["type", "name", "label"], ["text", "", "温度"]], {},
                "survey 工作表第 2 行：name 列为空"),
    "unknown type": ([["type", "name", "label"], ["text", "a", "甲"], ["txet", "b", "乙"]], {},
                     "survey 工作表第 3 行：txet 不是有效的题型，是否应为 text？"),
    "misspelt select": ([["type", "name", "label"], ["selct_one yn", "a", "甲"]], {},
                        "是否应为 select_one yn？"),
    "select without a list": ([["type", "name", "label"], ["select_one", "a", "甲"]], {},
                              "select_one 后面须写上选项列表名称"),
    "missing list": ([["type", "name", "label"], ["text", "a", "甲"],
                      ["select_one yesno", "b", "乙"]], {},
                     "survey 工作表第 3 行：choices 工作表中没有选项列表 yesno"),
    "no choices sheet": ([["type", "name", "label"], ["select_one yn", "a", "甲"]],
                         {"choices": None}, "没有 choices 工作表"),
    "settings column typo": ([["type", "name", "label"], ["text", "a", "甲"]],
                             {"settings": [["form_title", "from_id"], ["检查表", "SC-001"]]},
                             "settings 工作表的 from_id 列不是有效的设置项：是否应为 form_id？"),
    "settings sheet typo": ([["type", "name", "label"], ["text", "a", "甲"]],
                            {"names": ("survey", "choices", "setting")},
                            "工作表 setting 不会被读取：是否应为 settings？"),
    "duplicate name": ([["type", "name", "label"], ["text", "a", "甲"], ["text", "a", "乙"]],
                       {}, "survey 工作表第 3 行：名称 a 已被同一组中的另一道题使用"),
    "group not closed": ([["type", "name", "label"], ["begin_group", "g", "组"],
                          ["text", "a", "甲"]], {},
                         "survey 工作表第 2 行：begin_group 没有对应的 end_group"),
    "unknown reference": ([["type", "name", "label", "relevant"],
                           ["text", "a", "甲", "${nowhere} = 1"]], {},
                          "survey 工作表第 2 行 relevant 列：${nowhere} 不是"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_xlsform_is_answered_in_the_offices_words(case: str, tmp_path: Path) -> None:
    survey, sheets, expected = BROKEN[case]
    path = workbook(tmp_path / "broken.xlsx", survey,
                    **{k: v for k, v in sheets.items()})  # type: ignore[arg-type]
    zh, en = answers(path)
    assert expected in zh, zh
    assert_polite(zh, en)
    assert "sheet" in en and not re.search(r"[\u4e00-\u9fff]", en.split("\n", 1)[1]), en


def test_an_empty_file_and_a_pdf_named_xlsx(tmp_path: Path) -> None:
    empty = tmp_path / "broken.xlsx"
    empty.write_bytes(b"")
    zh, en = answers(empty)
    assert "文件是空的：请用 Excel 或 WPS 将检查表另存为 .xlsx 工作簿" in zh
    assert_polite(zh, en)
    pdf = tmp_path / "checklist.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    zh, en = answers(pdf)
    assert "该文件不是 Excel 工作簿（而是 PDF 文件）" in zh
    assert "not an Excel workbook (it is PDF)" in en
    assert_polite(zh, en)


def test_a_workbook_renamed_xls_is_read_as_what_it_is(tmp_path: Path) -> None:
    """An .xlsx saved under an .xls name was refused with pyxform's "Argument 'definition'
    was not recognized"; it is read by its content."""
    good = workbook(tmp_path / "form.xlsx", [["type", "name", "label"], ["text", "a", "甲"]])
    renamed = tmp_path / "form.xls"
    shutil.copy(good, renamed)
    upload = read_upload(str(renamed), renamed.name, "checklist", "0" * 64)
    assert upload.report is not None and upload.report.ok, upload.report.problems
    assert upload.checklist is not None and upload.checklist.form_id == "SC-001"


def test_an_old_excel_checklist_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """The binary .xls is read by xlrd, unmaintained: it is refused before anything reads
    it, with how to save it as .xlsx (issue 29)."""
    old = tmp_path / "checklist.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    zh, en = answers(old)
    assert "old Excel .xls file" in en and "save it as an .xlsx workbook" in en
    assert "旧版" in zh
    assert_polite(zh, en)
