"""The rules of the visit without I/O: typed answers, skip logic, suggestions, the legal
wording, canonical hashes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Choice, Question
from bot.texts.labels import legal

TODAY = date(2026, 11, 23)
YES_NO = (Choice("yes", {"zh_CN": "符合", "en": "Compliant"}),
          Choice("no", {"zh_CN": "不符合", "en": "Non-compliant"}),
          Choice("na", {"zh_CN": "不适用", "en": "Not applicable"}))
FORM = Checklist("X-1", "t", "1", (
    Question("hello", "note", {"zh_CN": "请出示证件"}),
    Question("a", "select_one", {"zh_CN": "A?"}, required=True, choices=YES_NO,
             compliant="yes", noncompliant="no"),
    Question("why", "text", {"zh_CN": "Why?"}, relevant="${a} = 'no'"),
    Question("area", "decimal", {"zh_CN": "面积"}, constraint=". > 0",
             constraint_message={"zh_CN": "面积应大于 0", "en": "Must be above 0"}),
    Question("when", "date", {"zh_CN": "日期"}, constraint=". <= today()"),
    Question("where", "geopoint", {"zh_CN": "位置"}),
    Question("b", "select_one", {"zh_CN": "B?"}, choices=YES_NO, compliant="yes",
             noncompliant="no"),
))


def q(name: str) -> Question:
    found = rules.question(FORM, name)
    assert found is not None
    return found


def test_typed_answers_are_parsed_or_refused_with_a_reason() -> None:
    assert rules.parse_typed(q("area"), " １２.５０ ") == "12.5"
    assert rules.parse_typed(q("area"), "1,200") == "1200"
    assert rules.parse_typed(q("when"), "2026年3月7日") == "2026-03-07"
    assert rules.parse_typed(q("when"), "2026/03/07") == "2026-03-07"
    for question, bad, message in ((q("area"), "about ten", "Please type a number"),
                                   (q("area"), "nan", "Please type a number"),
                                   (q("when"), "2026-02-30", "Please type a date"),
                                   (q("why"), "   ", "Please type an answer")):
        with pytest.raises(rules.Invalid) as caught:
            rules.parse_typed(question, bad)
        assert caught.value.message.startswith(message)
    # Free text exactly as typed: full-width punctuation and digits stay (only the ends
    # are trimmed), unlike numbers and dates.
    typed = "仓库内发现过期食品３箱，已责令下架；负责人：张三（店长）"
    assert rules.parse_typed(q("why"), f"  {typed}\n") == typed
    assert rules.parse_typed(q("why"), "第一行\n第二行") == "第一行\n第二行"
    # Invisible characters that would make the record read differently are refused.
    for hidden in ("无\u202e异议", "合\u200b格", "a\x1bb"):
        with pytest.raises(rules.Invalid) as caught:
            rules.parse_typed(q("why"), hidden)
        assert caught.value.message.startswith("This answer holds invisible characters")
    integer = Question("n", "integer", {})
    assert rules.parse_typed(integer, "+007") == "7"
    with pytest.raises(rules.Invalid):
        rules.parse_typed(integer, "7.5")


def test_constraints_use_the_forms_message_in_the_readers_language() -> None:
    with pytest.raises(rules.Invalid) as caught:
        rules.check_constraint(q("area"), "0", {}, TODAY, "en")
    assert caught.value.own == "Must be above 0"
    with pytest.raises(rules.Invalid) as caught:
        rules.check_constraint(q("area"), "0", {}, TODAY, "zh_CN")
    assert caught.value.own == "面积应大于 0"
    rules.check_constraint(q("area"), "3.5", {}, TODAY, "en")
    with pytest.raises(rules.Invalid) as caught:
        rules.check_constraint(q("when"), "2026-11-24", {}, TODAY, "en")
    assert caught.value.own is None and caught.value.message == "This answer is not allowed here."


def test_skip_logic_order_back_and_notes() -> None:
    answers: dict[str, rules.Answer] = {}
    first = rules.next_open(FORM, answers, TODAY)
    assert first is not None and first.name == "a"
    assert [n.name for n in rules.notes_before(FORM, "a", answers, TODAY)] == ["hello"]
    answers["a"] = rules.Answer("yes")
    after = rules.next_open(FORM, answers, TODAY, "a")
    assert after is not None and after.name == "area"  # "why" is not relevant
    answers["a"] = rules.Answer("no")
    after = rules.next_open(FORM, answers, TODAY, "a")
    assert after is not None and after.name == "why"
    back = rules.previous(FORM, answers, TODAY, "area")
    assert back is not None and back.name == "why"
    for name in ("why", "area", "when", "where", "b"):
        answers[name] = rules.Answer("x", skipped=True)
    assert rules.next_open(FORM, answers, TODAY) is None


def test_the_suggestion_follows_the_compliance_answers() -> None:
    assert rules.suggest(FORM, {}, TODAY) == []
    assert rules.suggest(FORM, {"a": rules.Answer("yes"), "b": rules.Answer("na")},
                         TODAY) == ["no_problem"]
    assert rules.suggest(FORM, {"a": rules.Answer("yes"), "b": rules.Answer("no")},
                         TODAY) == ["corrected", "follow_up"]
    # A skipped answer is no evidence either way.
    assert rules.suggest(FORM, {"b": rules.Answer("", skipped=True)}, TODAY) == []


def test_answers_are_shown_in_the_readers_language() -> None:
    assert rules.display(q("a"), rules.Answer("no"), "en") == "Non-compliant"
    assert rules.display(q("a"), rules.Answer("no"), "zh_CN") == "不符合"
    assert rules.display(q("where"), rules.Answer("24.4 98.5"), "en") == "24.4, 98.5"
    assert rules.display(q("why"), rules.Answer("", skipped=True), "en") == "—"


def test_the_eight_results_are_the_articles_words_in_its_order() -> None:
    article = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
    text = next(article.glob("003_*")).read_text(encoding="utf-8") if article.is_dir() else ""
    listed = "、".join(zh for zh, _ in rules.RESULTS.values())
    if text:
        assert f"检查结果分为{listed}等 8 种情形" in text
        for zh, _ in rules.NONCOOPERATION.values():
            assert zh in text
    zh, en = translator("zh_CN"), translator("en")
    for key, (wording, _) in rules.RESULTS.items():
        assert legal(rules.RESULTS, key, zh) == wording
        assert zh._(rules.RESULTS[key][1]) == wording  # the catalog agrees with the law
        assert legal(rules.RESULTS, key, en) == rules.RESULTS[key][1]


def test_hashes_are_canonical() -> None:
    assert rules.digest({"b": 1, "a": "检"}) == rules.digest({"a": "检", "b": 1})
    assert rules.digest({"a": 1}) != rules.digest({"a": 2})
