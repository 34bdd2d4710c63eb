"""The visit's vocabularies: the eight results (003 第二十三条), the four kinds of
non-cooperation (第二十六条), what follows a problem found, who signs for the party and
their opinion; each key with its legal wording and its English."""

from __future__ import annotations

import enum

from bot.i18n import N_

# The eight results of 003 第二十三条, in the article's order: key → (legal wording, English).
RESULTS: dict[str, tuple[str, str]] = {
    "no_problem": ("未发现问题", N_("No problem found")),
    "not_disclosed": ("未按规定公示应当公示的信息",
                      N_("Did not publicly disclose information as required")),
    "false_disclosure": ("公示信息隐瞒真实情况弄虚作假",
                         N_("Disclosed information conceals the truth or is falsified")),
    "unreachable": ("通过登记的住所（经营场所）无法联系",
                    N_("Cannot be contacted at the registered domicile (business premises)")),
    "corrected": ("发现问题已责令改正", N_("Problems found, correction ordered")),
    "noncooperation": ("不配合检查情节严重", N_("Serious failure to cooperate with the check")),
    "no_activity": ("未发现开展本次抽查涉及的经营活动",
                    N_("No business activity covered by this check was found")),
    "follow_up": ("发现问题待后续处理", N_("Problems found, pending further handling")),
}


class Shortcut(enum.StrEnum):
    """A result recorded for the whole visit at once, with photos (003 第二十三条)."""

    UNREACHABLE = "unreachable"
    NO_ACTIVITY = "no_activity"


SHORTCUTS = tuple(Shortcut)


FOUND_PROBLEMS = ("corrected", "follow_up")


# The four kinds of non-cooperation of 003 第二十六条.
NONCOOPERATION: dict[str, tuple[str, str]] = {
    "refused_entry": ("拒绝检查人员或者其委托的专业机构进入被检查场所的",
                      N_("Refused the inspectors or their commissioned body entry to the"
                         " premises")),
    "refused_materials": ("拒绝向检查人员或者其委托的专业机构提供相关材料的",
                          N_("Refused to provide the relevant materials")),
    "false_materials": ("不如实或者不按要求提供情况或者相关材料的",
                        N_("Did not provide information or materials truthfully or as"
                           " required")),
    "obstruction": ("其他阻挠、妨碍检查工作的行为，致使检查工作无法正常进行的",
                    N_("Other obstruction that kept the check from proceeding normally")),
}


FOLLOW_UPS: dict[str, tuple[str, str]] = {
    "rectification": ("限期整改", N_("Rectification within a time limit")),
    "referral": ("移交线索至其他部门", N_("Referral of a clue to another department")),
    "judicial": ("移送司法机关", N_("Transfer to the judicial organs")),
}


# Who signs for the party, and what they say (003 第二十一条); keys are PartyRole / Opinion.
PARTY_ROLES: dict[str, tuple[str, str]] = {
    "legal_rep": ("法定代表人", N_("Legal representative")),
    "principal": ("负责人", N_("Person in charge")),
    "agent": ("委托代理人", N_("Authorised agent")),
    "other": ("其他", N_("Other")),
}


OPINIONS: dict[str, tuple[str, str]] = {
    "agree": ("无异议", N_("No objection")),
    "object": ("有异议", N_("Objects")),
}
