"""XLSForms as offices write them: `parameters` on a photo, metadata rows, `required` as an
expression, and an answer that stops counting once its question is not relevant."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.core import Core
from bot.demo import load_county
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, ChecklistError, load_xlsform
from bot.services.access import SYSTEM
from bot.services.imports import import_file

TODAY = date(2026, 11, 23)
HEADERS = ["type", "name", "label::zh", "label::en", "required", "relevant", "parameters",
           "required_message::zh"]


def with_columns(path: Path, columns: dict[str, dict[int, str]]) -> Path:
    """Add survey columns to a form: header → {row number: value}."""
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    survey = workbook["survey"]
    for offset, (header, cells) in enumerate(columns.items(), start=1):
        for row, value in {1: header, **cells}.items():
            survey.cell(row=row, column=len(HEADERS) + offset, value=value)
    workbook.save(path)
    return path


def form(path: Path, survey: list[list[str]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "survey"
    sheet.append(HEADERS)
    for row in survey:
        sheet.append(row + [""] * (len(HEADERS) - len(row)))
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::zh", "label::en"])
    for row in (["yn", "yes", "符合", "Compliant"], ["yn", "no", "不符合", "Non-compliant"],
                ["st", "open", "营业", "Open"], ["st", "closed", "停业", "Closed"]):
        choices.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["检查表", "SC-001"])
    workbook.save(path)
    return path


def test_a_photo_with_parameters_and_metadata_rows_load(tmp_path: Path) -> None:
    loaded = load_xlsform(form(tmp_path / "f.xlsx", [
        ["start", "start"], ["end", "end"], ["today", "today"], ["deviceid", "deviceid"],
        ["image", "shelf", "货架照片", "Shelf photo", "yes", "", "max-pixels=3840"],
        ["date", "made", "生产日期", "Made on", "", "", "", ""],
        ["text", "why", "说明", "Why", "", "${made} < ${today}"],
    ]))
    assert [q.name for q in loaded.questions] == ["shelf", "made", "why"]
    assert dict(loaded.meta) == {"start": "start", "end": "end", "today": "today",
                                 "deviceid": "deviceid"}
    made, why = loaded.questions[1], loaded.questions[2]
    answers = {"made": rules.Answer("2026-01-05")}
    assert rules.is_relevant(why, rules.form_values(loaded, answers, TODAY), TODAY)
    answers = {"made": rules.Answer("2027-01-05")}
    assert not rules.is_relevant(why, rules.form_values(loaded, answers, TODAY), TODAY)
    assert made.type == "date"


def test_required_written_as_an_expression(tmp_path: Path) -> None:
    loaded = load_xlsform(form(tmp_path / "f.xlsx", [
        ["select_one st", "status", "经营状态", "Status", "yes"],
        ["text", "since", "停业起始", "Closed since", "${status} = 'closed'", "", "",
         "停业时必须填写"],
    ]))
    since = loaded.questions[1]
    assert since.required is False and since.required_if == "${status} = 'closed'"
    assert since.required_message["zh_CN"] == "停业时必须填写"
    closed = rules.form_values(loaded, {"status": rules.Answer("closed")}, TODAY)
    open_ = rules.form_values(loaded, {"status": rules.Answer("open")}, TODAY)
    assert rules.is_required(since, closed, TODAY)
    assert not rules.is_required(since, open_, TODAY)
    bad = form(tmp_path / "bad.xlsx", [
        ["text", "since", "停业起始", "Closed since", "${nowhere} = 'closed'"]])
    with pytest.raises(ChecklistError) as refused:
        load_xlsform(bad)
    assert "nowhere" in str(refused.value)  # pyxform or our check names it


def test_an_answer_no_longer_relevant_stops_counting(tmp_path: Path) -> None:
    """ODK clears a non-relevant answer: what was typed under a branch the inspector left
    does not keep later questions open."""
    loaded = load_xlsform(form(tmp_path / "f.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes"],
        ["text", "missing", "缺少什么", "What is missing", "", "${licence} = 'no'"],
        ["text", "deadline", "整改期限", "Deadline", "", "${missing} != ''"],
    ]))
    answers = {"licence": rules.Answer("no"), "missing": rules.Answer("许可证过期")}
    asked = [q.name for q in rules.relevant_questions(loaded, answers, TODAY)]
    assert asked == ["licence", "missing", "deadline"]
    answers["licence"] = rules.Answer("yes")  # changed their mind
    asked = [q.name for q in rules.relevant_questions(loaded, answers, TODAY)]
    assert asked == ["licence"]
    assert rules.form_values(loaded, answers, TODAY)["missing"] == ""


def test_randomized_choices_load_in_the_order_written(tmp_path: Path) -> None:
    """randomize guards a survey against order bias; an inspection keeps the order written
    (every inspector sees the same buttons), and the preview says so."""
    from bot.i18n import translator
    from bot.views.checklists import preview_lines

    loaded = load_xlsform(form(tmp_path / "f.xlsx", [
        ["select_one yn", "licence", "是否持证", "Licence?", "yes", "",
         "randomize=true seed=5"]]))
    licence = loaded.questions[0]
    assert licence.randomized and [c.name for c in licence.choices] == ["yes", "no"]
    assert any("randomize is not applied" in line
               for line in preview_lines(translator("en"), loaded))


@pytest.mark.parametrize(("kind", "typed", "stored"), [
    ("time", "14:30", "14:30"), ("time", "9点5分", "09:05"), ("time", "１４：３０", "14:30"),
    ("dateTime", "2026-11-23 14:30", "2026-11-23T14:30"),
    ("dateTime", "2026年11月23日 9:05", "2026-11-23T09:05"),
])
def test_times_are_read_as_typed(kind: str, typed: str, stored: str) -> None:
    from bot.rules.checklist import Question

    assert rules.parse_typed(Question("q", kind, {}), typed) == stored


@pytest.mark.parametrize(("kind", "typed"), [("time", "25:00"), ("time", "noon"),
                                             ("dateTime", "2026-11-23"),
                                             ("dateTime", "2026-13-01 10:00")])
def test_bad_times_are_refused(kind: str, typed: str) -> None:
    from bot.rules.checklist import Question

    with pytest.raises(rules.Invalid):
        rules.parse_typed(Question("q", kind, {}), typed)


def test_widgets_as_authors_write_them(tmp_path: Path) -> None:
    """gps is a geopoint, acknowledge one OK button, a range a number within its bounds;
    a repeat inside a repeat, barcodes and choices from a file are refused by name, with
    what to do."""
    loaded = load_xlsform(form(tmp_path / "w.xlsx", [
        ["gps", "where", "位置", "Where"],
        ["acknowledge", "ok", "已告知当事人", "Party informed"],
        ["range", "score", "评分", "Score", "", "", "start=1 end=5"],
    ]))
    where, ok, score = loaded.questions
    assert where.type == "geopoint" and ok.type == "select_one"
    assert [c.name for c in ok.choices] == ["OK"]
    assert score.type == "decimal" and score.constraint == ". >= 1 and . <= 5"
    rules.check_constraint(score, "3", {}, TODAY, "en")
    with pytest.raises(rules.Invalid):
        rules.check_constraint(score, "9", {}, TODAY, "en")
    with pytest.raises(ChecklistError) as refused:
        load_xlsform(form(tmp_path / "r.xlsx", [
            ["text", "first", "名称", "Name"],
            ["barcode", "code", "条码", "Code"],
            ["select_one_from_file towns.csv", "town", "乡镇", "Town"],
            ["begin_repeat", "products", "产品", "Products"],
            ["text", "product", "产品名称", "Product"],
            ["begin_repeat", "lots", "批次", "Lots"],
            ["text", "lot", "批号", "Lot"],
            ["end_repeat", "", "", ""],
            ["end_repeat", "", "", ""],
        ]))
    found = {p.question: p.message.format(**p.params) for p in refused.value.problems}
    assert "use a text question for the code" in found["code"]
    assert "towns.csv" in found["town"] and "choices sheet" in found["town"]
    assert "begin_repeat within begin_repeat" in found["lots"]
    assert "products" not in found  # the outer repeat group itself is fine


def test_documents_and_recordings_are_questions(tmp_path: Path) -> None:
    """Issue 32: file, audio and video (and pyxform's other names for an upload of each)
    are asked, answered with a document, a recording or a video; background-audio (a
    recording Choucha would make by itself) and osm are still refused, with what to do."""
    loaded = load_xlsform(form(tmp_path / "m.xlsx", [
        ["file", "licence_scan", "许可证扫描件", "Licence scan", "yes"],
        ["audio", "statement", "当事人陈述录音", "Party's statement"],
        ["video", "walkthrough", "现场视频", "Walk-through", "", "${statement} != ''"],
        ["q audio", "noise", "噪声录音", "Noise"],
        ["add video prompt", "clip", "视频", "Clip"],
        ["add file prompt", "invoice", "发票", "Invoice"],
        ["q picture", "front", "门头照片", "Shop front"],
    ]))
    assert [(q.name, q.type) for q in loaded.questions] == [
        ("licence_scan", "file"), ("statement", "audio"), ("walkthrough", "video"),
        ("noise", "audio"), ("clip", "video"), ("invoice", "file"), ("front", "image")]
    scan, _, walkthrough = loaded.questions[:3]
    assert scan.required and walkthrough.relevant == "${statement} != ''"
    with pytest.raises(ChecklistError) as refused:
        load_xlsform(form(tmp_path / "r.xlsx", [
            ["file", "scan", "扫描件", "Scan"],
            ["background-audio", "ambient", "环境录音", "Ambient"],
            ["osm", "plan", "平面图", "Floor plan"],
        ]))
    found = {p.question: p.message.format(**p.params) for p in refused.value.problems}
    assert set(found) == {"ambient", "plan"}
    assert "Choucha records no sound" in found["ambient"]


def test_what_each_question_answered_with_files_takes() -> None:
    """A file question takes a PDF, an image, an office document or text (by type or by
    the name's ending), not an archive or a program; audio a voice message, an audio file
    or an audio document; video a video, a round video or a video document; nothing larger
    than a bot may download (Telegram's getFile: 20 MB)."""
    from bot.rules.evidence import MAX_DOWNLOAD, FileKind, Incoming, Unfit, unfit

    def doc(name: str, mime: str | None = None, size: int = 1000) -> Incoming:
        return Incoming.of(FileKind.DOCUMENT, mime, name, size)

    voice = Incoming.of(FileKind.VOICE, None, None, 5000)
    photo = Incoming.of(FileKind.PHOTO, None, None, 5000)
    video_note = Incoming.of(FileKind.VIDEO_NOTE, None, None, 5000)
    assert voice.mime == "audio/ogg" and video_note.mime == "video/mp4"
    for fits in (doc("report.pdf", "application/pdf"), doc("scan.PNG", "image/png"),
                 doc("台账.xlsx"), doc("notes.txt", "text/plain"), doc("发票.ofd"),
                 doc("记录.wps"), doc("minutes.docx", "application/octet-stream"), photo):
        assert unfit("file", fits) is None, fits
    for wrong in (doc("setup.exe", "application/x-msdownload"),
                  doc("all.zip", "application/zip"), voice, video_note):
        assert unfit("file", wrong) == Unfit.WRONG_KIND, wrong
    for fits in (voice, Incoming.of(FileKind.AUDIO, "audio/mpeg", "a.mp3", 9),
                 doc("call.m4a", "audio/mp4"), doc("call.amr")):
        assert unfit("audio", fits) is None, fits
    for wrong in (photo, video_note, doc("report.pdf", "application/pdf")):
        assert unfit("audio", wrong) == Unfit.WRONG_KIND, wrong
    for fits in (video_note, Incoming.of(FileKind.VIDEO, None, "v.mp4", 9),
                 doc("clip.mov", "video/quicktime")):
        assert unfit("video", fits) is None, fits
    assert unfit("video", voice) == Unfit.WRONG_KIND
    assert unfit("image", doc("scan.png", "image/png")) is None
    assert unfit("image", doc("report.pdf", "application/pdf")) == Unfit.WRONG_KIND
    big = doc("scans.pdf", "application/pdf", MAX_DOWNLOAD + 1)
    assert unfit("file", big) == Unfit.TOO_LARGE
    assert unfit("file", doc("scans.pdf", "application/pdf", MAX_DOWNLOAD)) is None
    # the kind first: a large program is refused as a program
    assert unfit("file", doc("big.exe", None, MAX_DOWNLOAD + 1)) == Unfit.WRONG_KIND


async def test_checklist_preview_on_the_command_line(tmp_path: Path) -> None:
    """The office reads a form's questions and logic before loading it; a form that cannot
    load names each question and what to do; nothing touches a database."""
    from tests.support import forms
    from tests.support.helpers import choucha

    env = {"CHOUCHA_DB": str(tmp_path / "choucha.sqlite3")}
    code, out, err = await choucha(env, "checklist", "preview",
                                   str(forms.form(tmp_path / "f.xlsx")))
    assert code == 0, err
    assert "1. Business status [status, choose one]" in out
    assert "2. Specify other [status_other, text]" in out
    assert "choices offered only where region=${region}" in out
    assert "required when ${bad} > 0" in out and "computed as round(" in out
    bad = form(tmp_path / "bad.xlsx", [["background-audio", "clip", "录音", "Clip"]])
    code, out, err = await choucha(env, "checklist", "preview", str(bad))
    assert code == 1 and "clip: question type background-audio cannot be answered" in err
    assert "Traceback" not in err
    code, _, err = await choucha(env, "checklist", "preview", str(tmp_path / "none.xlsx"))
    assert code == 2 and "There is no file" in err
    assert not (tmp_path / "choucha.sqlite3").exists()  # a preview loads nothing


def test_choice_names_and_read_only_questions(tmp_path: Path) -> None:
    """jr:choice-name() gives the chosen label (the record's Chinese); a read-only question
    with a calculation is shown, computed, never asked; one without is shown as a note."""
    workbook_path = tmp_path / "c.xlsx"
    workbook = Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label::zh", "label::en", "calculation", "readonly"])
    survey.append(["select_one st", "status", "经营状态", "Status", "", ""])
    survey.append(["calculate", "said", "状态说明", "Status said",
                   "concat('状态：', jr:choice-name(${status}, '${status}'))", ""])
    survey.append(["text", "code", "编号", "Code", "concat('SC-', ${status})", "yes"])
    survey.append(["text", "fixed", "固定说明", "Fixed text", "", "yes"])
    survey.append(["text", "remark", "备注", "Remark", "", ""])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label::zh", "label::en"])
    choices.append(["st", "open", "营业", "Open"])
    choices.append(["st", "closed", "停业", "Closed"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id"])
    settings.append(["SC-001"])
    workbook.save(workbook_path)
    loaded = load_xlsform(workbook_path)
    kinds = {q.name: q.type for q in loaded.questions}
    assert kinds == {"status": "select_one", "said": "calculate", "code": "calculate",
                     "fixed": "note", "remark": "text"}
    answers = {"status": rules.Answer("closed")}
    assert [q.name for q in rules.relevant_questions(loaded, answers, TODAY)] == [
        "status", "remark"]
    shown = {q.name: value for q, value in rules.calculated(loaded, answers, TODAY)}
    assert shown == {"said": "状态：停业", "code": "SC-closed"}


async def test_select_one_from_file_with_its_csv_in_a_zip(core: Core, tmp_path: Path) -> None:
    """select_one_from_file: the form and its CSV come together in a .zip; its columns serve
    a choice_filter. Without the CSV, or with two forms, nothing is loaded and the report
    says why."""
    sheet = form(tmp_path / "f.xlsx", [
        ["select_one st", "status", "经营状态", "Status", "yes"],
        ["select_one_from_file towns.csv", "town", "乡镇", "Town", "yes"],
    ])
    towns = ("name,label::zh,label::en,region\nmangshi,芒市镇,Mangshi,north\n"
             "zhefang,遮放镇,Zhefang,south\n")
    bundle = tmp_path / "form.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(sheet, "SC-001.xlsx")
        archive.writestr("towns.csv", towns.encode("utf-8-sig"))
    await load_county(core, tmp_path / "county", 5, 2, checklists=False)
    report = await import_file(core, SYSTEM, bundle, "form.zip")
    assert report.ok and report.kind == "checklist", report.problems
    async with core.db.read() as rtx:
        stored = await rtx.directory.checklist_form("SC-001")
    assert stored is not None
    town = Checklist.from_json(stored).questions[1]
    assert [(c.name, c.label["zh_CN"], c.fields["region"]) for c in town.choices] == [
        ("mangshi", "芒市镇", "north"), ("zhefang", "遮放镇", "south")]
    alone = tmp_path / "alone.zip"
    with zipfile.ZipFile(alone, "w") as archive:
        archive.write(sheet, "SC-001.xlsx")
        archive.writestr("readme.txt", "no csv")
    report = await import_file(core, SYSTEM, alone, "alone.zip")
    assert not report.ok and "towns.csv" in str(report.problems[0].params)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.write(sheet, "a.xlsx")
        archive.write(sheet, "b.xlsx")
    report = await import_file(core, SYSTEM, two, "two.zip")
    assert not report.ok and "exactly one XLSForm" in report.problems[0].message


def test_pyxform_aliases_load_and_old_pyxform_features_are_refused_by_name(
        tmp_path: Path) -> None:
    """Types pyxform knows under other names load as what they are ("string" is text,
    "phone number" text of digits, "start time" metadata, …); pyxform's old loop, include
    and cascading_select, and external selects, are refused naming the question and the
    type as written, with what to write instead."""
    loaded = load_xlsform(form(tmp_path / "a.xlsx", [
        ["start time", "began"], ["uri:deviceid", "device"], ["get today", "day"],
        ["string", "shop", "店名", "Shop"], ["int", "staff", "人数", "Staff"],
        ["phone number", "tel", "电话", "Phone"], ["datetime", "seen", "时间", "Seen at"],
        ["location", "where", "位置", "Where"], ["q picture", "front", "门头", "Front"],
    ]))
    assert [(q.name, q.type) for q in loaded.questions] == [
        ("shop", "text"), ("staff", "integer"), ("tel", "text"), ("seen", "dateTime"),
        ("where", "geopoint"), ("front", "image")]
    assert dict(loaded.meta) == {"began": "start", "device": "deviceid", "day": "today"}
    tel = loaded.questions[2]
    rules.check_constraint(tel, "13800000000", {}, TODAY, "en")
    with pytest.raises(rules.Invalid):
        rules.check_constraint(tel, "138-0000", {}, TODAY, "en")
    with pytest.raises(ChecklistError) as refused:
        load_xlsform(form(tmp_path / "old.xlsx", [
            ["text", "first", "名称", "Name"],
            ["select one external yn", "ext", "外部", "External"],
        ]))
    found = {p.question: p.message.format(**p.params) for p in refused.value.problems}
    assert found["ext"].startswith("question type select one external yn has no choices in"
                                   " the form's external_choices sheet")
    assert "" not in found  # "no questions" only when nothing else is wrong


def test_select_one_external_reads_the_external_choices_sheet(tmp_path: Path) -> None:
    """select_one_external keeps its choices in the workbook's external_choices sheet; they
    cascade through the choice_filter like any select."""
    from openpyxl import load_workbook

    path = with_columns(form(tmp_path / "e.xlsx", [
        ["select_one st", "status", "经营状态", "Status"],
        ["select_one_external town", "town", "乡镇", "Town"],
    ]), {"choice_filter": {3: "status=${status}"}})
    workbook = load_workbook(path)
    external = workbook.create_sheet("external_choices")
    for row in (["list_name", "name", "label::zh", "label::en", "status"],
                ["town", "mangshi", "芒市镇", "Mangshi", "open"],
                ["town", "zhefang", "遮放镇", "Zhefang", "closed"]):
        external.append(row)
    workbook.save(path)
    loaded = load_xlsform(path)
    town = loaded.questions[1]
    assert town.type == "select_one" and [c.label["en"] for c in town.choices] == [
        "Mangshi", "Zhefang"]
    offered = rules.choices_for(town, loaded, {"status": rules.Answer("closed")}, TODAY)
    assert [c.name for _, c in offered] == ["zhefang"]


def test_inside_an_entry_a_question_sees_its_own_entry(tmp_path: Path) -> None:
    """Relevance, constraints and calculations inside entry n read entry n's answers (an
    or_other's "specify other" follows its own entry's choice); outside, the entries are
    a set (count, sum, indexed-repeat); a blanked entry answer stops counting."""
    path = tmp_path / "r.xlsx"
    workbook = Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    for row in (["type", "name", "label", "relevant", "calculation", "constraint"],
                ["begin_repeat", "shop", "Shop"],
                ["select_one st or_other", "status", "Status"],
                ["integer", "bad", "Expired", "${status} = 'open'", "", ". <= 100"],
                ["calculate", "n", "", "", "position(..)"],
                ["end_repeat"],
                ["calculate", "total", "Total", "", "sum(${bad})"],
                ["calculate", "second", "Second", "", "indexed-repeat(${status}, ${shop}, 2)"]):
        survey.append(row)
    choices = workbook.create_sheet("choices")
    for row in (["list_name", "name", "label"], ["st", "open", "Open"],
                ["st", "closed", "Closed"]):
        choices.append(row)
    workbook.save(path)
    form = load_xlsform(path)
    answers = {"shop#0": rules.Answer("yes"), "status#1": rules.Answer("other"),
               "status_other#1": rules.Answer("装修"), "shop#1": rules.Answer("yes"),
               "status#2": rules.Answer("open"), "bad#2": rules.Answer("4"),
               "shop#2": rules.Answer("no")}
    asked = rules.expand(form, answers, TODAY)
    relevant = [q.name for q in rules.relevant_questions(asked, answers, TODAY)]
    assert relevant == ["shop#0", "status#1", "status_other#1", "shop#1", "status#2",
                        "bad#2", "shop#2"]  # no "bad" in entry 1, no "specify" in entry 2
    values = rules.form_values(asked, answers, TODAY)
    assert values["n#2"] == 2.0 and values["second"] == "open"
    assert str(values["total"]) == "nan"  # entry 1 has no "bad": a blank sums to NaN (XPath)
    answers |= {"status#1": rules.Answer("open"), "bad#1": rules.Answer("3")}
    values = rules.form_values(rules.expand(form, answers, TODAY), answers, TODAY)
    assert values["total"] == 7.0
    # Entry 2 changes its mind: its "bad" is blanked and stops counting.
    answers["status#2"] = rules.Answer("closed")
    values = rules.form_values(rules.expand(form, answers, TODAY), answers, TODAY)
    assert values["bad#2"] == "" and str(values["total"]) == "nan"
    assert rules.later_entries(asked, rules.question(asked, "shop#1"), answers) == [
        "bad#2", "shop#2", "status#2"]


def test_readonly_written_as_an_expression(tmp_path: Path) -> None:
    """`readonly` as an expression: while it holds the question is not asked (nor reached
    with Back), yet stays in the relevant questions with its answer (review and record)."""
    from bot.i18n import translator
    from bot.views.checklists import preview_lines

    loaded = load_xlsform(with_columns(form(tmp_path / "r.xlsx", [
        ["select_one st", "status", "经营状态", "Status", "yes"],
        ["text", "licence", "许可证号", "Licence no."],
        ["text", "note", "备注", "Remarks"],
    ]), {"readonly": {3: "${status} = 'closed'"}}))
    assert loaded.questions[1].readonly_if == "${status} = 'closed'"
    closed = {"status": rules.Answer("closed"), "licence": rules.Answer("JY123")}
    assert [q.name for q in rules.answerable(loaded, closed, TODAY)] == ["status", "note"]
    assert [q.name for q in rules.relevant_questions(loaded, closed, TODAY)] == [
        "status", "licence", "note"]
    assert rules.next_open(loaded, {"status": rules.Answer("closed")}, TODAY).name == "note"
    assert rules.previous(loaded, closed, TODAY, "note").name == "status"
    opened = {"status": rules.Answer("open")}
    assert rules.next_open(loaded, opened, TODAY).name == "licence"
    assert any("read-only (not asked) when ${status} = 'closed'" in line
               for line in preview_lines(translator("en"), loaded))


def test_defaults_as_the_author_wrote_them(tmp_path: Path) -> None:
    """A default is suggested as it would be stored: a value, or an expression computed
    from the answers so far; one that does not fit the question is not suggested."""
    loaded = load_xlsform(with_columns(form(tmp_path / "d.xlsx", [
        ["integer", "staff", "人数", "Staff"],
        ["date", "day", "日期", "Day"],
        ["text", "again", "复述", "Again"],
        ["select_multiple yn", "both", "两者", "Both"],
        ["integer", "bad", "坏值", "Bad"],
        ["integer", "over", "超限", "Over"],
    ]), {"default": {2: "10", 3: "today()", 4: "${staff}", 5: "no yes", 6: "many", 7: "500"},
         "constraint": {7: ". < 100"}}))
    answers = {"staff": rules.Answer("7")}
    values = rules.form_values(loaded, answers, TODAY)
    staff, day, again, both, bad, over = loaded.questions
    assert rules.default_answer(staff, values, TODAY) == "10"
    assert rules.default_answer(day, values, TODAY) == TODAY.isoformat()
    assert rules.default_answer(again, values, TODAY) == "7"
    assert rules.default_answer(both, values, TODAY) == "yes no"  # in the choices' order
    assert rules.selection(both, loaded, answers, TODAY) == ["yes", "no"]
    assert rules.default_answer(bad, values, TODAY) is None  # not a whole number
    assert rules.default_answer(over, values, TODAY) is None  # breaks its constraint


def test_a_repeat_stops_offering_another_entry_at_its_limit() -> None:
    from bot.rules.checklist import MAX_ENTRIES, Question, Repeat

    form = Checklist("SC-001", "t", "1", (Question("what", "text", {"en": "What"},
                                                   repeat="finding"),),
                     repeats=(Repeat("finding", {"en": "Finding"}, ("what",)),))
    answers = {f"finding#{n}": rules.Answer("yes") for n in range(MAX_ENTRIES + 5)}
    names = [q.name for q in rules.expand(form, answers, TODAY).questions]
    assert names.count("what#1") == 1 and f"what#{MAX_ENTRIES}" in names
    assert f"what#{MAX_ENTRIES + 1}" not in names
    assert names[-1] == f"what#{MAX_ENTRIES}"  # no "add another?" after the last one
