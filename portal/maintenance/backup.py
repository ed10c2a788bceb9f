"""Backups and restores of a SQLite installation, through SQLite's online backup API.

Why the backup API and not a file copy: copying the file while the portal
writes can catch a page half-way through a transaction and give a damaged
copy. ``sqlite3.Connection.backup`` reads a consistent snapshot under a read
lock, so a backup can run from cron while people use the portal; writers
wait (PRAGMA busy_timeout, 10 s) for the copy, which for a portal database
of tens of megabytes takes well under a second.

A restore is stop-the-world: it copies the backup into the live database
under an exclusive lock in one step (all or nothing); requests wait for it and
then see the restored data. Everything written after the backup is gone, so
the portal should be stopped while an administrator restores.

PostgreSQL has its own, better tools (``pg_dump``/``pg_restore``), so the
commands refuse there and print the documented procedure instead.
"""
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every portal database has had since the first migration.
PORTAL_TABLES = ("alembic_version", "employee", "portal_user", "unit")


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class BackupInfo:
    """What a backup file holds: where it is, its size and its schema revision."""

    path: Path
    size: int
    revision: str


def dialect(engine):
    """``"sqlite"``, ``"postgresql"``, ...: the kind of database the portal runs on."""
    return engine.dialect.name


def postgres_procedure(engine):
    """The documented pg_dump/pg_restore commands for this database (password hidden)."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=True)
    return (
        "This portal runs on PostgreSQL: use PostgreSQL's own tools (see README, Backups).\n"
        f"  back up:  pg_dump --format=custom --file=FILE '{url}'\n"
        "  restore:  stop the portal, then\n"
        f"            pg_restore --clean --if-exists --no-owner --single-transaction --dbname='{url}' FILE"
    )


def sqlite_path(engine):
    """The live SQLite file, or a :class:`BackupError` for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("The portal runs on an in-memory SQLite database; there is nothing to back up.")
    return Path(database).resolve()


def known_revisions(migrations_dir):
    """Every Alembic revision of this version of the portal, and the newest (head)."""
    script = ScriptDirectory(str(migrations_dir))
    return {s.revision for s in script.walk_revisions()}, script.get_current_head()


def backup_sqlite(engine, target, migrations_dir, overwrite=False):
    """Write a consistent copy of the live SQLite database to ``target``; returns :class:`BackupInfo`.

    The copy is written beside ``target`` under a temporary name, checked
    (``PRAGMA quick_check`` and the portal's revision), then renamed into
    place, so ``target`` is never a half-written file.
    """
    live = sqlite_path(engine)
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give the name of the backup file.")
    if target.exists():
        if target.resolve() == live:
            raise BackupError(f"{target} is the live database itself; choose another file.")
        if not overwrite:
            raise BackupError(f"{target} exists already; choose a new name or add --force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        copy = sqlite3.connect(partial)
        try:
            raw.driver_connection.backup(copy)  # one step: a consistent snapshot
        finally:
            copy.close()
        info = inspect_backup(partial, migrations_dir)
        os.replace(partial, target)
    finally:
        raw.close()
        partial.unlink(missing_ok=True)
    return BackupInfo(target, info.size, info.revision)


def inspect_backup(path, migrations_dir):
    """Check that ``path`` is an intact SQLite database of this portal; returns :class:`BackupInfo`.

    Refuses (:class:`BackupError`) anything else: not a file, not SQLite,
    damaged, without the portal's tables, or at a schema revision this
    version of the portal does not know (a backup from a newer version).
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    with path.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database, so it is not a backup of this portal.")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened as a SQLite database: {error}.") from None
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{path} is damaged (SQLite says: {check}); it cannot be restored.")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in PORTAL_TABLES if t not in tables]
        if missing:
            raise BackupError(
                f"{path} is a SQLite database but not one of this portal (no table {', '.join(missing)})."
            )
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as a SQLite database: {error}.") from None
    finally:
        conn.close()
    known, _head = known_revisions(migrations_dir)
    if len(rows) != 1 or rows[0][0] not in known:
        found = ", ".join(str(r[0]) for r in rows) or "none"
        raise BackupError(
            f"{path} is at schema revision {found}, which this version of the portal does not know "
            "(a backup from a newer version, or not a portal database)."
        )
    return BackupInfo(path, path.stat().st_size, rows[0][0])


def restore_sqlite(engine, source, migrations_dir):
    """Replace the whole live database with the backup ``source``; returns its :class:`BackupInfo`.

    Checked first with :func:`inspect_backup`. The copy runs in one step under
    an exclusive lock, so it is all or nothing and other connections wait;
    the pool is emptied afterwards so no connection keeps an old view.
    """
    info = inspect_backup(source, migrations_dir)
    live = sqlite_path(engine)
    if Path(source).resolve() == live:
        raise BackupError(f"{source} is the live database itself; give a backup file.")
    backup = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
    raw = engine.raw_connection()
    try:
        backup.backup(raw.driver_connection)
    except sqlite3.Error as error:
        raise BackupError(f"The restore failed and nothing was changed: {error}.") from None
    finally:
        raw.close()
        backup.close()
        engine.dispose()
    return info
