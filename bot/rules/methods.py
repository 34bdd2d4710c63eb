"""检查方式: how an item is checked (001 (四), 002 (四), 003 第二十条, 004 (五)2): on site, on
paper, online, or by a commissioned professional body. The item list states it in words
(检查方式, free text in the provinces' lists); a plan may set it for its items; a visit fixes
it per item when it starts, and it decides what the visit asks: a check-in and the party's
signature only where the team is on the party's premises."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

from bot.i18n import N_

# Off-site, as the lists write it: read as a desk check (the words of 现场 inside them are
# not on site).
_OFF_SITE = "\x00off-site\x00"
_NOT_ON_SITE = ("非现场", "不进行现场", "无需现场", "不到现场", "off-site", "off site")


class CheckMethod(enum.StrEnum):
    ON_SITE = "on_site"  # 实地核查
    DOCUMENTS = "documents"  # 书面检查
    ONLINE = "online"  # 网络监测
    DELEGATED = "delegated"  # 委托专业机构


# Each method's legal wording (Chinese, as the record and the publication state it) and its
# English.
WORDING: dict[CheckMethod, tuple[str, str]] = {
    CheckMethod.ON_SITE: ("实地核查", N_("On-site check")),
    CheckMethod.DOCUMENTS: ("书面检查", N_("Desk check of documents")),
    CheckMethod.ONLINE: ("网络监测", N_("Online check")),
    CheckMethod.DELEGATED: ("委托专业机构检查", N_("Check by a commissioned professional body")),
}

# What the provinces' lists write, by method: the seeds' own words (实地核查, 实地检查,
# 书面检查, 网络监测, 网络检查, 委托专业机构) and those of real lists (现场检查, 书面审查,
# 网上检查, 在线监测, 线上检查, 第三方检测机构). Words that also name what is checked
# (检测报告, 审计报告, 抽样检验 on the premises) name no method.
_WORDS: tuple[tuple[CheckMethod, tuple[str, ...]], ...] = (
    (CheckMethod.ON_SITE, ("实地", "现场", "on site", "on-site", "on_site", "site visit")),
    (CheckMethod.DOCUMENTS, ("书面", "资料审查", "材料审查", "desk check", "desk review",
                             "documentary", _OFF_SITE)),
    (CheckMethod.ONLINE, ("网络", "网上", "在线", "互联网", "线上", "远程", "online",
                          "remote")),
    (CheckMethod.DELEGATED, ("委托", "第三方", "专业机构", "检验检测机构", "检测机构",
                             "delegated", "commissioned")),
)


def _named(text: str) -> tuple[CheckMethod, ...]:
    lowered = text.lower()
    for negated in _NOT_ON_SITE:  # 非现场检查 is off-site: a desk check, not an on-site one
        lowered = lowered.replace(negated, _OFF_SITE)
    found: list[tuple[int, CheckMethod]] = []
    for method, words in _WORDS:
        places = [lowered.find(w) for w in words if w in lowered]
        if places:
            found.append((min(places), method))
    return tuple(m for _, m in sorted(found))


def methods_of(text: str) -> tuple[CheckMethod, ...]:
    """The methods a 检查方式 text names, in the order it names them; none named (a list
    that writes 双随机抽查, or nothing): on site, the rule of 003 第二十条 (一般应当对被检查
    对象进行实地检查)."""
    return _named(text) or (CheckMethod.ON_SITE,)


def method_named(text: str) -> CheckMethod | None:
    """The one method a plan's cell names ('书面检查', 'documents'), or None when it names none
    or more than one."""
    named = _named(text)
    return named[0] if len(named) == 1 else None


def item_method(item_text: str, planned: CheckMethod | None) -> CheckMethod:
    """The method an item is checked by in a plan: the plan's, or the first its list names."""
    return planned if planned is not None else methods_of(item_text)[0]


def on_site(methods: Iterable[CheckMethod | None]) -> bool:
    """Whether the team is on the party's premises for one item at least (None: a visit begun
    before methods were recorded, on site)."""
    return any(m is None or m == CheckMethod.ON_SITE for m in methods)


def wording(method: CheckMethod | None) -> str:
    """The legal wording (None: on site)."""
    return WORDING[method or CheckMethod.ON_SITE][0]


def off_site(published: str | None) -> str:
    """A published item's method (its legal wording) where it is worth saying beside the
    result: not on site, the usual; "" otherwise (and for results published before)."""
    return published if published and published != wording(CheckMethod.ON_SITE) else ""


_SPLIT = re.compile(r"[;；\n]+")


def plan_methods(text: str) -> dict[str, str]:
    """A plan's 检查方式 cell as written: '书面检查' for every item ('*'), or
    'SC-001:书面检查；WS-001:实地核查' per item; item code (or '*') → the words (checked by the
    import against `method_named` and the plan's items)."""
    found: dict[str, str] = {}
    for part in _SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        pair = _PAIR.match(part)
        code, words = (pair.group(1).strip(), pair.group(2).strip()) if pair else ("*", part)
        found[code] = words
    return found


_PAIR = re.compile(r"^([^:：]+)[:：](.*)$")
