"""The demo dataset of local mode: a few departments and people, some already registered."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core import Core
from bot.emulator.core import Emulator
from bot.models import Role
from bot.services.accounts import TgUser
from bot.services.directory import add_department
from bot.services.onboarding import invite_person, redeem, reissue_invite

logger = logging.getLogger(__name__)

DEPARTMENTS = (
    ("SCJGJ", "芒市市场监督管理局", "芒市"),
    ("WSJKJ", "芒市卫生健康局", "芒市"),
    ("STHJJ", "德宏州生态环境局芒市分局", "芒市"),
)


@dataclass(frozen=True)
class DemoPerson:
    tg_user_id: int
    name: str
    department: str | None
    roles: tuple[Role, ...]
    registered: bool
    label: str
    language_code: str = "zh-hans"


PEOPLE = (
    DemoPerson(100001, "王芳", None, (Role.ADMIN, Role.OFFICE), True, "办公室 office (admin)"),
    DemoPerson(100002, "李强", "SCJGJ", (Role.SUPERVISOR, Role.INSPECTOR), False,
               "分管负责人 supervisor"),
    DemoPerson(100003, "张伟", "SCJGJ", (Role.INSPECTOR,), False, "执法检查人员 inspector"),
    DemoPerson(100004, "刘洋", "WSJKJ", (Role.INSPECTOR,), True, "执法检查人员 inspector"),
    DemoPerson(100005, "Alice Chen", "STHJJ", (Role.INSPECTOR,), False, "inspector (English)",
               "en"),
)
STRANGER = (100009, "陌生人", "未受邀 stranger")


async def load_demo(core: Core, emulator: Emulator) -> None:
    """Create the dataset once; on every start give the unregistered people a fresh link."""
    async with core.db.read() as rtx:
        empty = await rtx.people.count_people() == 0
    if empty:
        for code, name, region in DEPARTMENTS:
            await add_department(core.db, None, code, name, region)
        for demo in PEOPLE:
            issued = await invite_person(core, None, demo.name, demo.department,
                                         list(demo.roles))
            if demo.registered:
                await redeem(core, issued.code,
                             TgUser(demo.tg_user_id, demo.tg_user_id, None, demo.name,
                                    demo.language_code))
        logger.info("demo dataset loaded")
    for demo in PEOPLE:
        payload = None
        async with core.db.read() as rtx:
            person = await rtx.people.person_by_tg(demo.tg_user_id)
            if person is None:
                waiting = [p for p in await rtx.people.with_role(demo.roles[0])
                           if p.name == demo.name and p.tg_user_id is None]
            else:
                waiting = []
        if waiting:
            payload = (await reissue_invite(core, None, waiting[0].id)).code
        emulator.add_user(demo.name, user_id=demo.tg_user_id, language_code=demo.language_code,
                          start_payload=payload, label=demo.label)
    emulator.add_user(STRANGER[1], user_id=STRANGER[0], label=STRANGER[2])
