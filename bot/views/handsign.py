"""What the Mini App shows (bot/tg/webapp.py serves it): the record being signed, as the
PDF states it, in the reader's language, and the labels of the signing form."""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import Translator
from bot.rules import visit as rules
from bot.services.visits.state import State
from bot.texts.labels import legal


def _e(value: Any) -> str:
    return html.escape(str(value if value is not None else "—"))


def record_html(t: Translator, state: State) -> str:
    """The content every signature confirms (target, team, each item's answers, result,
    detail and follow-up), as HTML escaped throughout, readable on a 360-px screen."""
    content = state.content()
    task = content["task"]
    out = [f"<h2>{_e(task['target_name'])}</h2>",
           f"<p class=muted>{_e(task['address'])}<br>{_e(task['plan'])} · "
           f"{_e(task['window'][0])} – {_e(task['window'][1])}</p>",
           f"<h3>{_e(t._('Team'))}</h3><ul>"]
    for member in content["team"]:
        leader = f" · {_e(t._('leader'))}" if member["leader"] else ""
        out.append(f"<li>{_e(member['name'])} · {_e(member['department'])}{leader}</li>")
    out.append("</ul>")
    if content.get("shortcut"):
        out.append(f"<p>{_e(legal(rules.RESULTS, content['shortcut'], t))}</p>")
    for number, item in enumerate(content["items"], start=1):
        out.append(f"<h3>{number}. {_e(item['name'])}</h3>"
                   f"<p class=muted>{_e(item['department'])} · {_e(item['answerer'])}</p>")
        if item["answers"]:
            out.append("<dl>")
            for answer in item["answers"]:
                out.append(f"<dt>{_e(answer['label'])}</dt><dd>{_e(answer['display'])}</dd>")
            out.append("</dl>")
        if item["result"]:
            result = t._("Result")
            wording = legal(rules.RESULTS, item["result"], t)
            out.append(f"<p><b>{_e(rules.labelled(result, wording, t.lang))}</b></p>")
        detail = item.get("detail") or {}
        if detail.get("kind"):
            out.append(f"<p>{_e(legal(rules.NONCOOPERATION, detail['kind'], t))}</p>")
        if detail.get("circumstances"):
            out.append(f"<p>{_e(detail['circumstances'])}</p>")
        if detail.get("order"):
            ordered = t._("Correction ordered")
            out.append(f"<p>{_e(rules.labelled(ordered, detail['order'], t.lang))}</p>")
        follow = item.get("follow_up")
        if follow:
            out.append(f"<p>{_e(legal(rules.FOLLOW_UPS, follow['kind'], t))} · "
                       f"{_e(follow['due'])} · {_e(follow['owner'])}</p>")
    content_hash = t._("Content hash")
    out.append(f"<p class=hash>{_e(rules.labelled(content_hash, state.content_hash, t.lang))}"
               "</p>")
    return "".join(out)


def labels(t: Translator) -> dict[str, Any]:
    """The form's words, for the page script."""
    return {
        "title": t._("Signature of the inspected party"),
        "intro": t._("Please read the record. Then state who signs, give your opinion and"
                     " sign with a finger in the box."),
        "name": t._("Full name of the person signing"),
        "role": t._("Role"),
        "roles": [[key, legal(rules.PARTY_ROLES, key, t)] for key in rules.PARTY_ROLES],
        "last4": t._("Last four characters of the ID card (optional)"),
        "opinion": t._("Opinion"),
        "opinions": [[key, legal(rules.OPINIONS, key, t)] for key in rules.OPINIONS],
        "objection": t._("Your objection"),
        "sign_here": t._("Sign here"),
        "clear": t._("Clear"),
        "submit": t._("Sign and send"),
        "empty": t._("Please sign in the box first."),
        "sending": t._("Sending…"),
        "done": t._("Signed. Thank you: please give the phone back to the inspector."),
    }


def page_words(t: Translator) -> dict[str, str]:
    """The page's own words, shown before the sheet is opened (and if it cannot be)."""
    return {
        "lang": "en" if t.lang == "en" else "zh-CN",
        "title": t._("Signature of the inspected party"),
        "unreachable": t._("The signature page could not reach Choucha: check the phone's"
                           " connection, then open it again from the inspector's chat."),
    }
