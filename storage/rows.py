"""The one place a database row becomes a typed record (bot/rules/records.py).

A record's fields name the query's columns; each value is converted by the field's type:
stored times (fixed-width UTC text) to aware datetimes, ISO days to dates, 0/1 to bools,
status text to its enum, JSON text to dicts. A column the query lacks takes the field's
default, or fails loudly: a record is never half filled."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar

from bot.rules.records import CheckinFlag

R = TypeVar("R")
DB_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"  # UTC, fixed width: text order is time order
Convert = Callable[[Any], Any]


class Row(Protocol):
    """An aiosqlite.Row, or a dict."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str) -> Any: ...


def db_time(value: str) -> datetime:
    return datetime.strptime(value, DB_TIME).replace(tzinfo=UTC)


def _plain(value: Any) -> Any:
    return value


def _json(empty: type[dict[Any, Any]] | type[list[Any]]) -> Convert:
    """A JSON column; NULL reads as an empty dict or list."""
    def convert(value: Any) -> Any:
        if value is None or value == "":
            return empty()
        return json.loads(value) if isinstance(value, str | bytes) else value
    return convert


# Record types stored as a code of their own: each with what reads the code back.
CODED: dict[Any, Convert] = {CheckinFlag: CheckinFlag.from_db}


def _converter(kind: Any) -> Convert:
    optional = False
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        optional = len(args) < len(typing.get_args(kind))
        kind = args[0] if len(args) == 1 else Any
    convert: Convert
    if kind is datetime:
        convert = db_time
    elif kind is date:
        convert = date.fromisoformat
    elif kind is bool:
        convert = bool
    elif isinstance(kind, type) and issubclass(kind, enum.Enum):
        convert = kind
    elif kind is int:
        convert = int
    elif kind is float:
        convert = float
    elif kind in CODED:  # a value stored as its code
        convert = CODED[kind]
    elif typing.get_origin(kind) in (dict, list):
        return _json(dict if typing.get_origin(kind) is dict else list)
    else:
        convert = _plain
    if not optional:
        return convert
    return lambda value: None if value is None else convert(value)


_FIELDS: dict[type[Any], tuple[tuple[str, Convert, bool], ...]] = {}


def _fields(cls: type[Any]) -> tuple[tuple[str, Convert, bool], ...]:
    """Per field of a record: its name, its converter, and whether it has a default."""
    found = _FIELDS.get(cls)
    if found is not None:
        return found
    hints = typing.get_type_hints(cls)
    found = _FIELDS[cls] = tuple(
        (f.name, _converter(hints[f.name]),
         f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING)
        for f in dataclasses.fields(cls))
    return found


def to_record(cls: type[R], row: Row) -> R:
    """`row` (an aiosqlite.Row or a dict) as a `cls` record."""
    keys = set(row.keys())
    values = {}
    for name, convert, has_default in _fields(cls):
        if name in keys:
            values[name] = convert(row[name])
        elif not has_default:
            raise KeyError(f"{cls.__name__}.{name}: the query has no such column")
    return cls(**values)


def to_records(cls: type[R], rows: Iterable[Row]) -> list[R]:
    return [to_record(cls, row) for row in rows]
