"""The words of publication (公示): the channel's post, in Chinese."""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import translator
from bot.rules.methods import off_site


def post_text(contents: list[dict[str, Any]], correction: str | None = None) -> str:
    """The channel post, in Chinese (the public record of the office)."""
    t = translator("zh_CN")
    lines = [t._("📢 <b>Spot-check results</b> (双随机、一公开)")]
    if correction:
        lines = [t._("📢 <b>Correction</b> of a published spot-check result: {reason}").format(
            reason=html.escape(correction))]
    for c in contents:
        lines.append("")
        lines.append(f"<b>{html.escape(c['target_name'])}</b>（{c['target_code']}）")
        lines.append(t._("Plan: {plan} · checked {date}").format(
            plan=html.escape(c["plan"]), date=c["date"]))
        for item in c["items"]:
            method = off_site(item.get("method"))
            method = f"，{method}" if method else ""
            lines.append(f"• {html.escape(item['name'])}（{html.escape(item['department'])}"
                         f"{method}）：{item['result_wording']}")
        case = c.get("noncooperation")
        if case:
            lines.append(t._("Non-cooperation (003 第二十六条): {count} times ({times});"
                             " {kinds}; {circumstances}").format(
                count=c["noncooperation_count"], times="、".join(c["noncooperation_times"]),
                kinds="；".join(case["kinds"]), circumstances=html.escape(case["circumstances"])))
    return "\n".join(lines)  # a long post is sent as several (bot/tg/tgbot.py)
