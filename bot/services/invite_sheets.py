"""Invites on paper: one person's QR card (PNG), and the office's sheet for many people at
once: links.csv (UTF-8 with BOM, for a spreadsheet or a mail merge) and an A4 PDF of
cut-out QR cards. One wording for all of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from bot.formats.rendering.invite_card import CardText, render_invite_card
from bot.formats.rendering.invite_sheet import SheetCard, SheetText, invite_sheet_pdf
from bot.formats.tabular import csv_bytes
from bot.i18n import Translator, translator
from bot.logs import mask_cert
from bot.services.onboarding import IssuedInvite
from bot.texts import invites as words
from bot.texts.labels import role_label
from bot.workers import DOCUMENT, Workers

LINK_HEADERS = ["执法证号", "姓名", "部门", "角色", "链接", "有效期至"]


HEAVY_FROM = 50  # people from whom the sheet's PDF is drawn in a worker process


@dataclass(frozen=True)
class InviteSheet:
    links_csv: bytes
    cards_pdf: bytes
    count: int


def expires_text(issued: IssuedInvite, tz: tzinfo) -> str:
    return issued.invite.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def roles_text(t: Translator, issued: IssuedInvite) -> str:
    return "、".join(role_label(t, g.role) for g in issued.person.roles)


def department_text(t: Translator, issued: IssuedInvite) -> str:
    return issued.department.name if issued.department else words.no_department(t)


def _cert(t: Translator, issued: IssuedInvite) -> str:
    return words.cert_line(t, mask_cert(issued.cert_no)) if issued.cert_no else ""


def card_png(issued: IssuedInvite, tz: tzinfo, t: Translator) -> bytes:
    """One person's card: the QR code of their link, name, department, masked 执法证号."""
    return render_invite_card(CardText(
        title=words.card_title(t), name=issued.person.name, department=department_text(t, issued),
        roles=roles_text(t, issued), instructions=words.card_instructions(t),
        expires=words.valid_until(t, expires_text(issued, tz)),
        link=issued.link, cert=_cert(t, issued)))


def links_csv(issued: Sequence[IssuedInvite], tz: tzinfo) -> bytes:
    """One row per person: 执法证号,姓名,部门,角色,链接,有效期至 (labels in Chinese)."""
    t = translator("zh_CN")
    return csv_bytes(LINK_HEADERS, (
        [i.cert_no or "", i.person.name, i.department.name if i.department else "",
         roles_text(t, i), i.link, expires_text(i, tz)] for i in issued))


def cards_pdf(issued: Sequence[IssuedInvite], tz: tzinfo, t: Translator) -> bytes:
    cards = [SheetCard(
        name=i.person.name, department=department_text(t, i), cert=_cert(t, i),
        roles=roles_text(t, i),
        expires=words.valid_until(t, expires_text(i, tz)),
        link=i.link) for i in issued]
    return invite_sheet_pdf(cards, SheetText(title=words.card_title(t),
                                             instructions=words.card_instructions(t)))


async def render_cards(workers: Workers, issued: Sequence[IssuedInvite], tz: tzinfo,
                       t: Translator) -> bytes:
    """The sheet's PDF (a QR code per person), drawn in a worker process for a large
    sheet, in a thread otherwise.
    Access: renders invites the caller was already allowed to make; reads nothing."""
    return await workers.run(DOCUMENT, cards_pdf, list(issued), tz, t,
                             heavy=len(issued) >= HEAVY_FROM)


async def build(workers: Workers, issued: Sequence[IssuedInvite], tz: tzinfo,
                t: Translator) -> InviteSheet:
    """Both files (see `render_cards`).
    Access: renders invites the caller was already allowed to make; reads nothing."""
    pdf = await render_cards(workers, issued, tz, t)
    return InviteSheet(links_csv(issued, tz), pdf, len(issued))
