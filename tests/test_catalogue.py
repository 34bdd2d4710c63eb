"""Every text a person reads is in their language: no untranslated English word in zh_CN
output, no Chinese in English output beyond the legal terms English readers are given in
Chinese on purpose. Covers every message of the catalogue, every gettext call in the code
(one hidden in an f-string is never extracted: the Mini App showed "Result:" and "Content
hash" in a Chinese page), the Mini App's page, and the record's PDF."""

from __future__ import annotations

import ast
import html
import re
import subprocess
from pathlib import Path
from typing import Any

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.i18n import extract_messages, translator
from bot.tg.app import BotRunner
from tests.support.catalogue import entries
from tests.support.helpers import probe
from tests.support.visits import at_signatures

ROOT = Path(__file__).resolve().parent.parent

# Latin words a Chinese text may hold, and why.
ALLOWED_LATIN = {
    # Names of products and services, written so in Chinese too.
    "Choucha": "the bot's name", "Telegram": "the messenger", "BotFather": "Telegram's bot",
    "Excel": "a product", "WPS": "a product", "Word": "a product", "XLSForm": "a standard",
    "PowerPoint": "a product (an office document a file question takes)",
    "SQLite": "the database's format", "Debian": "the operating system's name",
    "pyxform": "the XLSForm library, named where a form type is its own invention",
    "Start": "Telegram's own button, quoted as the person sees it (开始 is given too)",
    "English": "the language's own name, offered to switch to it",
    # Codes and acronyms read as such in Chinese documents.
    "PDF": "a file format", "CSV": "a file format", "TXT": "a file format",
    "ZIP": "a file format", "PNG": "a file format", "JPEG": "a file format",
    "OFD": "a file format (版式文档, GB/T 33190)",
    "JSON": "a file format", "Atom": "a feed format", "UTC": "the time standard",
    "html": "a file name's ending (index.html)", "https": "a protocol",
    "JavaScript": "a language", "WebCrypto": "the browser's cryptography",
    "DIR": "a placeholder of a command-line argument (choucha draw verify DIR)",
    # the draw's record.json fields, named as the file names them (docs/draw.md)
    "previous": "a field", "replacements": "a field", "skipped": "a field",
    "QR": "QR 码", "ID": "a code", "GPS": "a code", "SHA": "the hash's name (SHA-256)",
    "GBK": "an encoding", "MB": "a unit", "KiB": "a unit", "NUL": "a character's name",
    "SCJGJ": "an example department code (市场监管局)",
    "NAME": "a placeholder of a command-line option (--bot-username NAME_bot)",
    # XLSForm's own vocabulary: the sheet, column and type names the office writes.
    "survey": "XLSForm sheet", "choices": "XLSForm sheet", "settings": "XLSForm sheet",
    "type": "XLSForm column", "name": "XLSForm column", "label": "XLSForm column",
    "relevant": "XLSForm column", "text": "XLSForm type", "integer": "XLSForm type",
    "image": "XLSForm type", "geopoint": "XLSForm type", "yn": "an example list name",
    # Words typed on the command line or after a command.
    "inspector": "a --role value", "supervisor": "a --role value", "office": "a --role value",
    "admin": "a --role value", "run": "choucha run", "python": "python -m handlers.main",
    "plan": "/digest plan", "bot": "a bot's user name ends in _bot",
}
# Whole messages shown in both languages on purpose.
BILINGUAL = {"Choose your language / 选择语言": "before a language is chosen"}
# Chinese an English text holds on purpose: the documents' own terms (the glossary,
# ../shared/DESIGN.md), articles cited, values typed in the sheets, examples.
ARTICLE = re.compile(r"^第[一二三四五六七八九十百]+条$")
CJK_IN_ENGLISH = {
    "更正", "执法证号", "身份证号", "执法证", "未在岗", "统一社会信用代码", "执法回避",
    "双随机、一公开", "重点", "一般", "未注册", "注册号", "抽查", "身份证", "见证人",
    "部门协同监管平台", "公示", "抽查结果汇总表", "中国福利彩票", "行政处罚决定书文号",
    "责令改正", "行政处罚法", "当事人意见", "年度抽查工作计划", "执法检查人员名录库",
    "抽查事项清单", "检查对象名录库", "行政处罚决定", "草稿", "待签", "试填", "执法证失效",
    # the sheets' values and headers, as the office types them
    "健康状况", "岗位调整", "离职", "长期请假", "其他", "调岗", "工作冲突", "无", "区域", "行业",
    "是", "否", "经营异常、严重失信、投诉", "年", "月", "日", "二", "四", "、",
    "分管负责人",  # the value of the inspector directory's 角色 column
    # examples and names
    "芒市公安局", "芒市、遮放", "餐饮", "中文", "选择语言",
    # publishing the list and the plans (issue 31): the approving document's number, its
    # example, and the terms of the regime
    "文号", "腾市监〔", "〕", "号", "抽查计划", "一公开", "跨部门联合", "双随机", "不配合检查",
    "抽查任务公告",
    "抽查结果",
    # 检查方式 as the plans' sheet takes it (issue 32)
    "检查方式", "实地核查", "书面检查", "网络监测", "委托专业机构", "书面检查；",
    "检查结果告知书", "六",
}


