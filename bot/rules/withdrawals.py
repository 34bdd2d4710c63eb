"""Why an inspector is unavailable from a date (withdrawn): the vocabulary, with each
reason's label in English. Only `left` ends a person's access (bot/services/accounts.py);
every reason keeps them out of the draw."""

from __future__ import annotations

from bot.i18n import N_

REASONS = {
    "left": N_("left the job (离职)"),
    "transferred": N_("transferred (调岗)"),
    "long_leave": N_("long leave (长期请假)"),
    "cert_invalid": N_("执法证 no longer valid (执法证失效)"),
    "other": N_("other (其他)"),
}
