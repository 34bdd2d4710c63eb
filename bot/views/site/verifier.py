"""The draw verifier page of the public site: recomputes a published draw in the reader's
browser (bot/site/static/verify.js) from the five files beside it, as docs/draw.md says
and as `choucha draw verify DIR` does.

Every word the script shows comes from `verifier_words`, embedded in the page as JSON
data (not script), so that the page is translated like the bot and keeps to a strict
Content-Security-Policy (`script-src 'self'`)."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.views.site.layout import json_data

# The page asks for nothing but its own files: no other host, no inline script or style.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self';"
                           " style-src 'self'; img-src 'self'; font-src 'self';"
                           " base-uri 'none'; form-action 'none'")
FILES = ("announcement.json", "pool.tsv", "inspectors.tsv", "recusals.tsv", "record.json")


def verifier_words(t: Translator) -> dict[str, str]:
    """Every message verify.js shows, by key; `{name}` placeholders are filled by it."""
    return {**_progress_words(t), **_summary_words(t), **_match_words(t),
            **_file_problem_words(t), **_draw_problem_words(t), **_replay_problem_words(t),
            **_unreadable_words(t), **_kept_words(t)}


def _progress_words(t: Translator) -> dict[str, str]:
    return {
        "status_ok": t._("✓"),
        "status_bad": t._("✗"),
        "status_pending": t._("…"),
        "nothing": t._("nothing"),
        "member": t._("{inspector} ({department})"),
        "member_leader": t._("{inspector} ({department}, leader)"),
        "selected_entry": t._("{order}. {target}, stratum {stratum}, key {key}"),
        "stratum_entry": t._("{stratum}: {count} of {size} at {ratio}"),
        "source_published": t._("Checking the files published beside this page."),
        "source_chosen": t._("Checking the files you chose: {names}."),
        "reading": t._("Reading the files…"),
        "hashing_pool": t._("Computing the keys of the pool: {done} of {total} targets"),
        "forming_teams": t._("Forming the teams: {done} of {total}"),
        "replaying": t._("Replaying the replacements: {done} of {total}"),
        "no_crypto": t._("This browser cannot compute SHA-256 for this page (WebCrypto is"
                         " only offered to pages served over https): run"
                         " `choucha draw verify DIR` on the downloaded files instead."),
        "unreachable": t._("{name} could not be fetched ({error}): choose your copy of it"
                           " above."),
        "crashed": t._("The check stopped on an error of this page ({error}): run"
                       " `choucha draw verify DIR` on the downloaded files instead."),
    }


def _summary_words(t: Translator) -> dict[str, str]:
    return {
        "all_match": t._("Everything matches: the selection, the teams and every later"
                         " change follow from the files published before the draw."),
        "inputs_match": t._("The draw has not been run yet: there is no record.json. The"
                            " three files are the ones announced, and the counts follow"
                            " from them."),
        "differences": t._("Differences found: {count}. The first: {first}"),
        "v1": t._("This draw was made with the earlier algorithm choucha-draw-v1, which this"
                  " page does not recompute: run `choucha draw verify DIR` on the"
                  " downloaded files."),
        "not_run": t._("Not drawn yet: plan {plan}, to be drawn on {date} with the public"
                       " value of {source}. Commitment to the secret nonce: {commitment}."),
        "announcement_digest": t._("SHA-256 of this announcement.json: {digest}. It must be"
                                   " the one published before the draw."),
    }


def _match_words(t: Translator) -> dict[str, str]:
    return {
        "ok_algorithm": t._("record.json is a choucha-draw-v2 record of plan {plan}."),
        "ok_announcement_digest": t._("announcement.json is the announcement this draw was"
                                      " seeded with (SHA-256 {digest})."),
        "ok_announcement_form": t._("announcement.json is in canonical form and names the"
                                    " same plan."),
        "ok_announcement_read": t._("announcement.json announces plan {plan}, to be drawn on"
                                    " {date} with the public value of {source}."),
        "ok_file": t._("{name}: {lines} lines, with the SHA-256 the announcement gives."),
        "ok_pool_shape": t._("pool.tsv is well formed: {lines} targets, sorted by code."),
        "ok_commitments": t._("The nonce revealed matches the commitment announced before"
                              " the draw, and the public value {entropy} is in its one"
                              " spelling."),
        "ok_seed": t._("The seed follows from the announcement, the public value and the"
                       " nonce: {seed}."),
        "ok_strata": t._("The counts per stratum follow from the pool and the ratios:"
                         " {strata}."),
        "ok_rules": t._("The plan keeps the rules: at least 5 per cent drawn overall, no general"
                        " item's maximum exceeded, ratios not falling as risk rises."),
        "ok_before_run": t._("Withdrawals before the run: {count}, each an inspector of"
                             " inspectors.tsv."),
        "ok_selected": t._("The selection matches: {count} targets, in the same order."),
        "ok_teams": t._("The teams match: {count} teams, with the same members and"
                        " leaders."),
        "ok_replacements": t._("The later changes replay as recorded (replacements: {count},"
                               " withdrawals after the run: {withdrawals})."),
    }


def _file_problem_words(t: Translator) -> dict[str, str]:
    return {
        "p_missing": t._("{name} is missing"),
        "p_unreadable": t._("the files cannot be read as a draw's record: {error}"),
        "p_algorithm": t._("record.json: algorithm is {value}, not choucha-draw-v2"),
        "p_announcement_digest": t._("announcement.json: its SHA-256 {digest} is not the"
                                     " record's announcement_digest {recorded} (the"
                                     " announcement is not the one this draw was seeded"
                                     " with)"),
        "p_announcement_unreadable": t._("announcement.json cannot be read: {error}"),
        "p_not_canonical": t._("announcement.json: not in canonical form (field order,"
                               " spacing)"),
        "p_plan": t._("plan: the record says {recorded}, the announcement {announced}"),
        "p_file_digest": t._("{name}: its SHA-256 {digest} is not the announcement's {key}"
                             " {announced} (the file was changed after prepare)"),
        "p_file_lines": t._("{name}: {lines} lines, the announcement says {announced}"),
        "p_pool_shape": t._("pool.tsv: every line must be CODE, a tab, a one-character"
                            " stratum"),
        "p_pool_order": t._("pool.tsv: lines are not sorted by code (or a code is"
                            " repeated)"),
    }


def _draw_problem_words(t: Translator) -> dict[str, str]:
    return {
        "p_nonce": t._("nonce: its SHA-256 is not the commitment announced before the draw"),
        "p_previous_nonce": t._("previous[{index}]: its nonce is not the one it committed"
                                " to"),
        "p_previous_date": t._("previous[{index}]: cancelled on {date}, not before its draw"
                               " date {draw_date}"),
        "p_entropy": t._("entropy: {value} is not in its canonical spelling ({canonical}):"
                         " only one spelling of the public value may seed a draw"),
        "p_seed": t._("seed: recomputed {seed}, the record says {recorded}"),
        "p_no_ratio": t._("pool.tsv: stratum {stratum} has no ratio in the announcement"),
        "p_bad_ratio": t._("announcement.json: the ratio {ratio} is not a decimal number"),
        "p_strata": t._("strata: recomputed {recomputed}, the announcement says"
                        " {announced}"),
        "p_empty_pool": t._("the announced plan breaks a rule: the pool is empty"),
        "p_below_minimum": t._("the announced plan breaks a rule: {overall} of the pool is"
                               " drawn, under the minimum of 5%"),
        "p_item_maximum": t._("the announced plan breaks a rule: stratum {stratum} is drawn"
                              " at {ratio}, above the maximum {maximum} of the general item"
                              " {item}"),
        "p_ratios_fall": t._("the announced plan breaks a rule: {lower} is drawn at"
                             " {lower_ratio}, more than {higher} at {higher_ratio}, though"
                             " the risk rises from {lower} to {higher}"),
        "p_before_run": t._("withdrawals_before_run: {inspector} is not in inspectors.tsv"),
        "p_entry": t._("{list}[{index}] ({label}): recomputed {recomputed}, the record says"
                       " {recorded}"),
        "p_count": t._("{list}: {recorded} in the record, {recomputed} recomputed"),
        "p_nobody_drawable": t._("the teams cannot be recomputed: nobody of department"
                                 " {department} can be drawn for {target}"),
        "p_team_too_small": t._("the teams cannot be recomputed: fewer than two inspectors"
                                " can be drawn for {target}"),
    }


def _replay_problem_words(t: Translator) -> dict[str, str]:
    return {
        "p_replacement_n": t._("replacements[{index}] ({target}): n is {n}, it is the"
                               " replacement number {count} of this task"),
        "p_replacement_out": t._("replacements[{index}]: {out} is not on the team of"
                                 " {target}"),
        "p_replacement_skipped_list": t._("replacements[{index}]: skipped is not a list of"
                                          " 执法证号"),
        "p_replacement_skipped": t._("replacements[{index}] ({target}): skipped[{step}] is"
                                     " {listed}, but the draw landed on {drawn} there"),
        "p_replacement_nobody": t._("replacements[{index}]: nobody was drawable"),
        "p_replacement_in": t._("replacements[{index}] ({target}): recomputed {recomputed},"
                                " the record says {recorded}"),
    }


def _unreadable_words(t: Translator) -> dict[str, str]:
    """Why a file cannot be read as a draw's (the {error} of p_unreadable)."""
    return {
        "e_utf8": t._("{name} is not UTF-8 text"),
        "e_json": t._("{name} is not JSON ({error})"),
        "e_missing": t._("the field {field} is missing"),
        "e_type": t._("the field {field} is not of the expected kind"),
        "e_not_v2": t._("announcement.json is not a choucha-draw-v2 announcement"),
        "e_year_caps": t._("the year_caps of announcement.json do not name every stratum"),
        "e_fields": t._("{name}: a line has {count} fields instead of {expected}"),
        "e_stratum": t._("pool.tsv: a stratum is not one character"),
    }


