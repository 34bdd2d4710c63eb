"""A desk check's materials (书面检查): the link shown to who acts for the team, and the
party's page (opened without Telegram, in its browser's language): what is asked, the
form, the receipt with each file's SHA-256, and the refusals. Plain HTML, no script."""

from __future__ import annotations

import html
from datetime import tzinfo

from bot.buttons.visits import VisitHome
from bot.i18n import Translator
from bot.rules.records import Material
from bot.services.errors import Refusal, Refused
from bot.services.visits.materials import (
    MAX_FILE,
    MAX_MATERIALS,
    MAX_SENDING,
    MaterialsLink,
    MaterialsPage,
)
from bot.views.refusals import worded
from bot.views.visits import Shown

# The page's own style, inline: its Content-Security-Policy allows this style sheet by its
# hash, and no script at all (bot/tg/materials.py).
STYLE = ("body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:40rem;margin:auto;"
         "padding:1rem;line-height:1.6;color:#1a1a1a}h1{font-size:1.4rem}"
         "label{display:block;font-weight:600;margin:1rem 0 .3rem}"
         "input[type=file]{font-size:1rem;padding:.5rem 0}"
         "button{font-size:1.1rem;padding:.6rem 1.4rem;margin-top:1rem;background:#0b57d0;"
         "color:#fff;border:0;border-radius:.4rem}code{word-break:break-all}"
         ".hint{color:#444;font-size:.95rem}")


def link_text(t: Translator, link: MaterialsLink, tz: tzinfo) -> Shown:
    """The link, for who acts for the team to send the party (a text it can forward)."""
    until = link.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    text = t._("📨 Send this link to the party of <b>{target}</b> (by SMS, e-mail or any"
               " messenger): it opens in any browser, without Telegram, and takes up to {n}"
               " documents (PDF, images, office files) in one sending. It serves once and"
               " until {until}. You are told here when the files arrive; they are listed in"
               " the record with their SHA-256.\n\n{url}").format(
        target=html.escape(link.state.task.target_name), n=MAX_MATERIALS, until=until,
        url=html.escape(link.url))
    rows = [[VisitHome(link.state.id).markup(t._("📋 Progress"))]]
    return Shown(text, {"inline_keyboard": rows})


def refusal_text(t: Translator, exc: Refused) -> str:
    """The party's page's refusals, and who acts for the team's."""
    return worded(t, exc, {
        Refusal.TOKEN_UNKNOWN: t._("This link is not known. Please check it, or ask the"
                                   " inspector for a new one."),
        Refusal.TOKEN_USED: t._("Your documents were received through this link already."
                                " To send more, please ask the inspector for a new link."),
        Refusal.TOKEN_EXPIRED: t._("This link has expired. Please ask the inspector for a"
                                   " new one."),
        Refusal.SUBMITTED: t._("This check is finished: its record was submitted, and"
                               " nothing more can be added to it."),
        Refusal.NO_FILES: t._("No file was chosen. Please choose at least one document."),
        Refusal.TOO_MANY_FILES: t._("At most {n} files can be sent at once. Please choose"
                                    " fewer; ask the inspector for another link for the"
                                    " rest.").format(n=MAX_MATERIALS),
        Refusal.TOO_LARGE: t._("{name} is larger than {mb} MB. Please send a smaller copy"
                               " (a scan at a lower resolution, or split it).").format(
            name=exc.params.get("name", ""), mb=MAX_FILE // (1024 * 1024)),
        Refusal.SENDING_TOO_LARGE: t._("All the files of one sending together may be at"
                                       " most {mb} MB. Please send them in several"
                                       " sendings (ask the inspector for another link).")
        .format(mb=MAX_SENDING // (1024 * 1024)),
        Refusal.SENDING_UNREADABLE: t._("The sending could not be read. Please choose the"
                                        " files again and send them."),
        Refusal.BUSY: t._("Several documents are being received just now. Please try again"
                          " in a minute."),
        Refusal.FILE_NOT_ACCEPTED: t._("{name} is not a document this page takes. Please"
                                       " send PDF, images, Word, Excel, PowerPoint, WPS, OFD"
                                       " or text files.").format(
            name=exc.params.get("name", "")),
    })


def _frame(t: Translator, title: str, body: str) -> str:
    lang = "zh-CN" if t.lang == "zh_CN" else "en"
    return (f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
            f'<body>\n<main>\n<h1>{html.escape(title)}</h1>\n{body}\n</main>\n</body>\n'
            "</html>\n")


def page_html(t: Translator, page: MaterialsPage, action: str, tz: tzinfo) -> str:
    """The form the party sends its documents with (a plain multipart POST)."""
    until = page.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    items = "".join(f"<li>{html.escape(i)}</li>" for i in page.items)
    intro = t._("The inspectors checking {target} ask for your documents for a desk check"
                " (书面检查) of:").format(target=page.target)
    hint = t._("Up to {n} files at once, each at most {mb} MB and {total} MB together: PDF,"
               " images (JPEG, PNG), Word, Excel, PowerPoint, WPS, OFD or text. This page"
               " serves once, until {until}; each file's SHA-256 is shown when it is"
               " received and kept in the check record.").format(
        n=MAX_MATERIALS, mb=MAX_FILE // (1024 * 1024), total=MAX_SENDING // (1024 * 1024),
        until=until)
    label = t._("Your documents")
    send = t._("Send")
    body = (f"<p>{html.escape(intro)}</p><ul>{items}</ul>"
            f'<form method="post" action="{html.escape(action)}" enctype="multipart/form-data">'
            f'<label for="files">{html.escape(label)}</label>'
            f'<input id="files" name="files" type="file" multiple required'
            f' aria-describedby="hint">'
            f'<p id="hint" class="hint">{html.escape(hint)}</p>'
            f"<button type=\"submit\">{html.escape(send)}</button></form>")
    return _frame(t, t._("Documents for a spot check"), body)


def receipt_html(t: Translator, received: list[Material]) -> str:
    rows = "".join(f"<li>{html.escape(m.name)} ({m.size:,} B)<br>SHA-256"
                   f" <code>{m.sha256}</code></li>" for m in received)
    done = t._("Thank you: {n} files were received and are now part of the check record."
               " Keep this page: each file's SHA-256 identifies exactly what you sent.")\
        .format(n=len(received))
    more = t._("This link is now used. To send more, ask the inspector for a new one.")
    return _frame(t, t._("Documents received"),
                  f"<p>{html.escape(done)}</p><ul>{rows}</ul><p>{html.escape(more)}</p>")


def refused_html(t: Translator, exc: Refused) -> str:
    return _frame(t, t._("Documents for a spot check"),
                  f"<p>{html.escape(refusal_text(t, exc))}</p>")

