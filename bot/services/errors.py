"""The one way a service says no: `Refused(Refusal.X)`, worded by the journey's view."""

from __future__ import annotations

import enum
import unicodedata


class Refusal(enum.StrEnum):
    """Every reason a service (or the draw's rules) refuses for. Each has a text in both
    languages in the refusal texts of the journeys that raise it
    (tests/test_refusals.py)."""

    ALREADY_ACCEPTED = "already_accepted"
    ALREADY_BOUND = "already_bound"
    ALREADY_PREPARED = "already_prepared"
    ALREADY_REQUESTED = "already_requested"
    ALREADY_RUN = "already_run"
    ALREADY_SIGNED = "already_signed"
    ALREADY_STARTED = "already_started"
    ALREADY_WITHDRAWN = "already_withdrawn"
    BAD_CANCEL_REASON = "bad_cancel_reason"
    BAD_CODE = "bad_code"
    BAD_DATE = "bad_date"
    BAD_ENTROPY = "bad_entropy"
    BAD_ENTROPY_SOURCE = "bad_entropy_source"
    BAD_NAME = "bad_name"
    BAD_REASON = "bad_reason"
    BEFORE_DRAW_DATE = "before_draw_date"
    BUSY = "busy"
    CANCEL_TOO_LATE = "cancel_too_late"
    CAPS_FALL = "caps_fall"
    CAP_ABOVE_TWO = "cap_above_two"
    CHANGED = "changed"
    CHOOSE_ONE = "choose_one"
    CORRECTION_OPEN = "correction_open"
    DATA_KEY_MISSING = "data_key_missing"
    DATA_KEY_WRONG = "data_key_wrong"
    DECIDED = "decided"
    DEPARTMENT_REQUIRED = "department_required"
    DRAW_WRITING = "draw_writing"
    HIDDEN_CHARACTERS = "hidden_characters"
    DUE_IN_PAST = "due_in_past"
    DUPLICATE = "duplicate"
    EMPTY_POOL = "empty_pool"
    ENTROPY_SOURCE_USED = "entropy_source_used"
    FILE_NEEDED = "file_needed"  # params: wants (the question's type: file, audio, video)
    FILE_TOO_LARGE = "file_too_large"  # params: wants (image, file, audio, video)
    FOLLOW_UP_CLOSED = "follow_up_closed"
    FROZEN_CHANGED = "frozen_changed"
    ID_KEY_BAD = "id_key_bad"
    ID_KEY_IN_ENV = "id_key_in_env"
    ID_KEY_MISSING = "id_key_missing"
    ID_KEY_WRONG = "id_key_wrong"
    INACTIVE = "inactive"
    LEADER_ONLY = "leader_only"
    LOCATION_NEEDED = "location_needed"
    MEMBERS_UNSIGNED = "members_unsigned"
    NAME_EXISTS = "name_exists"
    NOBODY_DRAWABLE = "nobody_drawable"
    NOT_ALLOWED = "not_allowed"
    NOT_APPROVER = "not_approver"
    NOT_CURRENT = "not_current"
    NOT_DUE = "not_due"
    NOT_LOCATION = "not_location"
    NOT_MEMBER = "not_member"
    NOT_OFFICE = "not_office"
    NOT_PREPARED = "not_prepared"
    NOT_PUBLISHED = "not_published"
    NOT_RUN = "not_run"
    NOT_YET = "not_yet"
    NOT_YOURS = "not_yours"
    NO_CERT = "no_cert"
    NO_FILE_HERE = "no_file_here"
    NO_FLOW = "no_flow"
    NO_PHOTO_HERE = "no_photo_here"
    NO_PLAN = "no_plan"
    NO_RATIO = "no_ratio"
    NO_RECORD = "no_record"
    NO_ROLE = "no_role"
    NO_VISIT = "no_visit"
    PARTY_IS_REGISTERED = "party_is_registered"
    PARTY_LAST4 = "party_last4"
    PARTY_NAME = "party_name"
    PARTY_SIGNED = "party_signed"
    PARTY_UNSIGNED = "party_unsigned"
    PHOTO_NEEDED = "photo_needed"
    PLAN_CHANGED = "plan_changed"
    PLAN_NOT_PUBLISHED = "plan_not_published"
    PLAN_CHANGED_SINCE_PUBLISHED = "plan_changed_since_published"
    NOTHING_TO_PUBLISH = "nothing_to_publish"
    BAD_DOC_NO = "bad_doc_no"
    RATIOS_FALL = "ratios_fall"
    RATIO_ABOVE_ITEM_MAXIMUM = "ratio_above_item_maximum"
    RATIO_BELOW_MINIMUM = "ratio_below_minimum"
    REASON_REQUIRED = "reason_required"
    REQUIRED = "required"
    RESULTS_MISSING = "results_missing"
    SIGNATURE_EMPTY = "signature_empty"
    SIGNATURE_UNREADABLE = "signature_unreadable"
    STALE = "stale"
    SUBMITTED = "submitted"
    TASK_CLOSED = "task_closed"
    TEAM_TOO_SMALL = "team_too_small"
    TOKEN_CHANGED = "token_changed"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_TAKEN = "token_taken"
    TOKEN_UNKNOWN = "token_unknown"
    TOKEN_USED = "token_used"
    TOO_LARGE = "too_large"
    TOO_MANY_PHOTOS = "too_many_photos"
    TOO_SHORT = "too_short"
    UNBIND_ADMIN = "unbind_admin"
    UNBIND_SELF = "unbind_self"
    UNKNOWN_CERT = "unknown_cert"
    UNKNOWN_DEPARTMENT = "unknown_department"
    UNKNOWN_PERSON = "unknown_person"
    UNKNOWN_PLAN = "unknown_plan"
    UNKNOWN_REQUEST = "unknown_request"
    UNKNOWN_TASK = "unknown_task"
    UNSEALED_PREPARATION = "unsealed_preparation"
    USE_BUTTONS = "use_buttons"
    WEBAPP_AUTH = "webapp_auth"
    WITNESS_REQUIRED = "witness_required"
    WORK_CRASHED = "work_crashed"
    WORK_MEMORY = "work_memory"
    WORK_TIME = "work_time"
    WRONG_FILE = "wrong_file"  # params: wants (image, file, audio, video)
    WRONG_TASK = "wrong_task"
    # A desk check's materials, from the party's page (bot/services/visits/materials.py).
    NO_PUBLIC_URL = "no_public_url"
    NOT_DESK_CHECK = "not_desk_check"
    NO_FILES = "no_files"
    TOO_MANY_FILES = "too_many_files"
    FILE_NOT_ACCEPTED = "file_not_accepted"
    SENDING_TOO_LARGE = "sending_too_large"
    SENDING_UNREADABLE = "sending_unreadable"


