"""The screen walk's rule: every screen a person reaches says what comes next or that it
is final (issue 27), and reads in one language.

Every journey test that runs the real bot against the emulator is checked at its end
(tests/conftest.py): the emulator keeps each screen (a message sent or edited, with its
buttons) and the number of updates its person had sent by then. The screens shown
between two of a person's actions are one turn; in a turn, every screen after the last
one that leads on strands its reader. A screen leads on when it
- has buttons or a reply keyboard (the next action is a tap),
- names a command (/tasks, /cancel, …),
- carries a file (a record, a sheet, a card: what the person asked for),
- asks for something (a question, "Send …", "请…"), or
- says what happens next or that nothing more is needed, in the words below.
The test fails and names every screen that strands its reader. Known limit: a person
who does nothing gets every notice in one turn (the emulator cannot tell a reply from a
notice), so a notice there is judged with those after it.

The words are the ones the bot uses to say so; a new screen either uses them or has a
button. They are kept short and few on purpose: a phrase here is a promise that every
text holding it tells the person where they stand.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.emulator.core import Screen
from bot.i18n import LANGUAGES, normalize_language
from handlers.common import COMMAND
from tests.support.catalogue import entries

LINK = re.compile(r"\S*(https?://|t\.me/)\S*")  # a link's ? and = are not a question
# A question, or a sentence that tells the person what to do (a verb that starts it, not a
# label such as "Type: …").
ASKS = re.compile(
    r"[?？]|[:：]\s*$"
    r"|(^|[.!;:]\s+|\n|—\s)(please|send|type|tap|describe|choose|write|give|share|ask|tell"
    r"|use|open|run|fix|print|forward|wait|try|press|answer|sign|publish|keep|hand)\b(?!:)"
    r"|\bplease\b|\bask (your|the|them|for)\b|\bname (another|a|the)\b"
    r"|(?<!申)请|点按|打开",
    re.MULTILINE | re.IGNORECASE)
# What comes next, or that nothing more does.
NEXT = (
    # English
    "nothing more", "Nothing more", "nothing was", "Nothing was", "Nothing of", "Nothing else",
    "nothing else", "nothing is needed", "is final", "are final", "is frozen",
    "will be told", "is told", "are told", "was told", "were told", "has been told",
    "have been told", "arrives here", "arrive here", "comes here", "come here", "goes to",
    "reaches them", "You stay", "you stay", "You are released", "stays as it was",
    "as soon as", "once they", "when they", "reminders stop", "Next:",
    # Chinese
    "无需", "已锁定", "未作任何", "未记录任何", "未公示任何", "没有任何", "未作更改", "未保存",
    "已通知", "已告知", "将通知", "会通知", "发到这里", "发送到这里", "完成后", "保持不变",
    "即会", "届时", "待其", "下一步",
)


@dataclass(frozen=True)
class Stranded:
    chat_id: int
    turn: int
    texts: tuple[str, ...]

    def __str__(self) -> str:
        shown = " ⏎ ".join(t.replace("\n", " ⏎ ")[:160] for t in self.texts)
        return f"chat {self.chat_id}, turn {self.turn}: {shown}"


def leads_on(screen: Screen) -> bool:
    """Whether this one screen tells its person what comes next (or that it is final)."""
    if screen.buttons or screen.reply_keyboard or screen.file:
        return True
    text = LINK.sub("", screen.text)
    return bool(COMMAND.search(text) or ASKS.search(text)
                or any(phrase in text for phrase in NEXT))


def stranded(screens: Iterable[Screen]) -> list[Stranded]:
    """The turns whose screens say neither what comes next nor that they are final."""
    turns: dict[tuple[int, int], list[Screen]] = {}
    for screen in screens:
        if screen.chat_id < 0:
            continue  # a channel's post is for the public to read: nothing follows it
        if screen.method == "editMessageReplyMarkup" and not screen.buttons:
            continue  # buttons taken away from a message already read: not a new screen
        turns.setdefault((screen.chat_id, screen.turn), []).append(screen)
    found = []
    for (chat, turn), shown in turns.items():
        # A screen may be followed in its turn by the one that says what next (an
        # acknowledgement, then the next question); nothing after the last that leads on.
        last = max((i for i, s in enumerate(shown) if leads_on(s)), default=-1)
        if last < len(shown) - 1:
            found.append(Stranded(chat, turn, tuple(s.text for s in shown[last + 1:])))
    return found


@cache
def _fragments() -> tuple[frozenset[str], frozenset[str]]:
    """Pieces of text only the English messages hold (three words or more) and only the
    Chinese ones hold (six CJK characters or more), from the zh_CN catalogue."""
    split = re.compile(r"\{[^}]*\}|<[^>]+>|\n")
    ids = [i for entry in entries("zh_CN") for i in entry.ids]
    strings = [s for entry in entries("zh_CN") for s in entry.strings if s]
    every_id, every_string = "\n".join(ids), "\n".join(strings)
    english = {p for i in ids for p in (x.strip(" .,:;()") for x in split.split(i))
               if len(re.findall(r"[A-Za-z]{2,}", p)) >= 3 and p not in every_string}
    chinese = {p for s in strings for p in (x.strip(" .,:;()，。：；（）") for x in split.split(s))
               if len(re.findall(r"[\u4e00-\u9fff]", p)) >= 6 and p not in every_id}
    return frozenset(english), frozenset(chinese)


CHOOSER = "Choose your language / 选择语言"  # in both languages on purpose
PUBLIC_POST = "📢"  # the public post is Chinese whoever previews it (the channel's language)
# Chinese only the bot's own sentences hold, never a name, a target or a typed note.
SPOKEN = re.compile(r"[您请]")


def languages(db: Path) -> dict[int, str]:
    """Each chat's language at the end of the test, by the bot's one rule (bot.i18n)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT a.chat_id, a.language, p.language, a.language_code"
            " FROM telegram_accounts a LEFT JOIN people p ON p.id = a.person_id"
            " WHERE a.chat_id IS NOT NULL").fetchall()
    found = {}
    for chat_id, account, person, client in rows:
        chosen = next((c for c in (account, person) if c in LANGUAGES), None)
        found[int(chat_id)] = chosen or normalize_language(client)
    return found


def mixed(screens: Iterable[Screen], languages: dict[int, str]) -> list[str]:
    """Screens in the other language's words than their reader's: an English message in
    a Chinese reader's screen (untranslated, or rendered with someone else's language),
    or the bot's own Chinese sentences in an English reader's."""
    english, chinese = _fragments()
    spoken = [p for p in chinese if SPOKEN.search(p)]
    screens = list(screens)
    # A chat offered the language choice may have switched: its screens before the switch
    # are in the other language, and `languages` knows only the last.
    switching = {s.chat_id for s in screens if CHOOSER in s.text}
    found = []
    for screen in screens:
        language = languages.get(screen.chat_id)
        if screen.chat_id in switching:
            continue
        text = "\n".join([screen.text.split(PUBLIC_POST, 1)[0], *screen.buttons])
        if language == "zh_CN":
            stray = next((p for p in english if p in text), None)
        elif language == "en":
            stray = next((p for p in spoken if p in text), None)
        else:
            continue
        if stray:
            found.append(f"a {language} reader's screen {text[:160]!r} holds “{stray}”")
    return found
