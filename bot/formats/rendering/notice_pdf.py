"""The 检查结果告知书: the inspected party told the result of its check (000 二(六):
依法及时将联合抽查情况及查处结果告知被抽查对象). Made when the record is submitted, from the
record's own content, for the leader to print or forward: each item's result in the legal
wording of 003 第二十三条, the order given and what follows, how the result is published,
how to object, and the record's verification (its QR code opens the public site's page of
the record, CHOUCHA_PUBLIC_URL/r/<hash>). Nothing of the record the party has not seen:
no answers, no photos, no signatures."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from bot.formats.rendering.page import CjkDocument
from bot.rules import methods
from bot.rules import visit as rules
from bot.rules.methods import CheckMethod


class _Notice(CjkDocument):
    def __init__(self, record_hash: str) -> None:
        super().__init__("检查结果告知书")
        self.record_hash = record_hash

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=7)
        self.cell(0, 5, f"检查记录哈希 SHA-256 {self.record_hash} · 第 {self.page_no()} 页",
                  align="C")

    def paragraph(self, text: str, size: float = 10.5, align: str = "J") -> None:
        self.set_font("cjk", size=size)
        self.multi_cell(0, 6.2, text, new_x="LMARGIN", new_y="NEXT", align=align)


def notice_pdf(content: dict[str, Any], submitted_at: str, record_hash: str, tz: tzinfo,
               objection: str, verify_url: str | None = None) -> bytes:
    """The notice's PDF bytes, from a record's `content` (bot/services/visits/state.py),
    its submission time and hash; `objection`, how to object (CHOUCHA_OBJECTION)."""
    task, items = content["task"], content["items"]
    pdf = _Notice(record_hash)
    pdf.add_page()
    pdf.set_font("cjk", size=17)
    pdf.cell(0, 12, "检查结果告知书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    day = datetime.fromisoformat(submitted_at).astimezone(tz).date()
    departments = "、".join(dict.fromkeys(str(i["department"]) for i in items))
    used = "、".join(dict.fromkeys(methods.wording(CheckMethod(i["method"]))
                                  if i.get("method") else methods.wording(None) for i in items))
    pdf.paragraph(f"{task['target_name']}（统一社会信用代码：{task['target_code']}）：")
    pdf.paragraph(f"    根据“{task['plan']}”，{departments}以{used}方式对你单位进行了抽查"
                  f"（“双随机、一公开”），检查记录于 {day.isoformat()} 提交。"
                  "现将检查结果告知如下：")
    pdf.ln(2)
    for number, item in enumerate(items, start=1):
        _item(pdf, number, item)
    if content.get("correction"):
        pdf.paragraph(f"本告知书依据更正后的检查记录（更正原因：{content['correction']['reason']}），"
                      "此前告知的结果以本告知书为准。", size=9.5)
    pdf.ln(2)
    pdf.paragraph("    抽查结果将依法通过相关网站向社会公示（“一公开”）；涉及国家秘密、商业秘密和"
                  "个人隐私的，依法调整公开方式和范围。", size=9.5)
    pdf.paragraph(f"    {objection}", size=9.5)
    team = "、".join(f"{m['name']}（执法证号 {m['cert_no']}）" for m in content["team"])
    pdf.paragraph(f"检查人员：{team}", size=9)
    pdf.ln(2)
    pdf.paragraph(f"{departments}（盖章）", align="R")  # where the office seals it
    pdf.paragraph(f"{day.year} 年 {day.month} 月 {day.day} 日", align="R")
    _verification(pdf, verify_url, record_hash, task["id"])
    return bytes(pdf.output())


def _item(pdf: _Notice, number: int, item: dict[str, Any]) -> None:
    """An item: its result in the legal wording, the order given, what follows."""
    pdf.set_font("cjk", size=10.5)
    method = methods.wording(CheckMethod(item["method"])) if item.get("method") else ""
    pdf.multi_cell(0, 6.2, f"{number}. {item['name']}（{item['department']}"
                           f"{'，' + method if method else ''}）", new_x="LMARGIN", new_y="NEXT")
    pdf.paragraph(f"    检查结果：{item['result_wording'] or '—'}")
    detail = item.get("detail") or {}
    if detail.get("kind"):
        pdf.paragraph(f"    不配合情形：{rules.NONCOOPERATION[detail['kind']][0]}"
                      "（003 第二十六条：将依法记录并公示）", size=9.5)
    if detail.get("order"):
        pdf.paragraph(f"    责令改正：{detail['order']}", size=9.5)
    follow = item.get("follow_up")
    if follow:
        pdf.paragraph(f"    后续处理：{rules.FOLLOW_UPS[follow['kind']][0]}，期限 {follow['due']}",
                      size=9.5)


def _verification(pdf: _Notice, verify_url: str | None, record_hash: str,
                  task_id: int) -> None:
    """The record's QR code and hash: anyone can check that this notice matches it."""
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, "核验：扫描二维码可查看检查记录在公示网站上的核验页面，"
                         "确认本告知书所依据的检查记录真实有效。" if verify_url else
                   "核验：以下检查记录哈希唯一标识本告知书所依据的检查记录。",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.qr_code(verify_url or f"choucha:record:{task_id}:{record_hash}", 30)
    pdf.set_font("cjk", size=7.5)
    pdf.multi_cell(0, 4.5, f"检查记录哈希 SHA-256：{record_hash}", new_x="LMARGIN",
                   new_y="NEXT")
