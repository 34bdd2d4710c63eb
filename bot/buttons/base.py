"""The button mechanism (see bot/buttons/__init__.py): packing, parsing, and
`parse_any` over every kind declared in this package."""

from __future__ import annotations

import enum
import re
import types
import typing
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, ClassVar, Self

VERSION = "v1"
MAX_BYTES = 64
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_INT_RE = re.compile(r"^[0-9]{1,19}$")
INT_MAX = 2**63 - 1
NONE = "none"


class BadCallback(ValueError):
    """Not a button this version of the bot made."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    kind: type
    optional: bool

    def pack(self, value: object) -> str:
        if value is None:
            if not self.optional:
                raise ValueError(f"{self.name} may not be None")
            return NONE
        if self.kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or not (
                    0 <= value <= INT_MAX):
                raise ValueError(f"{self.name}: {value!r} is not an id")
            return str(value)
        if self.kind is date:
            if not isinstance(value, date):
                raise ValueError(f"{self.name}: {value!r} is not a date")
            return value.strftime("%Y%m%d")
        if issubclass(self.kind, enum.Enum):
            return str(self.kind(value).value)
        text = str(value)
        if not _TOKEN_RE.match(text) or text == NONE:
            raise ValueError(f"{self.name}: {text!r} cannot be packed")
        return text

    def parse(self, part: str) -> object:
        if part == NONE and self.optional:
            return None
        if self.kind is int:
            if not _INT_RE.match(part) or int(part) > INT_MAX:
                raise BadCallback(part)
            return int(part)
        if self.kind is date:
            try:
                if len(part) != 8:
                    raise ValueError(part)
                return datetime.strptime(part, "%Y%m%d").date()
            except ValueError:
                raise BadCallback(part) from None
        if issubclass(self.kind, enum.Enum):
            try:
                return self.kind(part)
            except ValueError:
                raise BadCallback(part) from None
        if not _TOKEN_RE.match(part):
            raise BadCallback(part)
        return part


def _field_of(name: str, hint: object) -> _Field:
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        members = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"button field {name}: one type, or one type | None")
        hint, optional = members[0], True
    if not isinstance(hint, type) or not (hint in (int, str, date)
                                          or issubclass(hint, enum.Enum)):
        raise TypeError(f"button field {name}: {hint!r} is not int, str, date or an enum")
    return _Field(name, hint, optional)


# Every kind by its prefix (filled as the classes below are declared).
KINDS: dict[tuple[str, ...], type[Button]] = {}


class Button:
    """The base of every button kind (see the module's docstring)."""

    prefix: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix:
            return  # an abstract kind (such as VisitButton), with no prefix of its own
        cls.prefix = tuple(prefix.split(":"))
        if cls.prefix in KINDS or not all(_TOKEN_RE.match(p) for p in cls.prefix):
            raise TypeError(f"button prefix {prefix!r} is taken or malformed")
        KINDS[cls.prefix] = cls

    @classmethod
    def _fields(cls) -> tuple[_Field, ...]:
        cached: tuple[_Field, ...] | None = cls.__dict__.get("_field_cache")
        if cached is None:
            hints = typing.get_type_hints(cls)
            cached = tuple(_field_of(f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
            cls._field_cache = cached  # type: ignore[attr-defined]
        return cached

    def pack(self) -> str:
        """The callback data: `v1:<prefix>:<field>…`, at most 64 bytes."""
        parts = [VERSION, *self.prefix,
                 *(f.pack(getattr(self, f.name)) for f in self._fields())]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data}")
        return data

    def markup(self, text: str) -> dict[str, str]:
        """An inline keyboard button (Bot API JSON) with this data."""
        return {"text": text, "callback_data": self.pack()}

    @classmethod
    def parse(cls, data: object) -> Self:
        """The button `data` packs; BadCallback when it is not one of this kind."""
        parts = _split(data)
        n = len(cls.prefix)
        if tuple(parts[:n]) != cls.prefix:
            raise BadCallback(data)
        values = parts[n:]
        declared = cls._fields()
        if len(values) > len(declared):
            raise BadCallback(data)
        parsed: dict[str, object] = {}
        for i, f in enumerate(declared):
            if i < len(values):
                parsed[f.name] = f.parse(values[i])
            elif f.optional:
                parsed[f.name] = None
            else:
                raise BadCallback(data)
        return cls(**parsed)

    @classmethod
    def matches(cls, data: object) -> bool:
        """The handler pattern: true for a well-formed button of this kind."""
        try:
            cls.parse(data)
        except BadCallback:
            return False
        return True


def _split(data: object) -> list[str]:
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        raise BadCallback(data)
    version, _, rest = data.partition(":")
    if version != VERSION or not rest:
        raise BadCallback(data)
    return rest.split(":")


def parse_any(data: object) -> Button:
    """Any button of ours; BadCallback for anything else (stale or forged)."""
    parts = _split(data)
    for n in range(len(parts), 0, -1):
        kind = KINDS.get(tuple(parts[:n]))
        if kind is not None:
            return kind.parse(data)
    raise BadCallback(data)


# ------------------------------------------------------------------ onboarding and people
