"""``flask --app portal send-notifications``: send mails waiting in the outbox (for cron)."""
import click
from flask import current_app
from flask.cli import with_appcontext

from . import send_pending


def init_app(app):
    """Register the command."""
    app.cli.add_command(send_notifications)


@click.command("send-notifications")
@with_appcontext
def send_notifications():
    """Send e-mails that wait in the outbox, retrying those that failed before."""
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