def latin_words(text: str) -> set[str]:
    """The English words of a Chinese text: placeholders, markup, addresses, commands and
    options, file names and codes (a word with a digit, _, . or -) taken out."""
    text = re.sub(r"\{[a-z_0-9]*(:[^}]*)?\}", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"(?<![\w])/[a-z_]+", " ", text)
    text = re.sub(r"\b[a-z]+/[\w./-]+", " ", text)  # a path: docs/draw.md
    text = re.sub(r"[\w-]*\.(xlsx|xls|csv|tsv|json|pdf|zip|md|py|txt|keys|key)\b", " ", text)
    text = re.sub(r"(?<![\w])--?[a-z][a-z-]*", " ", text)
    text = re.sub(r"\bchoucha( [a-z][a-z-]*)+", " ", text)
    text = re.sub(r"\b[A-Z][a-z]+/[A-Za-z_]+", " ", text)  # a time zone: Asia/Shanghai
    words = set()
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-']*", text):
        if len(token) > 1 and not re.search(r"[0-9_.\-]", token):  # not A–D, X
            words.add(token)
    return words


def cjk_terms(text: str) -> set[str]:
    return set(re.findall(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+", text))


def english_left(text: str) -> set[str]:
    return latin_words(text) - set(ALLOWED_LATIN)


def chinese_left(text: str) -> set[str]:
    return {term for term in cjk_terms(text)
            if term not in CJK_IN_ENGLISH and not ARTICLE.match(term)}


def test_every_gettext_call_in_the_code_is_in_the_catalogue() -> None:
    """Babel does not look inside f-strings: t._("Result") there was never extracted, and
    the Mini App showed it in English on a Chinese page."""
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract_messages()
                 if m.id}
    called: dict[str, str] = {}
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if not (isinstance(node, ast.Call) and node.args
                        and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("_", "gettext", "ngettext", "N_"):
                    called.setdefault(node.args[0].value,
                                      f"{path.relative_to(ROOT)}:{node.lineno}")
    missing = {msgid: where for msgid, where in called.items() if msgid not in extracted}
    assert missing == {}


def test_no_chinese_message_keeps_english_words() -> None:
    problems = {}
    for entry in entries("zh_CN"):
        if entry.ids[0] in BILINGUAL:
            continue
        for msgid, text in zip(entry.ids * len(entry.strings), entry.strings, strict=False):
            left = english_left(text)
            if not text or left or (text == msgid and latin_words(msgid)):
                problems[msgid] = (text, sorted(left))
    assert problems == {}


def test_no_english_message_holds_chinese_beyond_its_terms() -> None:
    problems = {}
    for entry in entries("en"):
        if entry.ids[0] in BILINGUAL:
            continue
        for text in entry.strings:
            if left := chinese_left(text):
                problems[text] = sorted(left)
    assert problems == {}


def test_negative_controls() -> None:
    """The checks see what they are for, and nothing of what they leave out."""
    assert english_left("结果：{result}，见 https://t.me/x，用 /tasks 或 choucha people") == set()
    assert english_left("Result: 不合格") == {"Result"}
    assert english_left("内容哈希 Content hash SHA-256") == {"Content", "hash"}
    assert chinese_left("the 更正 of 第二十五条") == set()
    assert chinese_left("Result: 结果") == {"结果"}


def _data_strings(value: Any) -> list[str]:
    """Every text a record's content holds (names, answers, …): the reader's data, in
    whatever language it was written, not the page's words."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _data_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _data_strings(v)]
    return []


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _visible(html_text: str) -> str:
    html_text = re.sub(r"<(script|style)\b.*?</\1>", " ", html_text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


async def test_the_mini_app_page_and_the_record_pdf_in_each_language(
        signing: BotRunner, emulator: Emulator, server: EmulatorServer,
        tmp_path: Path) -> None:
    from bot.formats.rendering.record_pdf import record_pdf
    from bot.services.visits.state import load
    from bot.tg.webapp import page_html
    from bot.views.handsign import labels, record_html
    from storage.files import read_blob

    core = signing.core
    await at_signatures(signing, emulator, tmp_path)
    visit_id = probe(signing.settings, "SELECT id FROM visits")[0][0]
    async with core.db.read() as rtx:
        state = await load(rtx, visit_id, core.today(), core.settings.tz)
    data = sorted(set(_data_strings(state.content())), key=len, reverse=True)

    def without_data(text: str) -> str:
        for value in data:
            if value.strip():
                text = text.replace(value, " ")
        return text

    for lang in ("zh_CN", "en"):
        t = translator(lang)
        words = labels(t)
        shown = " ".join([_visible(page_html(t)), _visible(record_html(t, state)),
                          *[v for v in words.values() if isinstance(v, str)],
                          *[text for pairs in (words["roles"], words["opinions"])
                            for _, text in pairs]])
        shown = without_data(shown)
        if lang == "zh_CN":
            assert english_left(shown) == set(), shown
            assert "内容哈希：" in shown and "Result" not in shown
        else:
            assert chinese_left(shown) == set(), shown
            assert "Content hash: " in shown and "Result: " in shown

    # The record's PDF, drafted and final: an official document in Chinese.
    for draft in (True, False):
        pdf = record_pdf(state.content(), state.signature_records(),
                         {} if draft else {"by": "张三", "at": "2026-12-01T08:00:00+00:00"},
                         "0" * 64, lambda sha: read_blob(core.files_root, sha),
                         core.settings.tz, draft=draft)
        path = tmp_path / "record.pdf"
        path.write_bytes(pdf)
        text = _pdf_text(path)
        assert english_left(without_data(text)) == set(), text


def test_every_catalogue_passes_the_format_checks() -> None:
    """What `msgfmt -c` checks: a message babel reads as a %-format (a "5% or" in a text)
    has a translation with the same placeholders, else compiling it fails."""
    from babel.messages.pofile import read_po

    problems = {}
    for lang in ("zh_CN", "en"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "choucha.po").open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message, errors in catalog.check():
            problems[(lang, str(message.id))] = [str(e) for e in errors]
    assert problems == {}