def _kept_words(t: Translator) -> dict[str, str]:
    """The announcement.json the reader kept before the draw, held against the one checked
    (as `choucha draw verify DIR --announcement FILE`: rules/draw/verify.py
    `compare_announcements`)."""
    return {
        "ok_kept": t._("announcement.json is the one published before the draw: byte for"
                       " byte the copy you kept (SHA-256 {digest})."),
        "p_kept_differs": t._("announcement.json is not the copy you kept before the draw"
                              " (SHA-256 {digest}, your copy's {kept}): {difference}"),
        "p_kept_field": t._("{field}: your copy says {kept}, announcement.json says"
                            " {checked}"),
        "p_kept_bytes": t._("the two announcements differ in their bytes (spacing or"
                            " order)"),
        "p_kept_not_json": t._("{name} cannot be read as JSON"),
        "p_kept_not_object": t._("{name} is not a JSON object"),
        "kept_copy": t._("the copy you kept"),
    }


def _e(value: str) -> str:
    return html.escape(value)


def _explanation(t: Translator) -> str:
    checks = (
        t._("the three files (pool.tsv, inspectors.tsv, recusals.tsv) are the ones the"
            " announcement gives the SHA-256 and the line counts of;"),
        t._("the secret nonce revealed at the draw is the one committed to in the"
            " announcement, and the seed follows from the announcement, the public value"
            " and the nonce;"),
        t._("the number of targets drawn in each stratum follows from the pool and the"
            " plan's ratios;"),
        t._("the targets selected, their order and their teams, then every replacement and"
            " every withdrawal after the draw, recomputed one by one."),
    )
    items = "".join(f"<li>{_e(c)}</li>" for c in checks)
    local = t._("This page recomputes the draw from its published files, in your browser:"
                " nothing you check is sent anywhere.")
    why = t._("Everything that decides the draw (the pool of targets, the inspectors, the"
              " recusals, the ratios and the other parameters of the plan, and a commitment"
              " to a secret number) was fixed and published in announcement.json before the"
              " public lottery value was known. The seed is computed from the announcement,"
              " that public value and the secret number revealed at the draw, and the"
              " targets and their teams follow from the seed: so nobody could choose the"
              " result, and any file changed afterwards shows.")
    lead = t._("It checks that:")
    return f"<p>{_e(local)}</p><p>{_e(why)}</p><p>{_e(lead)}</p><ul>{items}</ul>"


