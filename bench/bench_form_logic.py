"""What one question screen costs in form logic, for a checklist with a repeat group
(issue 17).

Run:  .venv/bin/python -m bench.bench_form_logic [--entries 10 50] [--rounds 200]

For each size: a form whose repeat group of 5 questions (a relevance, a constraint, a
calculation per entry) has that many entries, every answer given, and a sum over the
entries; and, as the baseline in the same process, a flat form with the same number of
questions written out one by one with the same logic. Timed: what a visit does for one
question screen (lay the form out for this visit, the form's values, the relevant
questions, the next open question, the screen's text and buttons).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from bot.buttons.visits import VisitBack, VisitChoose, VisitDone, VisitPause, VisitSkip
from bot.i18n import translator
from bot.rules import visit as rules
from bot.rules.checklist import Checklist, Question, Repeat
from bot.views.questions import QuestionKeys, question_screen

TODAY = date(2026, 12, 1)


def _questions(suffix: str, repeat: str | None) -> list[Question]:
    return [
        Question(f"name{suffix}", "text", {"zh_CN": "产品名称", "en": "Product"}, repeat=repeat),
        Question(f"qty{suffix}", "integer", {"zh_CN": "数量", "en": "Quantity"},
                 constraint=". >= 0 and . <= 1000", repeat=repeat),
        Question(f"bad{suffix}", "integer", {"zh_CN": "过期数", "en": "Expired"},
                 relevant=f"${{qty{suffix}}} > 0", repeat=repeat),
        Question(f"share{suffix}", "calculate", {"zh_CN": "比例", "en": "Share"},
                 calculation=f"round(${{bad{suffix}}} div ${{qty{suffix}}} * 100, 1)",
                 repeat=repeat),
        Question(f"note{suffix}", "text", {"zh_CN": "说明", "en": "Note"},
                 relevant=f"${{share{suffix}}} > 10", repeat=repeat),
    ]


def repeated(entries: int) -> tuple[Checklist, dict[str, rules.Answer]]:
    members = _questions("", "sample")
    form = Checklist("SC-001", "抽样", "1", (
        *members, Question("total", "calculate", {"zh_CN": "合计", "en": "Total"},
                           calculation="sum(${qty})")),
        repeats=(Repeat("sample", {"zh_CN": "样品", "en": "Sample"},
                        tuple(q.name for q in members), str(entries)),))
    answers = {}
    for n in range(1, entries + 1):
        answers |= {f"name#{n}": rules.Answer(f"产品{n}"), f"qty#{n}": rules.Answer("20"),
                    f"bad#{n}": rules.Answer("3"), f"note#{n}": rules.Answer("过期")}
    return form, answers


def flat(entries: int) -> tuple[Checklist, dict[str, rules.Answer]]:
    questions = [q for n in range(1, entries + 1) for q in _questions(f"_{n}", None)]
    total = " + ".join(f"${{qty_{n}}}" for n in range(1, entries + 1))
    form = Checklist("SC-001", "抽样", "1", (
        *questions, Question("total", "calculate", {"zh_CN": "合计", "en": "Total"},
                             calculation=total)))
    answers = {}
    for n in range(1, entries + 1):
        answers |= {f"name_{n}": rules.Answer(f"产品{n}"), f"qty_{n}": rules.Answer("20"),
                    f"bad_{n}": rules.Answer("3"), f"note_{n}": rules.Answer("过期")}
    return form, answers


def screen(form: Checklist, answers: dict[str, rules.Answer]) -> str:
    """One question screen, as a visit renders it (the last question, re-asked)."""
    t = translator("zh_CN")
    asked = rules.expand(form, answers, TODAY)
    relevant = rules.relevant_questions(asked, answers, TODAY)
    rules.next_open(asked, answers, TODAY)
    question = relevant[-1]
    text, _ = question_screen(
        t, "📋", asked, answers, question, TODAY, 0, [],
        QuestionKeys(choose=lambda c: VisitChoose(1, 1, 1, c),
                     toggle=lambda c: VisitChoose(1, 1, 1, c), done=VisitDone(1, 1, 1),
                     back=VisitBack(1, 1, 1), skip=VisitSkip(1, 1, 1),
                     leave=("⏸", VisitPause(1))))
    return text


def timed(form: Checklist, answers: dict[str, rules.Answer], rounds: int) -> float:
    screen(form, answers)  # warm: parsed expressions are cached
    started = time.perf_counter()
    for _ in range(rounds):
        screen(form, answers)
    return (time.perf_counter() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", nargs="*", type=int, default=[10, 50])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    for entries in args.entries:
        form, answers = repeated(entries)
        values = rules.form_values(rules.expand(form, answers, TODAY), answers, TODAY)
        assert values["total"] == 20.0 * entries, values["total"]
        with_repeat = timed(form, answers, args.rounds)
        baseline = timed(*flat(entries), args.rounds)
        print(f"{entries} entries × 5 questions ({entries * 5} questions):"
              f" repeat group {with_repeat:.2f} ms per screen,"
              f" flat form (baseline) {baseline:.2f} ms; ratio {with_repeat / baseline:.2f}x")


if __name__ == "__main__":
    main()
