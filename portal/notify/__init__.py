"""E-mail notifications through an outbox (see ``models``).

``enqueue`` writes a mail in the caller's transaction; ``send_pending`` sends
what is waiting, after the commit. Both do nothing harmful when no mail
server is configured: mails wait in the outbox until one is.
"""
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import insert, inspect, select

from ..extensions import db
from .models import OutgoingMail

MAX_ATTEMPTS = 20
BATCH = 200
TIMEOUT = 10  # seconds; the command run by cron can afford to wait for a slow server
AFTER_COMMIT_TIMEOUT = 3  # a person is waiting for the page: give up sooner, cron retries


def enqueue(to_address, subject, body, key=None):
    """Queue one mail; with ``key``, a mail with the same key is never queued twice."""
    if key and db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)):
        return None
    mail = OutgoingMail(to_address=to_address, subject=str(subject)[:300], body=str(body), key=key)
    db.session.add(mail)
    return mail


def enqueue_for(users, render, key=None):
    """Queue a mail to each user with an address, written in their language by ``render(user)``.

    ``render`` returns ``(subject, body)``; ``key`` (a function of the user)
    keeps reminders from being sent twice.
    """
    default = current_app.config["PORTAL_DEFAULT_LOCALE"]
    queued, rows = 0, []
    for user in users:
        if not user.email or not user.active:
            continue
        with force_locale(user.locale or default):
            subject, body = render(user)
            subject, body = str(subject), str(body)
        if key is None:
            # Without a key nothing needs checking first: the mails go in together, in one statement.
            rows.append({"to_address": user.email, "subject": subject[:300], "body": body, "key": None})
        elif enqueue(user.email, subject, body, key(user)) is not None:
            queued += 1
    if rows:
        db.session.execute(insert(OutgoingMail.__table__), rows)
        queued += len(rows)
    return queued


def send_pending(limit=BATCH, fresh_only=False, timeout=TIMEOUT):
    """Send waiting mails; returns (sent, failed). Never raises for a mail server problem.

    Each mail is committed as sent (or its failure noted) on its own, so a
    crash halfway never sends one twice on the next run. ``fresh_only``
    leaves mails that failed before to the retry.
    """
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return 0, 0
    stmt = select(OutgoingMail).where(OutgoingMail.sent_at.is_(None), OutgoingMail.attempts < MAX_ATTEMPTS)
    if fresh_only:
        stmt = stmt.where(OutgoingMail.attempts == 0)
    pending = db.session.scalars(stmt.order_by(OutgoingMail.id).limit(limit)).all()
    if not pending:
        return 0, 0
    sent = failed = 0
    try:
        connection = smtplib.SMTP(server, current_app.config.get("MAIL_PORT", 25), timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        _note_failure(pending, error)
        return 0, len(pending)
    with connection:
        for mail in pending:
            if not _claim(mail):
                continue  # another sender is sending it, or has sent it since we looked
            try:
                connection.send_message(_message(mail))
                mail.sent_at = datetime.now(timezone.utc)
                sent += 1
            except (OSError, smtplib.SMTPException) as error:
                mail.attempts += 1
                mail.last_error = str(error)[:500]
                failed += 1
            db.session.commit()
    return sent, failed


def _claim(mail):
    """Make sure ``mail`` is still unsent and that no one else sends it while we do.

    Cron's run and a request's ``send_after_commit`` may look at the outbox at
    the same moment. On PostgreSQL the mail's row stays locked until its
    result is committed, and another sender skips a locked row instead of
    sending the mail a second time. SQLite has no row locks: there the check
    that it is still unsent only narrows the window.
    """
    stmt = (
        select(OutgoingMail.id)
        .where(OutgoingMail.id == inspect(mail).identity[0], OutgoingMail.sent_at.is_(None))
        .with_for_update(skip_locked=True)
    )
    return db.session.scalar(stmt) is not None


def send_after_commit():
    """Try to send what the request queued; a failure is logged and left for the retry.

    Only new mails, with a short timeout, so a mail server that is down
    delays the page by seconds at most, once; when sending works, mails that
    failed earlier go along too.
    """
    try:
        sent, failed = send_pending(fresh_only=True, timeout=AFTER_COMMIT_TIMEOUT)
        if sent and not failed:
            more, failed = send_pending(timeout=AFTER_COMMIT_TIMEOUT)
            sent += more
        if failed:
            current_app.logger.warning("mail: %d sent, %d failed (will retry)", sent, failed)
    except Exception:  # noqa: BLE001  a mail problem must never fail the user's step
        db.session.rollback()
        current_app.logger.exception("mail: sending failed (will retry)")


def _note_failure(mails, error):
    current_app.logger.warning("mail server unreachable: %s", error)
    for mail in mails:
        mail.attempts += 1
        mail.last_error = str(error)[:500]
    db.session.commit()


def _message(mail):
    sender = current_app.config.get("MAIL_FROM") or "kompetanseportal@localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(f"outbox{mail.id}", domain=sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content(mail.body)
    return message
