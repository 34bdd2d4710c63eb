"""choucha invite: invite links and QR cards, for one person or everyone not registered."""

from __future__ import annotations

import argparse
import asyncio
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import (
    Subparsers,
    _fail,
    _font_problem,
    _font_text,
    _with_core,
    _writable,
    cli_t,
    refusal,
)
from bot.config import Settings
from bot.core import Core
from bot.formats.rendering.fonts import FontMissing
from bot.i18n import Translator, translator
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.errors import Refused
from storage.files import (
    put_in_place,
    replace_private,
    stage_private,
)

if TYPE_CHECKING:
    from bot.services.onboarding import IssuedInvite


def add(sub: Subparsers) -> None:
    """The subparser of `invite`."""
    invite = sub.add_parser(
        "invite", help="invite people of the directory (or someone new); prints the links")
    invite.add_argument("--cert", help="the 执法证号 of a person of the inspector directory")
    invite.add_argument("--unregistered", action="store_true",
                        help="everyone not yet registered (of --department, or all)")
    invite.add_argument("--links", help="with --unregistered: write the links CSV here")
    invite.add_argument("--name", help="someone not in the directory: their name")
    invite.add_argument("--department", help="department code")
    invite.add_argument("--role", action="append",
                        help="with --name: inspector, supervisor, office or admin (repeatable)")
    invite.add_argument("--out", help="write the QR card (PNG; PDF sheet with --unregistered)")
    invite.add_argument("--bot-username")
    invite.set_defaults(func=cmd_invite)


