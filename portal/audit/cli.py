"""``flask --app portal audit verify``: check that nobody has edited or deleted audit entries."""
import click
from flask.cli import AppGroup

from . import log

audit_cli = AppGroup("audit", help="The audit trail: every workflow step, sign-off, role change, import and export.")


@audit_cli.command("verify")
@click.option("--head", "expected_head", default=None, help="The head hash noted at an earlier check; "
              "a mismatch means entries were removed from the end.")
def verify_command(expected_head):
    """Recompute the hash chain and name every changed or missing entry; exit 1 if any."""
    verdict = log.verify()
    for problem in verdict.problems:
        click.echo(str(problem), err=True)
    if expected_head and not _seen(expected_head):
        click.echo(f"the head hash {expected_head} is not in the chain: entries were removed or the log replaced",
                   err=True)
        raise SystemExit(1)
    if verdict.problems:
        click.echo(f"{verdict.count} entries checked, {len(verdict.problems)} problems", err=True)
        raise SystemExit(1)
    click.echo(f"{verdict.count} entries checked, the chain is intact")
    click.echo(f"head: {verdict.head}")


def _seen(head):
    """Whether an earlier head is still in the chain (the log may have grown since)."""
    from sqlalchemy import select

    from ..extensions import db
    from .models import AuditEntry

    return db.session.scalar(select(AuditEntry.id).where(AuditEntry.hash == head)) is not None


def init_app(app):
    """Attach the audit commands."""
    app.cli.add_command(audit_cli)
    log.init_app(app)
