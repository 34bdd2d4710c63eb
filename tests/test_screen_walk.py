"""The screen walk's rule (tests/support/screens.py) itself: it fails on a screen that strands
its reader, and on a screen in the other language's words; it passes what leads on.

The walk runs at the end of every journey test that drives the real bot (conftest.py),
so every journey is walked screen by screen: the visit (tests/test_visits.py,
test_absent_member.py, test_readme.py), the replacement (test_tasks.py,
test_absent_replacements.py), the correction (test_corrections.py), the publication
(test_publication.py), the invite (test_onboarding.py, test_people.py) and the draw
(test_draws.py, test_draw_sealed.py)."""

from __future__ import annotations

from bot.emulator.core import Screen
from tests.support import screens


def shown(text: str, chat: int = 1, turn: int = 1, buttons: tuple[str, ...] = (),
          method: str = "sendMessage") -> Screen:
    return Screen(chat_id=chat, method=method, text=text, buttons=buttons,
                  reply_keyboard=False, file=False, turn=turn)


def test_a_turn_that_says_neither_what_next_nor_final_is_stranded() -> None:
    found = screens.stranded([shown("✅ Checked in at 24.43, 98.58.")])
    assert [f.texts for f in found] == [("✅ Checked in at 24.43, 98.58.",)]
    # The same acknowledgement followed, in the same turn, by a screen with buttons.
    assert screens.stranded([shown("✅ Checked in at 24.43, 98.58."),
                             shown("Items:", buttons=("▶️ Continue",))]) == []
    # Another turn does not rescue it, nor does a screen before it.
    assert len(screens.stranded([shown("✅ Checked in."),
                                 shown("Items:", turn=2, buttons=("▶️",))])) == 1
    assert [f.texts for f in screens.stranded([shown("Items:", buttons=("▶️",)),
                                               shown("✅ Checked in.")])] == [
        ("✅ Checked in.",)]
    # Buttons taken away from a message already read are no screen of their own.
    assert screens.stranded([shown("old", method="editMessageReplyMarkup")]) == []


def test_what_leads_on() -> None:
    for text in ("Send /help to see what you can do.", "Who signs for the party?",
                 "Name of the witness:", "Please check the link.", "请发送照片。",
                 "📤 Submitted. The record is frozen.", "未作任何更改。",
                 "The result comes here when it is done."):
        assert screens.leads_on(shown(text)), text
    for text in ("Language set to English.", "✅ Loaded departments: 3 rows.",
                 "已公示 3 条结果。", "Approved. 林超 was drawn at random.",
                 "• 张伟 · invited, until 12-14 09:00", "The link is https://t.me/bot?start=abc.",
                 "Type: 个体工商户 · legal representative: 王*", "Check record, version 2",
                 "更换申请已收到。", "结果：通过登记的住所无法联系"):
        assert not screens.leads_on(shown(text)), text


def test_a_screen_in_the_other_language_is_found() -> None:
    english, chinese = screens._fragments()
    sentence = next(iter(sorted(english)))
    spoken = next(p for p in sorted(chinese) if screens.SPOKEN.search(p))
    languages = {1: "zh_CN", 2: "en"}
    found = screens.mixed([shown(f"📋 任务 {sentence}", chat=1), shown(f"Task {spoken}", chat=2),
                           shown("📋 任务", chat=1), shown("Task 芒市丰源大药房", chat=2)],
                          languages)
    assert len(found) == 2 and sentence in found[0] and spoken in found[1]
    # A chat offered the language choice may have switched: left alone.
    assert screens.mixed([shown(screens.CHOOSER, chat=1), shown(sentence, chat=1)],
                         languages) == []
