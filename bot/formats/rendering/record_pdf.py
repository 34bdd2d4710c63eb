"""The check record (检查记录) and result summary (抽查结果汇总表) as a PDF.

Chinese text in the CJK font the set-up installs, symbols it lacks (℃, ①…) in the
fallback fonts (bot/formats/rendering/fonts.py); photo thumbnails with their SHA-256;
documents and recordings listed by name, type, size and SHA-256 (never played);
signatures or the refusal and its witness; a QR code carrying the record's hash.
The record is an official document, in Chinese only (no English glosses: the
catalogue test reads its text for English words).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from PIL import Image

from bot.formats.rendering.page import CjkDocument
from bot.i18n import translator
from bot.rules import methods
from bot.rules import visit as rules
from bot.rules.methods import CheckMethod
from bot.rules.records import CheckinFlag
from bot.texts.labels import flag_text

_ZH = translator("zh_CN")  # the record is an official document, in Chinese

THUMB = 38  # mm
# The party signed, in Telegram or on paper, or refused before a witness.
_PARTY_KINDS = ("party", "party_paper", "party_refused")


def _thumbnail(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (400, 400))  # JPEG: decode at a reduced size, much faster
            image = opened.convert("RGB")
        image.thumbnail((400, 400))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=70)
        return out.getvalue()
    except Exception:  # an unreadable photo keeps its hash in the record, without a picture
        return None


class _Record(CjkDocument):
    def __init__(self, record_hash: str, draft: bool = False) -> None:
        super().__init__("检查记录")
        self.record_hash = record_hash
        self.draft = draft

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=7)
        label = "草稿 · 待签 · 内容哈希" if self.draft else "记录哈希"
        self.cell(0, 5, f"{label} SHA-256 {self.record_hash} · 第 {self.page_no()} 页",
                  align="C")

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("cjk", size=12)
        self.set_fill_color(235, 240, 248)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT", fill=True)
        self.set_font("cjk", size=9.5)

    def line_of(self, text: str, size: float = 9.5) -> None:
        self.set_font("cjk", size=size)
        self.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT")


def _local(value: str | None, tz: tzinfo) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def record_pdf(content: dict[str, Any], signatures: list[dict[str, Any]],
               submitted: dict[str, Any], record_hash: str,
               photo: Callable[[str], bytes], tz: tzinfo, draft: bool = False,
               verify_url: str | None = None) -> bytes:
    """The PDF bytes; `photo(sha256)` returns a stored photo's bytes; times in `tz`.
    A `draft` is the record before submission, to print and sign on paper: marked
    草稿/待签, `record_hash` being the content hash the signatures confirm, with lines to
    sign for whoever has not signed yet."""
    pdf = _Record(record_hash, draft)
    pdf.add_page()
    task = content["task"]
    _title(pdf, record_hash, draft)
    _correction(pdf, content.get("correction"))
    _target(pdf, task)
    _team(pdf, content["team"])
    _checkins(pdf, content, submitted, tz)
    _findings(pdf, content, photo, tz)
    _materials(pdf, content.get("materials") or [], tz)
    _signatures(pdf, signatures, photo, tz)
    off_site = _off_site(content)
    if draft:
        _to_sign(pdf, content["team"], signatures, off_site)
        _verification(pdf, f"choucha:draft:{task['id']}:{record_hash}", 30)
        pdf.line_of("签名即确认上述内容；内容如有更改，须重新打印并签名。", size=8)
        return bytes(pdf.output())
    _signed(pdf, signatures, off_site)
    # The public site's page that confirms the record (CHOUCHA_PUBLIC_URL/r/<hash>); without
    # a public address, the record's identity in a form Choucha's tools read.
    _verification(pdf, verify_url or f"choucha:record:{task['id']}:{record_hash}", 36)
    pdf.line_of(f"记录哈希 SHA-256：{record_hash}", size=8)
    pdf.line_of("内容哈希（签名所确认的内容）：检查对象、检查组、签到、每一项回答（含作答人、时间及照片、"
                "文件、录音、视频的 SHA-256）、检查结果、责令改正与后续处理，不含签名。", size=7.5)
    pdf.line_of("记录哈希（本记录的最终版本）：上述内容、全部签名（含纸质签名照片、当事人的陈述与意见）"
                "及提交信息；记录提交后不可更改，更正另立新版本。", size=7.5)
    return bytes(pdf.output())


def _title(pdf: _Record, record_hash: str, draft: bool) -> None:
    """The title: the record and its articles, or the draft's mark and its content hash."""
    pdf.set_font("cjk", size=16)
    if draft:
        pdf.set_text_color(176, 32, 38)
        pdf.cell(0, 10, "检查记录（草稿 · 待签）", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("cjk", size=9)
        pdf.cell(0, 5, "草稿，待签名：下方的内容哈希唯一标识所签署的内容", align="C",
                 new_x="LMARGIN", new_y="NEXT")
        pdf.line_of(f"内容哈希 SHA-256：{record_hash}", size=8)
    else:
        pdf.cell(0, 10, "检查记录 · 抽查结果汇总表", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        pdf.cell(0, 5, "（003 第二十一、二十二条）", align="C",
                 new_x="LMARGIN", new_y="NEXT")


def _correction(pdf: _Record, correction: dict[str, Any] | None) -> None:
    """A correction's section: the version it corrects, who opened it and why."""
    if correction:
        pdf.heading("更正")
        pdf.line_of(f"本记录更正第 {correction['of_version']} 版（记录哈希"
                    f" {correction['of_record_hash'][:16]}），由 {correction['opened_by']} 提出。")
        pdf.line_of(f"更正原因：{correction['reason']}")


def _target(pdf: _Record, task: dict[str, Any]) -> None:
    """The firm checked, and the plan and window of the check."""
    pdf.heading("检查对象")
    pdf.line_of(f"名称：{task['target_name']}")
    pdf.line_of(f"统一社会信用代码：{task['target_code']}")
    pdf.line_of(f"地址：{task['address'] or '—'}")
    pdf.line_of(f"抽查计划：{task['plan']} · 检查期限 {task['window'][0]} 至 {task['window'][1]}")


def _team(pdf: _Record, team: list[dict[str, Any]]) -> None:
    """The team: each member's department and 执法证号, the leader marked."""
    pdf.heading("检查小组")
    for member in team:
        leader = "（组长）" if member["leader"] else ""
        pdf.line_of(f"{member['name']}{leader} · {member['department']} · 执法证号"
                    f" {member['cert_no']}")


def _checkins(pdf: _Record, content: dict[str, Any], submitted: dict[str, Any],
              tz: tzinfo) -> None:
    """When the check started, each member's check-in and place, and the submission."""
    pdf.heading("时间与签到")
    pdf.line_of(f"开始检查：{_local(content['started_at'], tz)}（{tz}）")
    if content.get("started_late"):
        pdf.line_of(f"注意：检查开始时已超过检查期限（{content['task']['window'][1]}）。")
    off_site = _off_site(content)
    if off_site is not None:
        pdf.line_of(f"检查方式：{off_site}，不在被检查对象场所签到。")
    for checkin in content["checkins"]:
        if checkin["skip_reason"]:
            pdf.line_of(f"{checkin['name']} 签到：{_local(checkin['at'], tz)}，"
                        f"未定位（{checkin['skip_reason']}）")
        else:
            pdf.line_of(f"{checkin['name']} 签到：{_local(checkin['at'], tz)}，位置"
                        f" {checkin['latitude']:.6f}, {checkin['longitude']:.6f}"
                        + (f"（注意：位置存疑：{_flag(checkin['flag'])}）"
                           if checkin.get("flag") else ""))
    if submitted.get("at"):
        pdf.line_of(f"提交：{_local(submitted['at'], tz)}，{submitted['by']}")


def _findings(pdf: _Record, content: dict[str, Any], photo: Callable[[str], bytes],
              tz: tzinfo) -> None:
    """The result for the whole visit (a shortcut) and its photos, then each item."""
    if content["shortcut"]:
        pdf.heading("检查情况（全部事项）")
        pdf.line_of(rules.RESULTS[content["shortcut"]][0])
        _photos(pdf, content["shortcut_photos"], photo)
    for number, item in enumerate(content["items"], start=1):
        _item(pdf, number, item, photo, tz)


def _item(pdf: _Record, number: int, item: dict[str, Any], photo: Callable[[str], bytes],
          tz: tzinfo) -> None:
    """One item: its basis, each answer with its author, time and photos, and its result."""
    pdf.heading(f"{number}. {item['name']}（{item['department']}）")
    pdf.line_of(f"依据：{item['basis']}", size=8.5)
    if item.get("method_wording"):
        pdf.line_of(f"检查方式：{item['method_wording']}", size=8.5)
    pdf.line_of(f"检查人员：{item['answerer'] or '—'} · 检查表版本"
                f" {item['checklist_version'] or '—'}", size=8.5)
    for answer in item["answers"]:
        value = "（跳过）" if answer["skipped"] else answer["display"]
        pdf.line_of("· " + rules.labelled(answer["label"], value, "zh_CN"))
        if not answer.get("calculated"):  # a calculation has no author or time
            pdf.line_of(f"   {answer['by']} · {_local(answer['at'], tz)}", size=7.5)
        _photos(pdf, answer["photos"], photo)
        _files(pdf, answer["type"], answer.get("files") or [])
    _result(pdf, item, tz)


# A question answered with documents or recordings: what each file is called in the record.
_FILE_WORDS = {"file": "文件", "audio": "录音", "video": "视频"}


def _files(pdf: _Record, kind: str, files: list[dict[str, Any]]) -> None:
    """Each document or recording by its number, name, type, size and SHA-256; kept with
    the record, not shown (a recording is not played in a PDF)."""
    if not files:
        return
    word = _FILE_WORDS.get(kind, "文件")
    for number, entry in enumerate(files, start=1):
        size = f"{entry['size']:,} 字节" if entry.get("size") is not None else "—"
        pdf.line_of(f"   {word} {number}：{entry.get('name') or '（无文件名）'} · {entry['mime']}"
                    f" · {size}", size=7.5)
        pdf.line_of(f"   {word} {number} SHA-256 {entry['sha256']}", size=6.5)
    if kind in ("audio", "video"):
        pdf.line_of(f"   （{word}随记录保存，本记录不播放，凭 SHA-256 核对。）", size=7)


def _result(pdf: _Record, item: dict[str, Any], tz: tzinfo) -> None:
    """An item's result: its wording, the non-cooperation, the order and the follow-up."""
    wording = item["result_wording"] or "—"
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(0, 6.5, f"检查结果：{wording}", new_x="LMARGIN", new_y="NEXT")
    detail = item["detail"] or {}
    if detail.get("kind"):
        pdf.line_of(f"不配合情形：{rules.NONCOOPERATION[detail['kind']][0]}")
    if detail.get("circumstances"):
        pdf.line_of(f"具体情况：{detail['circumstances']}")
    if detail.get("order"):
        pdf.line_of(f"责令改正：{detail['order']}")
    if item["follow_up"]:
        follow = item["follow_up"]
        pdf.line_of(f"后续处理：{rules.FOLLOW_UPS[follow['kind']][0]}，期限 {follow['due']}，"
                    f"负责人 {follow['owner']}")
    pdf.line_of(f"结果认定：{item['result_by']} · {_local(item['result_at'], tz)}", size=7.5)


def _signatures(pdf: _Record, signatures: list[dict[str, Any]],
                photo: Callable[[str], bytes], tz: tzinfo) -> None:
    """Each signature: the members' (in Telegram or on paper), the party's or its refusal."""
    pdf.heading("签名")
    for signature in signatures:
        kind = signature["kind"]
        if kind == "member":
            pdf.line_of(f"检查人员 {signature['name']} 确认签名 · {_local(signature['at'], tz)}"
                        f" · Telegram {signature['tg_user_id']}")
        elif kind == "member_paper":
            recorder = signature.get("recorded_by") or "组长"
            pdf.line_of(f"检查人员 {signature['name']} 在纸质记录上签名（纸质签名，由"
                        f"{recorder}拍照录入）· {_local(signature['at'], tz)}")
            _photos(pdf, [signature["evidence_sha256"]], photo)
        elif kind == "party":
            _party_signature(pdf, signature, photo, tz)
        elif kind == "party_paper":
            pdf.line_of(f"被检查对象在纸质记录上签字或盖章 · {_local(signature['at'], tz)}")
            _photos(pdf, [signature["evidence_sha256"]], photo)
        else:
            pdf.line_of(f"被检查对象未签字：{signature['reason']} · 见证人：{signature['witness']}"
                        f" · {_local(signature['at'], tz)}")
            if signature["witness_sha256"]:
                _photos(pdf, [signature["witness_sha256"]], photo)


def _party_signature(pdf: _Record, signature: dict[str, Any],
                     photo: Callable[[str], bytes], tz: tzinfo) -> None:
    """The party's signature: who, how, their opinion and their handwriting if any."""
    role = signature.get("role")
    who = signature["name"] + (f"（{rules.PARTY_ROLES[role][0]}）" if role else "")
    last4 = signature.get("id_last4")
    handwritten = signature.get("png_sha256")
    how = "在检查人员手机上手写签名" if handwritten else "通过本人 Telegram 确认"
    if handwritten and pdf.get_y() + 60 > pdf.h - pdf.b_margin:
        pdf.add_page()  # the signer's statement and their signature on one page
    pdf.line_of(f"被检查对象签名：{who}"
                + (f" · 身份证件号码后四位 {last4}" if last4 else "")
                + f" · {how} · {_local(signature['at'], tz)}")
    if signature.get("opinion"):
        opinion = rules.OPINIONS[signature["opinion"]][0]
        if signature.get("opinion_text"):
            opinion += f"：{signature['opinion_text']}"
        pdf.line_of(f"当事人意见：{opinion}")
    if handwritten:
        _handwriting(pdf, handwritten, signature["strokes_sha256"], photo)


def _party_signed(signatures: list[dict[str, Any]]) -> bool:
    """Whether the party signed (in Telegram or on paper) or refused before a witness."""
    return any(s["kind"] in _PARTY_KINDS for s in signatures)


def _materials(pdf: _Record, materials: list[dict[str, Any]], tz: tzinfo) -> None:
    """What the party sent for a desk check through its link: each file by its SHA-256."""
    if not materials:
        return
    pdf.heading("当事人提交的书面材料")
    for m in materials:
        pdf.line_of(f"· {m['name']}（{m['mime']}，{m['size']:,} 字节，{_local(m['at'], tz)} 收到）")
        pdf.line_of(f"   SHA-256 {m['sha256']}", size=7.5)


def _off_site(content: dict[str, Any]) -> str | None:
    """The methods of a check nobody made on the party's premises (书面检查、网络监测), or None
    where the team was there for one item at least (or the record predates methods)."""
    used = [i.get("method") for i in content["items"]]
    if methods.on_site(CheckMethod(m) if m else None for m in used):
        return None
    return "、".join(dict.fromkeys(methods.wording(CheckMethod(m)) for m in used))


def _to_sign(pdf: _Record, team: list[dict[str, Any]], signatures: list[dict[str, Any]],
             off_site: str | None) -> None:
    """A draft's lines to sign on paper, for each member and the party not signed yet (the
    party only where the team was on its premises)."""
    signed = {s["name"] for s in signatures if s["kind"] in ("member", "member_paper")}
    for member in team:
        if member["name"] not in signed:
            pdf.ln(4)
            pdf.line_of(f"检查人员 {member['name']}（{member['department']}）签名："
                        "____________________  日期：____________")
    if not _party_signed(signatures) and off_site is None:
        pdf.ln(4)
        pdf.line_of("被检查对象签字或盖章：____________________  日期：____________")
        pdf.line_of("拒绝签字的，注明原因并由见证人签字：________________________________")


def _signed(pdf: _Record, signatures: list[dict[str, Any]], off_site: str | None) -> None:
    """Why a submitted record has no party's signature (not on its premises, or it could
    not be reached), and the hash signed."""
    if not _party_signed(signatures) and off_site is not None:
        pdf.line_of(f"本次以{off_site}方式检查，检查人员未到被检查对象场所，无当事人现场签字。")
    elif not _party_signed(signatures):
        pdf.line_of("被检查对象无法联系，未能取得签字（003 第二十一条）。")
    if signatures:
        pdf.line_of(f"签名所确认内容的哈希：{signatures[0]['content_hash']}", size=7.5)


def _verification(pdf: _Record, text: str, size: float) -> None:
    """The 核验 heading and a QR code of `text`, `size` mm wide."""
    pdf.heading("核验")
    pdf.qr_code(text, size)


def _handwriting(pdf: _Record, png_sha256: str, strokes_sha256: str,
                 read: Callable[[str], bytes]) -> None:
    """A handwritten signature's image, at most 70 × 24 mm, with the hashes of the image
    and of its strokes (what the record hash covers)."""
    if pdf.get_y() + 34 > pdf.h - pdf.b_margin:
        pdf.add_page()
    y = pdf.get_y() + 1
    try:
        with Image.open(io.BytesIO(read(png_sha256))) as opened:
            image = opened.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.split()[3])
        buffer = io.BytesIO()
        flat.save(buffer, format="PNG")
        ratio = image.width / max(image.height, 1)
        width = min(70.0, 24.0 * ratio)
        pdf.image(buffer, x=pdf.l_margin, y=y, w=width, h=width / ratio)
        pdf.set_y(y + width / ratio + 1)
    except Exception:  # an unreadable file keeps its hash in the record, without a picture
        pdf.rect(pdf.l_margin, y, 70, 24)
        pdf.set_y(y + 25)
    pdf.line_of(f"手写签名图像 SHA-256 {png_sha256}", size=6.5)
    pdf.line_of(f"手写签名笔迹数据（坐标与时间）SHA-256 {strokes_sha256}", size=6.5)


def _photos(pdf: _Record, hashes: list[str], photo: Callable[[str], bytes]) -> None:
    """Thumbnails in rows, numbered; below each row, every photo's SHA-256 on its own line."""
    if not hashes:
        return
    x0 = pdf.l_margin
    per_row = int((pdf.w - pdf.l_margin - pdf.r_margin) // (THUMB + 4))
    for start in range(0, len(hashes), per_row):
        row = hashes[start:start + per_row]
        if pdf.get_y() + THUMB + 8 + 4 * len(row) > pdf.h - pdf.b_margin:
            pdf.add_page()
        y = pdf.get_y() + 1
        for index, sha in enumerate(row):
            x = x0 + index * (THUMB + 4)
            try:
                thumb = _thumbnail(photo(sha))
            except OSError:
                thumb = None
            if thumb is not None:
                pdf.image(io.BytesIO(thumb), x=x, y=y, w=THUMB, h=THUMB, keep_aspect_ratio=True)
            else:
                pdf.rect(x, y, THUMB, THUMB)
            pdf.set_xy(x, y + THUMB + 0.5)
            pdf.set_font("cjk", size=7)
            pdf.cell(THUMB, 3.5, f"照片 {start + index + 1}", align="C")
        pdf.set_xy(x0, y + THUMB + 4.5)
        for index, sha in enumerate(row):
            pdf.line_of(f"照片 {start + index + 1} SHA-256 {sha}", size=6.5)


def _flag(code: str) -> str:
    """A check-in flag as the record's content holds it (its code), in words."""
    return flag_text(CheckinFlag.from_db(code), _ZH)
