"""Why an inspector is unavailable from a date (withdrawn): the vocabulary, with each
reason's label in English. Only `left` ends a person's access (bot/services/accounts.py);
every reason keeps them out of the draw."""

from __future__ import annotations

import enum

from bot.i18n import N_


class Reason(enum.StrEnum):
    LEFT = "left"  # 离职
    TRANSFERRED = "transferred"  # 调岗
    LONG_LEAVE = "long_leave"  # 长期请假
    CERT_INVALID = "cert_invalid"  # 执法证失效
    OTHER = "other"  # 其他


REASONS: dict[Reason, str] = {
    Reason.LEFT: N_("left the job (离职)"),
    Reason.TRANSFERRED: N_("transferred (调岗)"),
    Reason.LONG_LEAVE: N_("long leave (长期请假)"),
    Reason.CERT_INVALID: N_("执法证 no longer valid (执法证失效)"),
    Reason.OTHER: N_("other (其他)"),
}
