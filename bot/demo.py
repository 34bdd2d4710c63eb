"""The demo dataset of local mode: a synthetic county loaded through the real imports,
and five people to chat as, some already registered."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.clock import now as clock_now
from bot.core import Core
from bot.demo_data import generate
from bot.emulator.core import Emulator
from bot.rules.models import Role
from bot.services import listings
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.imports import import_file
from bot.services.onboarding import invite_person, redeem, reissue_invite

logger = logging.getLogger(__name__)

OFFICE_NAME = "王芳"


@dataclass(frozen=True)
class DemoPerson:
    tg_user_id: int
    name: str  # 王芳 is the office; the others are in the generated inspector directory
    registered: bool
    label: str
    language_code: str = "zh-hans"


PEOPLE = (
    DemoPerson(100001, OFFICE_NAME, True, "办公室 office (admin)"),
    DemoPerson(100002, "李强", False, "分管负责人 supervisor"),
    DemoPerson(100003, "张伟", False, "执法检查人员 inspector"),
    DemoPerson(100004, "刘洋", True, "执法检查人员 inspector"),
    DemoPerson(100005, "Alice Chen", False, "inspector (English)", "en"),
)
STRANGER = (100009, "陌生人", "未受邀 stranger")


def joint_plan(name: str, items: str, joining: str, dates: tuple[str, str, str],
               ratio: str = "100%", methods: str = "") -> list[str]:
    """A row of the plans template: a joint plan initiated by SCJGJ; `methods` its 检查方式
    ('' as the item list says)."""
    return [name, "联合检查", "联合", "", ratio, items, "", "SCJGJ", joining, *dates, "", "",
            "", "", methods]


async def load_county(core: Core, out: Path, targets: int, per_department: int,
                      plans: Iterable[list[str]] = (), checklists: bool = True,
                      all_active: bool = False) -> dict[str, Path]:
    """Generate a county, add `plans` rows, and load it all through the real imports.
    `all_active`: every target 存续 (so that a 100% plan draws exactly `targets`)."""
    files = generate(out, targets=targets, per_department=per_department, today=core.today())
    if all_active:
        with files["targets"].open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        for row in rows[1:]:
            row[6] = "存续"
        with files["targets"].open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(plans)
    for key, path in files.items():
        kind = "checklist" if key.startswith("checklist:") else key
        if kind == "checklist" and not checklists:
            continue
        report = await import_file(core, SYSTEM, path, path.name, kind)
        if not report.ok:
            raise RuntimeError(f"the county did not load: {key}")
    return files


async def publish_plans(core: Core) -> None:
    """The demo county has published its plans (一公开), as an office does early in the year,
    so that each can be drawn at once; the item list is left for the office to publish."""
    year = core.today().year
    for number, plan in enumerate(await listings.plan_states(core, SYSTEM), start=1):
        await listings.publish_plan(core, SYSTEM, plan.plan_id, f"芒市监〔{year}〕{number}号",
                                    clock_now())


async def load_demo(core: Core, emulator: Emulator) -> None:
    """Load the county once; on every start give the unregistered people a fresh link."""
    async with core.db.read() as rtx:
        empty = await rtx.people.count_people() == 0
    if empty:
        files = generate(core.settings.data_dir / "demo", targets=300, per_department=6,
                         today=core.today())
        for key, path in files.items():
            kind = "checklist" if key.startswith("checklist:") else key
            report = await import_file(core, SYSTEM, path, path.name, kind)
            if not report.ok:
                raise RuntimeError(f"demo data did not load: {key}")
        await invite_person(core, SYSTEM, OFFICE_NAME, None, [Role.ADMIN, Role.OFFICE])
        await publish_plans(core)
        logger.info("demo county loaded")
    for demo in PEOPLE:
        async with core.db.read() as rtx:
            bound = await rtx.people.person_by_tg(demo.tg_user_id)
            person_id = None if bound else await rtx.people.person_id_by_name(demo.name)
        payload = None
        if person_id is not None:
            issued = await reissue_invite(core, SYSTEM, person_id)
            if demo.registered:
                await redeem(core, issued.code, TgUser(demo.tg_user_id, demo.tg_user_id, None,
                                                       demo.name, demo.language_code))
            else:
                payload = issued.code
        emulator.add_user(demo.name, user_id=demo.tg_user_id, language_code=demo.language_code,
                          start_payload=payload, label=demo.label)
    emulator.add_user(STRANGER[1], user_id=STRANGER[0], label=STRANGER[2])
