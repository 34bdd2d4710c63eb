"""Who acts for the team."""

from __future__ import annotations

from bot.rules.records import TeamMember


def acting(members: list[TeamMember]) -> TeamMember | None:
    """Who acts for the team (the party's signature, the members' paper signatures, the
    submission, a correction): the leader, or, while the leader cannot be reached in
    Choucha (not registered, or they blocked the bot), the first member who can. Decided
    here once, so that no step waits on someone who cannot act."""
    leader = next((m for m in members if m.leader), None)
    if leader is not None and leader.reachable:
        return leader
    return next((m for m in sorted(members, key=lambda m: m.position) if m.reachable),
                leader)
