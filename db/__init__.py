"""The shared programme store: schema, migrations, typed records and transactions.

Pure Python over sqlite-utils; imports neither Textual nor rmtui.
"""

from rmtui.db.errors import (
    ConflictError,
    NotACoordinatorError,
    NotAllowedError,
    SchemaTooNewError,
    StoreBusyError,
    StoreError,
    StoreOpenError,
    is_locked,
)
from rmtui.db.records import (
    AuditEntry,
    Coach,
    Feedback,
    Pair,
    Participant,
    Record,
    Session,
    Wave,
)
from rmtui.db.schema import SCHEMA_VERSION
from rmtui.db.store import Store, Writer, create_database_file, os_user, read_setting, read_settings, utc_now_iso

__all__ = [
    "SCHEMA_VERSION",
    "AuditEntry",
    "ConflictError",
    "Feedback",
    "NotACoordinatorError",
    "NotAllowedError",
    "Coach",
    "Pair",
    "Participant",
    "Record",
    "SchemaTooNewError",
    "Session",
    "Store",
    "StoreBusyError",
    "StoreError",
    "StoreOpenError",
    "Wave",
    "Writer",
    "create_database_file",
    "is_locked",
    "os_user",
    "read_setting",
    "read_settings",
    "utc_now_iso",
]
