"""The calendar invitation (.ics) for an appraisal interview.

Only when and where: the file ends up in calendars other people may see
(shared calendars, assistants), so it carries no content of the interview.
The UID is stable per appraisal, so a moved interview replaces the old event
instead of adding a second one; SEQUENCE follows the appraisal's version.
"""
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from ..extensions import db
from ..org.models import User
from .editing import _link, end_time, local_time


def employee_locale(appraisal):
    """The language the employee chose, else the installation's default."""
    chosen = db.session.scalar(select(User.locale).where(User.employee_id == appraisal.employee_id))
    return chosen or current_app.config["PORTAL_DEFAULT_LOCALE"]


def invite_ics(appraisal):
    """The interview as an iCalendar file (bytes), in the employee's language, times in Europe/Oslo."""
    base = current_app.config["PORTAL_BASE_URL"]
    host = urlsplit(base).hostname or "localhost"
    link = _link(appraisal)
    calendar = Calendar()
    calendar.add("prodid", "-//Kompetanseportal//appraisal//NO")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appraisal-{appraisal.id}@{host}")
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("dtstart", local_time(appraisal.scheduled_for))
    event.add("dtend", end_time(appraisal))
    event.add("sequence", max(0, (appraisal.version or 1) - 1))
    event.add("status", "CANCELLED" if appraisal.state == "cancelled" else "CONFIRMED")
    with force_locale(employee_locale(appraisal)):
        event.add("summary", _("Appraisal interview: %(name)s", name=appraisal.employee.full_name))
        event.add("description", _("Prepare and read the agreement in the competence portal: %(link)s", link=link))
    if appraisal.location:
        event.add("location", appraisal.location)
    event.add("url", link)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
