"""The words of a draw: its announcement, its cancellation, its outcome, what the office
is told after it, and its spreadsheet's headings."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.i18n import Translator
from bot.rules import draw as algo
from bot.rules.draw import CancelledPreparation, Prepared, Ran


def strata_line(t: Translator, strata: Sequence[algo.Stratum]) -> str:
    return "; ".join(f"{s.stratum}: {s.count}/{s.size} ({s.ratio})" for s in strata)


def prepared_text(t: Translator, p: Prepared) -> str:
    a = p.announcement
    no_cap = t._("no cap")
    caps = "; ".join(f"{s}: {no_cap if c is None else c}" for s, c in sorted(a.year_caps.items()))
    text = t._(
        "📣 <b>Draw announced</b> for {plan}\n"
        "Draw date: {date}\nPublic entropy: {source}\n"
        "Targets in the pool: {size} (SHA-256 of pool.tsv: <code>{digest}</code>)\n"
        "Per stratum (drawn/size, ratio): {strata}\n"
        "Checks a year at most, per stratum: {caps}\n"
        "Drawable inspectors: {inspectors}; recusals: {recusals}\n"
        "Commitment to the secret nonce: <code>{commitment}</code>\n"
        "SHA-256 of announcement.json: <code>{announcement}</code>\n"
        "Nothing of this can change now: the draw will be computed from exactly these"
        " inputs. Keep announcement.json (Export in /draw) to check the record later.\n"
        "➡️ Next: on the draw date ({date}), once {source} has published its value, tap"
        " “Run the draw” and send the value."
    ).format(plan=html.escape(p.plan), date=a.draw_date, source=html.escape(a.entropy_source),
             size=a.pool_size, digest=a.pool_digest, strata=html.escape(strata_line(t, a.strata)),
             caps=html.escape(caps), inspectors=a.inspectors, recusals=a.recusals,
             commitment=a.nonce_commitment, announcement=p.announcement_sha256)
    if p.raised:
        text += "\n" + t.ngettext(
            "{n} target is in stratum {stratum} by the plan's risk rule (abnormal list,"
            " serious dishonesty or complaints).",
            "{n} targets are in stratum {stratum} by the plan's risk rule (abnormal list,"
            " serious dishonesty or complaints).", p.raised).format(
            n=p.raised, stratum=algo.HIGHEST_RISK)
    if a.previous:
        text += "\n" + t.ngettext(
            "This plan's draw was prepared {n} time before and cancelled; its nonce is in"
            " the announcement.",
            "This plan's draw was prepared {n} times before and cancelled; their nonces are"
            " in the announcement.", len(a.previous)).format(n=len(a.previous))
    return text


def recused_text(t: Translator, plan: str, pairs: list[tuple[str, str]]) -> str:
    listed = "；".join(f"{html.escape(name)} — {html.escape(target)}"
                      for name, target in pairs[:20])
    return t.ngettext(
        "⚠️ In the draw of {plan}, {n} member is on the team of a firm they are recused from"
        " by a recusal recorded after the preparation: {pairs}. The draw used the recusals"
        " frozen at prepare; ask for their replacement with the reason recusal (执法回避).",
        "⚠️ In the draw of {plan}, {n} members are on the teams of firms they are recused"
        " from by recusals recorded after the preparation: {pairs}. The draw used the"
        " recusals frozen at prepare; ask for their replacement with the reason recusal"
        " (执法回避).", len(pairs)).format(plan=html.escape(plan), n=len(pairs), pairs=listed)


def unavailable_text(t: Translator, plan: str, found: list[tuple[str, str, bool]]) -> str:
    why = {True: t._("withdrawn"), False: t._("no longer active in the directory")}
    listed = "；".join(f"{html.escape(name)} — {html.escape(target)}（{why[withdrawn]}）"
                      for name, target, withdrawn in found[:20])
    return t.ngettext(
        "⚠️ In the draw of {plan}, {n} member cannot take part (withdrawn once the draw"
        " date had come, or no longer active): {listed}. Ask for their replacement in the"
        " task's team (the reason as it is, or 未在岗).",
        "⚠️ In the draw of {plan}, {n} members cannot take part (withdrawn once the draw"
        " date had come, or no longer active): {listed}. Ask for their replacement in the"
        " task's team (the reason as it is, or 未在岗).", len(found)).format(
        plan=html.escape(plan), n=len(found), listed=listed)


def cancelled_text(t: Translator, c: CancelledPreparation) -> str:
    return t._(
        "🚫 <b>Draw preparation cancelled</b> for {plan} (draw date {date}).\n"
        "Reason: {reason}\n"
        "Its commitment <code>{commitment}</code> is opened: the nonce was"
        " <code>{nonce}</code>. A new preparation must name another public entropy source"
        " than “{source}”: /draw prepares it again."
    ).format(plan=html.escape(c.plan), date=c.draw_date.isoformat(),
             reason=html.escape(c.reason), commitment=c.nonce_commitment, nonce=c.nonce,
             source=html.escape(c.entropy_source))


def result_sheet_words(t: Translator) -> tuple[str, list[str]]:
    """The drawn firms' spreadsheet: its sheet name and headings."""
    return t._("Drawn"), [t._("Order"), "统一社会信用代码", t._("Target"),
                          t._("Credit class"), t._("Leader"), t._("Team")]


def ran_text(t: Translator, r: Ran) -> str:
    text = t._(
        "🎲 <b>Draw done</b> for {plan}: {tasks} targets drawn, teams formed.\n"
        "Entropy: {entropy}\nNonce (revealed): <code>{nonce}</code>\n"
        "Seed: <code>{seed}</code>\n"
        "The drawn firms and their teams are in the spreadsheet. Anyone can check the draw:"
        " the record's files (Export the record, in /draw) let anyone recompute the same"
        " selection and teams from the announcement published before the draw, the"
        " published entropy and the revealed nonce."
    ).format(plan=html.escape(r.plan), tasks=r.tasks, entropy=html.escape(r.entropy),
             nonce=r.nonce, seed=r.seed)
    text += "\n" + t._("SHA-256 of the announcement it was drawn from: <code>{digest}</code>"
                       " (the one published at prepare); of the record:"
                       " <code>{record}</code>").format(digest=r.announcement_sha256,
                                                         record=r.record_sha256)
    if r.withdrawn:
        text += "\n" + t.ngettext(
            "{n} inspector of the frozen list had become unavailable since the preparation"
            " and was left out of every team (in the record): {certs}.",
            "{n} inspectors of the frozen list had become unavailable since the preparation"
            " and were left out of every team (in the record): {certs}.",
            len(r.withdrawn)).format(n=len(r.withdrawn),
                                     certs="、".join(w.inspector for w in r.withdrawn))
    return text
