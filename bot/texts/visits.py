"""The words of a visit that the services send: the summary every member signs, the
notices that someone started, signed or submitted, and the reply keyboard's check-in
skip (views/visits.py words the visit's screens)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.i18n import LANGUAGES, Translator, translator
from bot.rules import visit as rules
from bot.rules.records import Correction, VisitItem
from bot.texts.labels import legal


def summary_lines(t: Translator, items: Sequence[VisitItem]) -> list[str]:
    """The result summary (抽查结果汇总): each item, who answered, its result."""
    lines = []
    for row in items:
        result = legal(rules.RESULTS, row.result, t) if row.result else "—"
        lines.append(f"• {html.escape(row.name)} ({html.escape(row.department)},"
                     f" {html.escape(row.answerer_name or '—')}): <b>{result}</b>")
        detail = row.detail
        if detail.get("kind"):
            lines.append("  " + legal(rules.NONCOOPERATION, detail["kind"], t))
        if detail.get("circumstances"):
            lines.append("  " + html.escape(detail["circumstances"]))
        if detail.get("order"):
            lines.append("  " + t._("Order given: {order}").format(
                order=html.escape(detail["order"])))
        if detail.get("follow_up"):
            lines.append("  " + t._("Follow-up: {kind}, due {due}, owner {owner}").format(
                kind=legal(rules.FOLLOW_UPS, detail["follow_up"], t), due=detail["due"],
                owner=html.escape(detail["owner"])))
    return lines


def sign_request_text(t: Translator, target: str, items: Sequence[VisitItem],
                      content_hash: str) -> str:
    """To each member: sign this version of the result summary."""
    lines = [t._("✍️ Please sign the result summary of <b>{target}</b> (003 第二十二条).").format(
        target=html.escape(target)), ""]
    lines += summary_lines(t, items)
    lines += ["", t._("Record hash: <code>{hash}</code>").format(hash=content_hash[:16]),
              t._("Signing stores your Telegram identity, the time and this hash.")]
    return "\n".join(lines)


def signed_text(t: Translator, target: str, member: str | None, party: str | None,
                waiting: Sequence[str], complete: bool, party_missing: bool) -> str:
    """To who acts for the team: someone signed, and what is left before submitting
    (`target` escaped)."""
    if party is not None:
        head = t._("✅ The party signed the record of {target} on their phone"
                   " ({name}).").format(target=target, name=html.escape(party))
    else:
        head = t._("✅ {name} signed the record of {target}.").format(
            name=html.escape(member or ""), target=target)
    if complete:
        return head + "\n" + t._("Everyone has signed: you can submit the record now.")
    left = [html.escape(n) for n in waiting]
    if party_missing:
        left.append(t._("the inspected party"))
    return head + "\n" + t._("Still to sign before you can submit: {names}.").format(
        names="、".join(left))


def started_text(t: Translator, name: str, target: str, items: Sequence[str]) -> str:
    """To a member: the visit has started, and their part (names escaped)."""
    lines = [t._("🟢 {name} has started the visit of <b>{target}</b>.").format(
        name=name, target=target)]
    if items:
        lines.append(t._("Your part: {items}.").format(items="、".join(items)))
    else:
        lines.append(t._("No item is yours to answer; you sign the summary at the end."))
    return "\n".join(lines)


def handsigned_text(t: Translator, target: str, name: str) -> str:
    """To the leader: the party signed by hand on their phone (names escaped)."""
    return t._("✅ {name} signed the record of {target} by hand on your phone."
               " You can submit once the team has signed.").format(target=target, name=name)


def submitted_caption(t: Translator, target: str, name: str, record_hash: str,
                       correction: Correction | None) -> str:
    if correction is not None:
        return t._("📄 Corrected check record of <b>{target}</b> (it supersedes version"
                   " {version}), submitted by {name}.\nRecord hash: <code>{hash}</code>").format(
            target=target, version=correction.version, name=html.escape(name),
            hash=record_hash[:16])
    return t._("📄 Check record of <b>{target}</b>, submitted by {name}.\n"
               "Record hash: <code>{hash}</code>").format(
        target=target, name=html.escape(name), hash=record_hash[:16])


def notice_caption(t: Translator, target: str) -> str:
    return t._("📄 检查结果告知书 for <b>{target}</b>: the party is told the result (000 二(六))."
               " Print it, or forward it to the party.").format(target=target)


def materials_received_text(t: Translator, target: str, names: list[str]) -> str:
    """The party sent its documents for a desk check (names: HTML-escaped)."""
    return t._("📥 The party of {target} sent {n} files for the desk check: {names}. They are"
               " listed in the record with their SHA-256; read them, then answer the"
               " checklist.").format(target=target, n=len(names), names="、".join(names))


def material_caption(t: Translator, target: str, sha256: str) -> str:
    return t._("📎 From the party of {target}, for the desk check. SHA-256 <code>{hash}</code>"
               ).format(target=target, hash=sha256[:16])


def party_notice_caption(t: Translator, target: str) -> str:
    """To the inspected party, who signed in its own Telegram (in Chinese, as its pages)."""
    return t._("📄 The result of the spot check of <b>{target}</b>: your 检查结果告知书. It"
               " says how to object; the QR code checks the record.").format(target=target)


def submitted_text(t: Translator, target: str, name: str) -> str:
    return t._("📤 {name} submitted the record of {target}: the visit is finished and"
               " nothing more is needed from you. The PDF follows.").format(
        name=name, target=target)


def skip_texts() -> set[str]:
    """The reply-keyboard "skip check-in" label in every language."""
    return {skip_label(translator(lang)) for lang in LANGUAGES}


def skip_label(t: Translator) -> str:
    return t._("⏭ Skip check-in")
