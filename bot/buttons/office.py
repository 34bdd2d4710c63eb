"""The office's exports, the digest and publication (公示)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons.base import Button
from bot.rules.models import Table


@dataclass(frozen=True)
class ExportTable(Button, prefix="imp:exp"):
    """/export: a template filled with what is loaded, for one table."""

    kind: Table


@dataclass(frozen=True)
class DigestPlan(Button, prefix="dig:p"):
    plan_id: int


@dataclass(frozen=True)
class PublishExport(Button, prefix="pub:x"):
    pass


@dataclass(frozen=True)
class PublishAll(Button, prefix="pub:all"):
    pass


@dataclass(frozen=True)
class PublishOne(Button, prefix="pub:one"):
    task_id: int


@dataclass(frozen=True)
class PublishWithhold(Button, prefix="pub:wh"):
    task_id: int


@dataclass(frozen=True)
class PublishConfirm(Button, prefix="pub:ok"):
    """Publish what the preview showed: results, a 更正 or a released result (what, and
    which tasks, is kept in the conversation)."""


@dataclass(frozen=True)
class PublishCancel(Button, prefix="pub:no"):
    pass


@dataclass(frozen=True)
class PublishCorrections(Button, prefix="pub:cl"):
    """/publish correct: the published results whose record was corrected since."""


@dataclass(frozen=True)
class PublishCorrect(Button, prefix="pub:co"):
    """Preview the 更正 publication of one task (Publish or Cancel comes next)."""

    task_id: int


@dataclass(frozen=True)
class PublishWithheldList(Button, prefix="pub:whl"):
    """The results kept out of publication, with their reasons."""


@dataclass(frozen=True)
class PublishRelease(Button, prefix="pub:rel"):
    """Preview the publication of a withheld result (Publish or Cancel comes next)."""

    task_id: int


@dataclass(frozen=True)
class ListingItems(Button, prefix="lst:i"):
    """/publish: the item list (抽查事项清单) as it stands, to publish."""


@dataclass(frozen=True)
class ListingPlans(Button, prefix="lst:ps"):
    """/publish: the plans, each published as it stands or not."""


@dataclass(frozen=True)
class ListingPlan(Button, prefix="lst:p"):
    """One plan as it stands, to publish."""

    plan_id: int


@dataclass(frozen=True)
class ListingPublish(Button, prefix="lst:ok"):
    """Publish the list or the plan shown (which one, and its 文号, are kept in the
    conversation)."""


@dataclass(frozen=True)
class ListingCancel(Button, prefix="lst:no"):
    pass


# ------------------------------------------------------------------------------ aftercare
