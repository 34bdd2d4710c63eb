"""Check digits of Chinese identifiers (pure functions).

- 统一社会信用代码 (USCC), GB 32100-2015: 18 characters from a 31-character set,
  the last one a MOD 31 check over weights 3^i mod 31.
- 注册号, the 15-digit registration number used before the USCC: accepted as it is
  and flagged, because its check digit (GB/T 17710) was not applied consistently.
- 居民身份证号码, GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check (0-9 or X),
  with a valid birth date.
"""

from __future__ import annotations

import re
from datetime import date
from operator import getitem

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_REGNO_RE = re.compile(r"^\d{15}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


# Position by position, each character's weighted value: the check is 17 dict look-ups.
_USCC_TERMS = tuple({c: USCC_CHARSET.index(c) * w for c in USCC_CHARSET} for w in USCC_WEIGHTS)


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 of a USCC."""
    if len(first17) != 17:
        raise ValueError(first17)
    total = sum(map(getitem, _USCC_TERMS, first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    if len(code) != 18 or code[17] not in _USCC_TERMS[0]:
        return False
    try:
        return uscc_check_char(code[:17]) == code[17]
    except KeyError:  # a character outside the set
        return False


def is_regno(code: str) -> bool:
    return bool(_REGNO_RE.match(code))


_SPACE_RE = re.compile(r"\s+")


def normalize_code(raw: str) -> str:
    """Upper case, without spaces: how codes are stored and compared."""
    return (_SPACE_RE.sub("", raw) if " " in raw or "\t" in raw else raw).upper()


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def valid_id_number(number: str) -> bool:
    if not _ID_RE.match(number):
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return id_check_char(number[:17]) == number[17]


def valid_mobile(phone: str) -> bool:
    return bool(_PHONE_RE.match(phone))
