"""How a record words a checklist written by others: a label that ends with its own
question mark or colon is not given a second one, in the review (either language) and in
the PDF; a label's unit (℃) prints."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.emulator import Emulator
from bot.rules.visit import labelled
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.forms import answering, draft, workbook
from tests.support.helpers import button_labels

SURVEY = [
    ["type", "name", "label::zh", "label::en", "required"],
    ["decimal", "temp", "阴凉区温度（℃）：", "Cool-room temperature (℃):", "yes"],
    ["select_one yn", "shown", "是否公示营业执照？", "Is the licence displayed?", "yes"],
    ["text", "note", "备注", "Remarks", "yes"],
]
CHOICES = [["list_name", "name", "label::zh", "label::en"],
           ["yn", "yes", "是", "Yes"], ["yn", "no", "否", "No"]]


def test_a_label_and_its_answer_take_one_colon_in_either_language() -> None:
    assert labelled("阴凉区温度（℃）", "18.5", "zh_CN") == "阴凉区温度（℃）：18.5"
    assert labelled("阴凉区温度（℃）：", "18.5", "zh_CN") == "阴凉区温度（℃）：18.5"
    assert labelled("温度:", "18.5", "zh_CN") == "温度：18.5"
    assert labelled("是否公示？", "是", "zh_CN") == "是否公示？是"
    assert labelled("是否公示?", "是", "zh_CN") == "是否公示? 是"
    assert labelled("Temperature", "18.5", "en") == "Temperature: 18.5"
    assert labelled("Temperature (℃):", "18.5", "en") == "Temperature (℃): 18.5"
    assert labelled("Temperature：", "18.5", "en") == "Temperature: 18.5"
    assert labelled("Displayed?", "Yes", "en") == "Displayed? Yes"
    assert labelled("是否公示？", "Yes", "en") == "是否公示？Yes"


async def test_review_and_record_do_not_double_a_labels_punctuation(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        form = workbook(tmp_path / "wording.xlsx", SURVEY, CHOICES)
        leader, name = await answering(runner, emulator, tmp_path, form)
        await leader.expect("Cool-room temperature")
        await leader.send("18.5")
        await leader.press("Yes", await leader.expect("Is the licence displayed?"))
        await leader.expect("Remarks")
        await leader.send("无")
        review = (await leader.expect("Review your answers"))["text"]
        assert "Cool-room temperature (℃): 18.5" in review
        assert "Is the licence displayed? Yes" in review
        assert "Remarks: 无" in review
        assert ":: " not in review and "?:" not in review

        await leader.send("/language")
        await leader.press("中文", await leader.expect("Choose your language"))
        await leader.expect("语言已切换为中文")
        await leader.send("/tasks")
        listing = await leader.expect("未完成任务")
        await leader.press(next(b for b in button_labels(listing) if name[:20] in b),
                           listing)
        await leader.press("▶️ 继续检查", await leader.expect("检查事项："))
        home = await leader.expect("检查事项：")
        await leader.press("▶️ 继续填写我的检查表", home)  # all answered: the review
        review = (await leader.expect("核对您的答案"))["text"]
        assert "阴凉区温度（℃）：18.5" in review
        assert "是否公示营业执照？是" in review
        assert "备注：无" in review
        assert "：：" not in review and "？：" not in review and "？:" not in review

        await leader.send("/language")
        await leader.press("English", await leader.expect("选择语言"))
        await leader.expect("Language set to English.")
        _, text = await draft(leader, name, tmp_path)
        assert "阴凉区温度（℃）：18.5" in text
        assert "是否公示营业执照？是" in text
        assert "备注：无" in text
        assert "：：" not in text and "？：" not in text
    finally:
        await runner.stop()
