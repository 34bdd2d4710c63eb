"""Every reason a service refuses for has a text in both languages (not the generic
"no longer valid", which is for stale buttons only), in the refusal texts of a journey."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from bot.i18n import translator
from bot.services.errors import Refusal, Refused
from handlers.common import Buttons, stale_text

# Reasons that are worded as a stale button on purpose: the button or flow is gone.
STALE = {Refusal.STALE, Refusal.NO_FLOW, Refusal.NOT_CURRENT}
# Refused for the command line only (key rotation), worded in bot/cli/common.py.
CLI_ONLY = {Refusal.ID_KEY_IN_ENV, Refusal.ID_KEY_MISSING, Refusal.ID_KEY_WRONG,
            Refusal.ID_KEY_BAD, Refusal.DATA_KEY_MISSING, Refusal.DATA_KEY_WRONG}

Wording = Callable[..., str]


VIEWS = ("aftercare", "corrections", "digest", "draws", "invites", "listings", "materials",
         "people", "practice", "publication", "replacements", "tasks", "team", "visits",
         "withdrawals")


def _wordings() -> dict[str, Wording]:
    """Every journey's refusal texts (bot/views/<journey>.py), and the button tables'."""
    found: dict[str, Wording] = {}
    for name in VIEWS:
        module = importlib.import_module(f"bot.views.{name}")
        found[f"bot.views.{name}.refusal_text"] = module.refusal_text
    for name in ("admin", "aftercare", "corrections", "digest", "draws", "onboarding", "people",
                 "practice", "publication", "replacements", "tasks", "visits", "withdrawals"):
        module = importlib.import_module(f"handlers.{name}")
        for attr, value in vars(module).items():
            if isinstance(value, Buttons):
                found[f"handlers.{name}.{attr}"] = value.refusals
    from bot.cli.common import refusal
    found["bot.cli.refusal"] = lambda t, exc: refusal(exc, t)
    return found


def _text(wording: Wording, lang: str, reason: Refusal) -> str:
    t = translator(lang)
    params = {"name": "X", "by": "X", "start": "2026-12-01", "names": "X", "date": "2026-12-01",
              "stratum": "A", "target": "X", "code": "X", "department": "X", "source": "X",
              "cert": "X", "kind": "X"}
    exc = Refused(reason, **params)
    return wording(t, exc)


def test_every_refusal_has_a_text_in_both_languages() -> None:
    wordings = _wordings()
    missing = []
    for reason in Refusal:
        if reason in STALE or reason in CLI_ONLY:
            continue
        worded = False
        for wording in wordings.values():
            en, zh = _text(wording, "en", reason), _text(wording, "zh_CN", reason)
            generic = {stale_text(translator("en")), stale_text(translator("zh_CN"))}
            if en in generic or "Refused (" in en or "Refused: " + reason.value in en:
                continue
            assert en != zh, (reason, en)  # translated
            worded = True
            break
        if not worded:
            missing.append(reason.value)
    assert missing == []


# Which journeys' texts word the refusals of each service (the handlers that call it).
JOURNEYS: dict[str, tuple[str, ...]] = {
    # (the party's page for a desk check's documents words its own: bot/views/materials.py)
    "visits": ("bot.views.visits.refusal_text", "bot.views.materials.refusal_text"),
    "party": ("bot.views.visits.refusal_text",),
    "tasks": ("bot.views.tasks.refusal_text", "bot.views.visits.refusal_text",
              "bot.views.replacements.refusal_text"),
    "replacements": ("bot.views.replacements.refusal_text",),
    "withdrawals": ("bot.views.withdrawals.refusal_text",),
    "publication": ("bot.views.publication.refusal_text",),
    "corrections": ("bot.views.corrections.refusal_text",),
    "aftercare": ("bot.views.aftercare.refusal_text",),
    "team": ("bot.views.team.refusal_text",),
    "practice": ("bot.views.practice.refusal_text",),
    "draws": ("bot.views.draws.refusal_text",),
    "listings": ("bot.views.listings.refusal_text", "bot.views.draws.refusal_text"),
    "invite_flow": ("bot.views.invites.refusal_text",),
    "onboarding": ("bot.views.invites.refusal_text", "bot.views.people.refusal_text",
                   "bot.cli.refusal"),
    "access": ("bot.cli.refusal",),
    "accounts": ("bot.cli.refusal", "bot.views.people.refusal_text"),
}


def test_each_service_refusal_is_worded_by_its_journey() -> None:
    """A reason a service raises reads as a sentence in the journey that calls it."""
    import re
    from pathlib import Path

    from bot.config import REPO_ROOT

    wordings = _wordings()
    generic = {stale_text(translator("en"))}
    missing = []
    for service, names in JOURNEYS.items():
        found = Path(REPO_ROOT, "bot", "services", service)  # a module or a package
        source = "".join(p.read_text() for p in sorted(found.glob("*.py"))) \
            if found.is_dir() else found.with_suffix(".py").read_text()
        assert source, service
        for value in sorted(set(re.findall(r"Refusal\.([A-Z_0-9]+)", source))):
            reason = Refusal[value]
            if reason in STALE:
                continue
            texts = [_text(wordings[name], "en", reason) for name in names]
            if all(text in generic or "Refused (" in text for text in texts):
                missing.append(f"{service}: {reason.value}")
    assert missing == []


def test_text_with_hidden_characters_is_refused_and_ordinary_text_kept() -> None:
    """Names, reasons and opinions (issue 29): Unicode Cf and Cc refused, whitespace kept
    as single spaces."""
    import pytest

    from bot.services.errors import Refusal, Refused, typed_line

    assert typed_line("  张 伟\n 同意\t") == "张 伟 同意"
    assert typed_line("👍 🏽") == "👍 🏽" and typed_line("❤️") == "❤️"
    for hidden in ("李\u202e四", "a\u200bb", "x\u2066y", "\x1b[31m", "a\x00b", "\ufeffname",
                   "\u3164", "a\ud800b", "\ue000", "a\u2800b"):
        with pytest.raises(Refused) as caught:
            typed_line(hidden)
        assert caught.value.reason == Refusal.HIDDEN_CHARACTERS
