"""How a question and its answer read on the record and on the phone."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from bot.rules import xpath
from bot.rules.checklist import (
    Question,
)
from bot.rules.visit.answers import Answer
from bot.rules.visit.form import scoped

# A question answered with files, as the phone counts them: photos, documents, recordings,
# videos (the record counts them in words: bot/services/visits/state.py).
FILE_ICONS = {"image": "📷", "file": "📎", "audio": "🎤", "video": "🎬"}


def display(question: Question, answer: Answer | None, language: str,
            photos: int = 0) -> str:
    """An answer as a person reads it (choice labels in their language); `photos`: how
    many files answer a question answered with files."""
    if answer is None:
        return "—"
    if answer.skipped:
        return "—"
    if question.type in ("select_one", "select_multiple"):
        labels = {c.name: c.label.get(language) or c.label.get("zh_CN") or c.name
                  for c in question.choices}
        return "、".join(labels.get(v, v) for v in answer.value.split())
    if question.type in FILE_ICONS:
        return f"{FILE_ICONS[question.type]} ×{photos}"
    if question.type == "geopoint":
        lat, _, lon = answer.value.partition(" ")
        return f"{lat}, {lon}"
    return answer.value


_OUTPUT_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}")


def label(question: Question, language: str,
          values: Mapping[str, xpath.Value] | None = None) -> str:
    """The label in the reader's language; with the form's values, its ${name} references
    read as the answers (ODK's output values: "How many staff work at ${shop}?")."""
    text = question.label.get(language) or question.label.get("zh_CN") or question.name
    return _filled(text, question, values)


def notice_filename(task_id: int, target_code: str, version: int) -> str:
    """The file name of a 检查结果告知书 (a correction's names its version)."""
    return record_filename(task_id, target_code, version).replace("record-", "notice-", 1)


def record_filename(task_id: int, target_code: str, version: int) -> str:
    """The file name of a record's PDF: a correction's names its version and which
    correction it is, so that it never takes the name of the record it supersedes
    ("record-12-9153….pdf", then "record-12-9153…-v2-correction1.pdf")."""
    code = re.sub(r"[^0-9A-Za-z]", "", target_code) or "target"
    if version <= 1:
        return f"record-{task_id}-{code}.pdf"
    return f"record-{task_id}-{code}-v{version}-correction{version - 1}.pdf"


_COLONS = (":", "：")


_ENDINGS = ("?", "？", "!", "！", "。", "…")  # a label that ends a sentence takes no colon


def labelled(label: str, value: str, language: str) -> str:
    """A label and its answer as one line, as the review and the record show them: the
    language's colon between them ("温度：18.5", "Temperature: 18.5"), one colon only when
    the label already ends with one, none after a question mark ("是否公示？是",
    "Disclosed? yes")."""
    text = label.rstrip()
    while text.endswith(_COLONS):
        text = text[:-1].rstrip()
    if text.endswith(_ENDINGS):
        return f"{text}{'' if unicodedata.east_asian_width(text[-1]) in 'FW' else ' '}{value}"
    return f"{text}：{value}" if language == "zh_CN" else f"{text}: {value}"


def hint(question: Question, language: str,
         values: Mapping[str, xpath.Value] | None = None) -> str:
    return _filled(question.hint.get(language) or question.hint.get("zh_CN") or "",
                   question, values)


def _filled(text: str, question: Question, values: Mapping[str, xpath.Value] | None) -> str:
    if values is None or "${" not in text:
        return text
    seen = scoped(values, question)
    return _OUTPUT_RE.sub(lambda m: xpath.to_string(seen.get(m.group(1), "")), text)