def _file_inputs(t: Translator) -> str:
    described = {
        "announcement.json": t._("the announcement made before the draw"),
        "pool.tsv": t._("the targets that could be drawn, with their strata"),
        "inspectors.tsv": t._("the inspectors who could be drawn"),
        "recusals.tsv": t._("the recusals"),
        "record.json": t._("the draw's record (there is none before the draw)"),
    }
    rows = []
    for number, name in enumerate(FILES, start=1):
        accept = ".json,application/json" if name.endswith(".json") else (
            ".tsv,text/tab-separated-values,text/plain")
        rows.append(f'<p><label for="file-{number}">{_e(name)} ({_e(described[name])})'
                    f'</label> <input type="file" id="file-{number}" name="{_e(name)}"'
                    f' data-file="{_e(name)}" accept="{_e(accept)}"></p>')
    legend = t._("Your own copies (optional)")
    hint = t._("Choose the files you downloaded earlier to check them instead of those"
               " published here; leave them all empty to check the published ones.")
    return (f'<fieldset><legend>{_e(legend)}</legend><p>{_e(hint)}</p>{"".join(rows)}'
            "</fieldset>")


def _kept_input(t: Translator) -> str:
    """The announcement.json the reader downloaded before the lottery: not one of the five
    files (choosing it does not replace the announcement checked), but held against it."""
    label = t._("The announcement.json you kept before the draw (optional)")
    hint = t._("If you downloaded announcement.json before the lottery, choose it here: the"
               " page compares it byte for byte with the announcement it checks, which shows"
               " that the announcement was not changed after the lottery.")
    return (f'<p><label for="kept-announcement">{_e(label)}</label>'
            ' <input type="file" id="kept-announcement" name="kept-announcement"'
            ' accept=".json,application/json" aria-describedby="kept-announcement-hint"></p>'
            f'<p id="kept-announcement-hint">{_e(hint)}</p>')


