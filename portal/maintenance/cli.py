"""Commands for the people who run the portal: ``backup``, ``restore`` and ``retention``.

Output is English, like the other operator commands; a refused command says
why on stderr and exits non-zero, so cron and scripts notice.
"""
import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db


def _engine():
    return db.engine


def _migrations_dir():
    return current_app.extensions["migrate"].directory


def _refuse_postgres(engine):
    from .backup import dialect, postgres_procedure

    if dialect(engine) == "postgresql":
        raise click.ClickException(postgres_procedure(engine))
    if dialect(engine) != "sqlite":
        raise click.ClickException(f"Backups of a {dialect(engine)} database are not supported.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@with_appcontext
def backup_command(file, force):
    """Write a consistent copy of the SQLite database to FILE while the portal keeps running.

    On PostgreSQL, use pg_dump (the command prints how).
    """
    from .backup import BackupError, backup_sqlite

    engine = _engine()
    _refuse_postgres(engine)
    db.session.remove()  # no transaction of ours holds a lock during the copy
    try:
        info = backup_sqlite(engine, file, _migrations_dir(), overwrite=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {info.path} ({info.size:,} bytes, schema revision {info.revision}).")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file, yes):
    """Replace everything in the SQLite database with the backup FILE.

    Stop the portal first: the restore locks the database while it copies, and
    everything written after the backup was taken is lost. On PostgreSQL,
    use pg_restore (the command prints how).
    """
    from .backup import BackupError, inspect_backup, known_revisions, restore_sqlite, sqlite_path

    engine = _engine()
    _refuse_postgres(engine)
    try:
        live = sqlite_path(engine)
        info = inspect_backup(file, _migrations_dir())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    if not yes:
        click.confirm(
            f"Replace everything in {live} with the backup {info.path} "
            f"(schema revision {info.revision})? Anything written since that backup is lost.",
            abort=True,
        )
    db.session.remove()
    try:
        restore_sqlite(engine, file, _migrations_dir())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {live} from {info.path}.")
    _known, head = known_revisions(_migrations_dir())
    if info.revision == head:
        _audit_restore(info)
    else:
        click.echo(
            f"The backup is at schema revision {info.revision}; run `flask --app portal db upgrade` "
            f"to bring it to {head} before starting the portal."
        )


def _audit_restore(info):
    """Note the restore in the (restored) audit log, so the chain shows where history was rewound."""
    from ..audit import log as audit

    audit.record("maintenance.restore", "", None, {"file": info.path.name, "revision": info.revision})
    db.session.commit()


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted; change nothing.")
@with_appcontext
def retention_command(dry_run):
    """Delete appraisal content of employees who left more than PORTAL_RETENTION_YEARS years ago.

    The interviews themselves, their sign-offs and workflow steps are kept
    (without their texts) as the record that they took place. The run is one
    transaction and can be repeated safely.
    """
    from . import retention

    years = current_app.config.get("PORTAL_RETENTION_YEARS")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise click.ClickException(f"PORTAL_RETENTION_YEARS must be a whole number of years, 1 or more, not {years!r}.")
    try:
        if dry_run:
            report = retention.count(years)
        else:
            report = retention.apply(years)
            db.session.commit()
    finally:
        db.session.rollback()  # a dry run, or a failed run: leave nothing half-done
    for line in report.lines():
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing was changed.")
    elif not report.empty:
        click.echo("Deleted, in one transaction.")


def init_app(app):
    """Attach the maintenance commands."""
    for command in (backup_command, restore_command, retention_command):
        app.cli.add_command(command)
