"""Persistence: SQLite through aiosqlite. All SQL of the project lives in this package."""

from storage.base import from_db_time, to_db_time
from storage.db import Database, DuplicateUpdate, Found, ReadTx, Tx, current_update, probe

__all__ = [
    "Database",
    "DuplicateUpdate",
    "Found",
    "ReadTx",
    "Tx",
    "current_update",
    "from_db_time",
    "probe",
    "to_db_time",
]
