"""The publication journey's words: its refusals."""

from __future__ import annotations

from bot.formats.rendering.fit import TEXT_LIMIT, cut_html, utf16_len
from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.services.publication import Preview
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_DUE: t._("This result is not waiting for publication (published, withheld or"
                             " not finished). Nothing was changed."),
        Refusal.NOT_PUBLISHED: t._("No 更正 is owed for this result: it is not published, or"
                                   " its record was not corrected since. Nothing was"
                                   " changed."),
        Refusal.NOT_OFFICE: not_office_text(t),
    })


def preview_text(t: Translator, shown: Preview, correction: bool = False,
                 channel: bool = True) -> str:
    """Before publishing: the first post exactly as it is published (on the public channel,
    or, with none set up, in the export)."""
    if channel:
        head = [t._("✏️ <b>Publish this 更正?</b> This is exactly what the public channel"
                    " will show; the earlier publication stays as it was:") if correction else
                t._("📢 <b>Publish {n} results?</b> This is exactly what the public channel"
                    " will show:").format(n=len(shown.task_ids)), ""]
    else:
        head = [t._("✏️ <b>Publish this 更正?</b> This is exactly what is published (in the"
                    " export, /export: no public channel is set up); the earlier publication"
                    " stays as it was:") if correction else
                t._("📢 <b>Publish {n} results?</b> This is exactly what is published (in the"
                    " export, /export: no public channel is set up):").format(
                    n=len(shown.task_ids)), ""]
    tail = ["", t._("…and {more} more posts like it.").format(more=len(shown.posts) - 1)] \
        if len(shown.posts) > 1 else []
    if shown.late:
        tail += ["", t._("🔴 {late} of them are late (003 第二十五条).").format(late=shown.late)]
    tail += ["", t._("Publishing cannot be undone: a published result is never edited, a"
                     " mistake is corrected by a 更正 publication.")]
    room = TEXT_LIMIT - utf16_len("\n".join(head + tail)) - 20
    return "\n".join([*head, cut_html(shown.posts[0], room), *tail])


def not_office_text(t: Translator) -> str:
    return t._("Publishing results is for the office.")
