"""The data-access layer: the only code that holds connections, opens transactions or knows
how the two engines differ. Services write SQLAlchemy Core statements against `tables` and run
them on the `Connection` a `Database` hands to their unit of work (docs/architecture.md)."""

from shirube.storage.connection import Connection
from shirube.storage.database import Database
from shirube.storage.statements import (
    ByEngine,
    array_rows,
    earliest,
    in_values,
    insert,
    latest,
    stored,
    stored_value,
)

__all__ = [
    "ByEngine",
    "Connection",
    "Database",
    "array_rows",
    "earliest",
    "in_values",
    "insert",
    "latest",
    "stored",
    "stored_value",
]
