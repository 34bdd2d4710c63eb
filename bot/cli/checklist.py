"""choucha checklist preview: an XLSForm's questions and logic, nothing loaded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import Subparsers, _fail, cli_t
from bot.config import Settings


def add(sub: Subparsers) -> None:
    """The subparser of `checklist`."""
    checklist = sub.add_parser("checklist", help="XLSForm checklists")
    chsub = checklist.add_subparsers(dest="action", required=True)
    preview = chsub.add_parser("preview", help="print a form's questions and logic, load nothing")
    preview.add_argument("file")
    checklist.set_defaults(func=cmd_checklist)


def cmd_checklist(settings: Settings, args: argparse.Namespace) -> int:
    """`choucha checklist preview FILE`: the form's questions in order with their logic,
    or every problem that keeps it from loading; nothing is loaded."""
    import tempfile

    from bot.formats.tabular import TableError, check_zip, is_bundle, open_bundle
    from bot.rules.checklist import ChecklistError, load_xlsform
    from bot.views.checklists import preview_lines, problem_lines

    t = cli_t()
    path = Path(args.file)
    if not path.is_file():
        return _fail(t._("There is no file {file}: check the name and the folder.").format(
            file=path))
    try:
        check_zip(path)
        if is_bundle(path):
            with tempfile.TemporaryDirectory() as scratch:
                form, files = open_bundle(path, Path(scratch))
                checklist = load_xlsform(form, files)
        else:
            checklist = load_xlsform(path)
    except TableError:
        return _fail(t._("{file} is not a readable .xlsx workbook: save the form again from"
                         " Excel or WPS and try again.").format(file=path))
    except ChecklistError as exc:
        print(t._("This form cannot be loaded as it is:"), file=sys.stderr)
        for line in problem_lines(t, exc.problems):
            print(f"  {line}", file=sys.stderr)
        return 1
    print("\n".join(preview_lines(t, checklist)))
    return 0
