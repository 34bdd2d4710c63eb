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

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")
_REGNO_RE = re.compile(r"^\d{15}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 of a USCC."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    return bool(_USCC_RE.match(code)) and uscc_check_char(code[:17]) == code[17]


def is_regno(code: str) -> bool:
    return bool(_REGNO_RE.match(code))


def normalize_code(raw: str) -> str:
    """Upper case, without spaces: how codes are stored and compared."""
    return re.sub(r"\s+", "", raw).upper()


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
