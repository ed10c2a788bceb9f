"""``flask --app portal send-reminders``: queue and send the day's reminders (for cron)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from ..notify import send_pending


def init_app(app):
    """Register the command."""
    app.cli.add_command(send_reminders)


@click.command("send-reminders")
@with_appcontext
def send_reminders():
    """Remind leaders of interviews not held, employees to prepare, and both of expiring certifications.

    Each reminder is queued once ever; then the outbox is sent, mails that
    failed before included. Safe to run as often as cron likes.
    """
    from .reminders import queue_reminders

    report = queue_reminders()
    click.echo(
        f"queued {report.total}: {report.queued['appraisal-not-held']} interviews not held (to leaders), "
        f"{report.queued['prepare']} to prepare (to employees), {report.queued['expiry']} expiring certifications"
    )
    if not current_app.config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set; mails wait in the outbox.")
        return
    total_sent = total_failed = 0
    while True:
        sent, failed = send_pending()
        total_sent, total_failed = total_sent + sent, total_failed + failed
        if sent == 0 or failed:
            break
    click.echo(f"sent {total_sent}, failed {total_failed}")
