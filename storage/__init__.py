"""Persistence: SQLite through aiosqlite. All SQL of the project lives in this package."""

from storage.base import from_db_time, to_db_time
from storage.db import Database, DuplicateUpdate, ReadTx, Tx, current_update

__all__ = [
    "Database",
    "DuplicateUpdate",
    "ReadTx",
    "Tx",
    "current_update",
    "from_db_time",
    "to_db_time",
]
