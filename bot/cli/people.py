"""choucha people, withdraw and unbind: who is registered, who is unavailable from a
date, unlinking an account."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import Subparsers, _fail, _with_core, cli_t, refusal
from bot.config import Settings
from bot.core import Core
from bot.rules.models import RosterEntry
from bot.rules.withdrawals import Reason
from bot.services.access import SYSTEM
from bot.services.errors import Refusal, Refused


def add(sub: Subparsers) -> None:
    """The subparsers of `people`, `withdraw`, `unbind`."""
    people = sub.add_parser("people", help="who is registered, invited or never invited")
    people.add_argument("--department", help="department code")
    people.add_argument("--unregistered", action="store_true", help="only those not registered")
    people.set_defaults(func=cmd_people)
    withdraw = sub.add_parser("withdraw",
                              help="record that an inspector is unavailable from a date")
    withdraw.add_argument("--cert", required=True, help="their 执法证号")
    withdraw.add_argument("--from", dest="from_date", required=True, help="YYYY-MM-DD")
    withdraw.add_argument("--reason", required=True,
                          choices=[r.value for r in Reason],
                          help="离职 left, 调岗 transferred, 长期请假 long_leave,"
                               " 执法证失效 cert_invalid, 其他 other")
    withdraw.add_argument("--note")
    withdraw.set_defaults(func=cmd_withdraw)
    unbind = sub.add_parser("unbind", help="unlink a person's Telegram account (audited)")
    unbind.add_argument("who", help="the person's name, or their 执法证号")
    unbind.set_defaults(func=cmd_unbind)


def cmd_people(settings: Settings, args: argparse.Namespace) -> int:
    from bot.clock import now
    from bot.services.onboarding import roster
    from bot.texts.labels import role_label, roster_status

    t = cli_t()

    async def work(core: Core) -> int:
        try:
            entries = await roster(core, SYSTEM, args.department, args.unregistered)
        except Refused as exc:
            return _fail(refusal(exc))
        today = now().astimezone(settings.tz).date()
        groups: dict[str, list[RosterEntry]] = {}
        for entry in entries:
            label = (f"{entry.department_code} {entry.department_name}"
                     if entry.department_code else t._("No department"))
            groups.setdefault(label, []).append(entry)
        for label, group in groups.items():
            registered = sum(1 for e in group if e.registered)
            print(t._("{department}: {n} people, {registered} registered").format(
                department=label, n=len(group), registered=registered))
            for entry in group:
                roles = "、".join(role_label(t, r) for r in entry.roles) or "—"
                print(f"  {entry.name}\t{entry.cert_no or '—'}\t{roles}\t"
                      + roster_status(t, entry, settings.tz, today))
        registered = sum(1 for e in entries if e.registered)
        print(t._("In all: {n} people, {registered} registered, {waiting} not yet.").format(
            n=len(entries), registered=registered, waiting=len(entries) - registered))
        if len(entries) > registered:
            print(t._("Invite them all: choucha invite --unregistered --links links.csv"
                      " --out cards.pdf"))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_withdraw(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from bot.services import withdrawals

    t = cli_t()
    try:
        when = date.fromisoformat(args.from_date)
    except ValueError:
        return _fail(t._("{value} is not a date: write it as YYYY-MM-DD, for example"
                         " 2026-10-08.").format(value=args.from_date))

    async def work(core: Core) -> int:
        async with core.db.read() as rtx:
            person = await rtx.people.person_by_cert(args.cert.strip())
        if person is None:
            return _fail(refusal(Refused(Refusal.UNKNOWN_CERT, cert=args.cert)))
        try:
            done = await withdrawals.withdraw(core, SYSTEM, person.id, when, args.reason,
                                              args.note)
        except Refused as exc:
            texts = {
                Refusal.ALREADY_WITHDRAWN: t._("{name} is recorded as unavailable already; nothing"
                                               " was changed."),
                Refusal.NO_CERT: t._("{name} has no 执法证号, so is never drawn anyway."),
            }
            text = texts.get(exc.reason)
            return _fail(text.format(name=exc.params.get("name", "")) if text
                         else refusal(exc))
        print(t._("{name} ({cert}) is unavailable from {date}: never drawn again; appended to"
                  " {draws} draw records.").format(name=done.person.name, cert=done.cert,
                                                   date=when.isoformat(), draws=done.draws))
        for task in done.open_tasks:
            print(t._("Still on the task for {target} ({start} – {due}): ask for a replacement"
                      " in the bot (/withdraw or the task's team).").format(
                target=task.target_name, start=task.window_start,
                due=task.window_due))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))


def cmd_unbind(settings: Settings, args: argparse.Namespace) -> int:
    """Unlink a person's Telegram account (audited); a new invite links one again."""
    from bot.services import accounts

    t = cli_t()
    who = args.who.strip()

    async def work(core: Core) -> int:
        found = await accounts.linked(core.db, SYSTEM, who)
        if not found:
            return _fail(t._("Nobody named {who} (or holding that 执法证号) has a Telegram"
                             " account linked; nothing was changed. `choucha people` lists"
                             " who is registered.").format(who=who))
        if len(found) > 1:
            return _fail(t._("{n} people named {who} have a Telegram account linked: give"
                             " the 执法证号 of the one to unlink instead. Nothing was"
                             " changed.").format(n=len(found), who=who))
        await accounts.unbind(core.db, SYSTEM, found[0].entry.person_id)
        print(t._("{name}'s Telegram account is unlinked: they can no longer use Choucha"
                  " (they were told). A new invite (choucha invite) links an account"
                  " again.").format(name=found[0].entry.name))
        return 0

    return asyncio.run(_with_core(settings, None, work, links=False))