class Refused(Exception):
    """A request the rules refuse; `reason` is the key the caller turns into text."""

    def __init__(self, reason: Refusal, **params: str) -> None:
        super().__init__(f"{reason} {params}" if params else str(reason))
        self.reason = Refusal(reason)
        self.params = params


# Format and control characters, lone surrogates, private use, unassigned code points.
HIDDEN = frozenset({"Cf", "Cc", "Cs", "Co", "Cn"})
# Shown as nothing though not in those categories (Unicode's Default_Ignorable_Code_Point
# outside Cf): Hangul fillers, the combining grapheme joiner, the blank Braille pattern,
# variation selectors but the two that choose an emoji's look (U+FE0E, U+FE0F: ❤️).
IGNORABLE = frozenset("\u115f\u1160\u3164\uffa0\u034f\u2800") | frozenset(
    chr(c) for c in range(0xFE00, 0xFE0E))


def typed_line(text: str) -> str:
    """A name, reason or opinion a person typed, on one line with single spaces; refused
    when it holds characters that are not shown but change how it reads (Unicode
    categories Cf and Cc: direction overrides, zero-width characters, controls), since a
    record with legal weight could be made to read differently (issue 29)."""
    if any((unicodedata.category(ch) in HIDDEN and not ch.isspace()) or ch in IGNORABLE
           for ch in text):
        raise Refused(Refusal.HIDDEN_CHARACTERS)
    return " ".join(text.split())