class _Staged:
    """Output files written beside their names first, put in place only after the
    database change they describe has committed; dropped when anything fails before."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []  # (staged, final)

    async def write(self, path: str, data: bytes) -> None:
        final = Path(path)
        self.files.append((await asyncio.to_thread(stage_private, final, data), final))

    def drop(self) -> None:
        for staged, _ in self.files:
            staged.unlink(missing_ok=True)
        self.files = []

    def put_in_place(self) -> str | None:
        """Rename each to its name; the sentence for one that could not be."""
        for staged, final in self.files:
            try:
                put_in_place(staged, final)
            except OSError:
                return cli_t()._("The invites were made, but {file} could not be given its name:"
                              " the same contents are in {staged}; rename that file to"
                              " {file}.").format(file=final, staged=staged)
        return None


def _not_written(file: str) -> str:
    return cli_t()._("{file} could not be written (is the disk full, or the folder read-only?):"
                  " free some space or choose another place and run this again. Nothing was"
                  " changed; earlier invites still work.").format(file=file)


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    """`choucha invite`: check the arguments and the files, then make the invites."""
    roles = _invite_roles(args)
    if isinstance(roles, int):
        return roles
    zh = translator("zh_CN")
    return asyncio.run(_with_core(settings, args.bot_username, functools.partial(
        _invite, settings, args, roles, zh)))


def _invite_roles(args: argparse.Namespace) -> list[Role] | int:
    """The roles of a new person, once the arguments and the output files are checked;
    the exit code when they cannot be used (nothing done)."""
    t = cli_t()
    modes = [bool(args.cert), bool(args.unregistered), bool(args.name)]
    if sum(modes) != 1:
        return _fail(t._("Say whom to invite: --cert CERT (a person of the directory),"
                         " --unregistered (everyone not yet registered) or --name NAME"
                         " --department CODE --role ROLE (someone not in the directory)."))
    if args.name and not args.role:
        return _fail(t._("Give the new person's --role (inspector, supervisor, office or"
                         " admin)."))
    if args.unregistered and not args.links:
        return _fail(t._("--unregistered writes everyone's link to a CSV file: add --links"
                         " links.csv (and --out cards.pdf for the printable cards)."))
    try:
        roles = [Role(r) for r in args.role or []]
    except ValueError:
        return _fail(t._("--role is one of: inspector, supervisor, office, admin."))
    for path in (args.out, args.links):
        problem = _writable(path)
        if problem:
            return _fail(problem)
    if args.out:
        problem = _font_problem()
        if problem:
            return _fail(problem)
    return roles


async def _write_files(core: Core, settings: Settings, args: argparse.Namespace,
                       zh: Translator, staged: _Staged, planned: list[IssuedInvite]) -> None:
    """The links file and the cards, staged beside their names."""
    from bot.services import invite_sheets

    if args.unregistered:
        await staged.write(args.links, invite_sheets.links_csv(planned, settings.tz))
        if args.out:
            await staged.write(args.out, await invite_sheets.render_cards(
                core.workers, planned, settings.tz, zh))
    elif args.out:
        await staged.write(args.out, await asyncio.to_thread(
            invite_sheets.card_png, planned[0], settings.tz, zh))


async def _replace(core: Core, settings: Settings, args: argparse.Namespace,
                   zh: Translator) -> list[IssuedInvite] | int:
    """Plan the invites, write them down, then store them: a failure before the commit
    leaves every earlier invite working (and the files as they were)."""
    from bot.services.onboarding import plan_by_cert, plan_unregistered, store_planned
    from bot.workers import WorkFailed

    t = cli_t()
    try:
        if args.unregistered:
            planned = await plan_unregistered(core, SYSTEM, args.department)
        else:
            planned = [await plan_by_cert(core, SYSTEM, args.cert)]
    except Refused as exc:
        return _fail(refusal(exc))
    if not planned:
        return []
    staged = _Staged()
    stored = False
    try:
        try:
            await _write_files(core, settings, args, zh, staged, planned)
        except FontMissing as exc:
            return _fail(_font_text(exc))
        except WorkFailed:
            return _fail(t._("The cards could not be drawn within the time and memory"
                             " allowed: invite one department at a time (--department"
                             " CODE). Nothing was changed; earlier invites still work."))
        except OSError:
            return _fail(_not_written(args.links if args.unregistered
                                      and len(staged.files) == 0 else args.out))
        try:
            issued = await store_planned(core, SYSTEM, planned)
        except Refused:
            return _fail(t._("Someone's entry changed while the files were written, so"
                             " nothing was changed and earlier invites still work: run"
                             " this again."))
        stored = True
    finally:
        if not stored:  # the files describe invites that were not made
            staged.drop()
    problem = staged.put_in_place()
    if problem:
        return _fail(problem, code=1)
    return issued


async def _invite(settings: Settings, args: argparse.Namespace, roles: list[Role],
                  zh: Translator, core: Core) -> int:
    """Make the invites (a new person's, or in place of the open ones) and print them."""
    from bot.services.onboarding import invite_person

    if args.name:
        try:
            issued_all = [await invite_person(core, SYSTEM, args.name, args.department,
                                              roles)]
        except Refused as exc:
            return _fail(refusal(exc))
    else:
        result = await _replace(core, settings, args, zh)
        if isinstance(result, int):
            return result
        issued_all = result
    if args.unregistered:
        return _print_unregistered(args, issued_all)
    return await _print_one(settings, args, zh, issued_all[0])


def _print_unregistered(args: argparse.Namespace, issued_all: list[IssuedInvite]) -> int:
    """How many invites were made for those not registered, and where the files are."""
    t = cli_t()
    if not issued_all:
        print(t._("Everyone is registered already; no invite was made."))
        return 0
    print(t.ngettext("{n} invite made (each earlier open invite was replaced).",
                     "{n} invites made (each earlier open invite was replaced).",
                     len(issued_all)).format(n=len(issued_all)))
    print(t._("Links written to {file}").format(file=args.links))
    if args.out:
        print(t._("Printable QR cards written to {file}").format(file=args.out))
    return 0


async def _print_one(settings: Settings, args: argparse.Namespace, zh: Translator,
                     issued: IssuedInvite) -> int:
    """One person's invite: its link, until when it works, and its card if asked for."""
    from bot.services import invite_sheets

    t = cli_t()
    expires = issued.invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    print(t._("Invite for {name} (works once, until {expires}):").format(
        name=issued.person.name, expires=expires))
    print(issued.link, flush=True)
    if args.out:
        if args.name:  # a new person: the link above is theirs whatever happens here
            try:
                await asyncio.to_thread(replace_private, Path(args.out), await
                                        asyncio.to_thread(invite_sheets.card_png, issued,
                                                          settings.tz, zh))
            except OSError:
                return _fail(t._("The invite was made and its link above works, but the"
                                 " card could not be written to {file}: send or print the"
                                 " link instead.").format(file=args.out), code=1)
        print(t._("QR card written to {file}").format(file=args.out))
    return 0