def verifier_page(t: Translator, *, title: str, back_href: str, css_href: str,
                  script_href: str) -> str:
    """The verifier as a standalone HTML5 page, in `t`'s language; the five files sit
    beside it (record.json only once the draw has run)."""
    lang = "en" if t.lang == "en" else "zh-CN"
    back, verify, progress, result = t._("Back"), t._("Verify"), t._("Progress"), t._("Result")
    noscript = t._("This check needs JavaScript. Without it, download the five files and"
                   " run `choucha draw verify DIR` (Choucha's command line), which does the"
                   " same offline.")
    return "\n".join((
        "<!doctype html>",
        f'<html lang="{_e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CONTENT_SECURITY_POLICY)}">',
        f"<title>{_e(title)}</title>",
        f'<link rel="stylesheet" href="{_e(css_href)}">',
        f'<script src="{_e(script_href)}" defer></script>',
        "</head>",
        "<body>",
        f'<nav><a href="{_e(back_href)}">{_e(back)}</a></nav>',
        "<main>",
        f"<h1>{_e(title)}</h1>",
        _explanation(t),
        f'<noscript><p class="bad">{_e(noscript)}</p></noscript>',
        '<form id="verifier">',
        _file_inputs(t),
        _kept_input(t),
        f'<p><button type="submit" id="verify">{_e(verify)}</button></p>',
        "</form>",
        f'<p id="progress" class="pending" hidden><progress id="progress-bar" max="1"'
        f' value="0" aria-label="{_e(progress)}"></progress>'
        ' <span id="progress-text"></span></p>',
        f'<section id="results" aria-live="polite" aria-labelledby="results-heading">'
        f'<h2 id="results-heading">{_e(result)}</h2>'
        '<p id="source"></p><ul id="checks"></ul><p id="summary"></p></section>',
        f'<script type="application/json" id="words">{json_data(verifier_words(t))}</script>',
        "</main>",
        "</body>",
        "</html>",
        "",
    ))
