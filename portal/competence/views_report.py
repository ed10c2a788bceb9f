"""Page: the workforce and gap report as PDF (``/workforce/report.pdf``).

Same filters, same readers and same 404 as ``/workforce`` (the filters are
read by that page's own ``_read_filters``); a bad horizon or profession
gives the workforce page with the field marked and status 422, so the
reader sees what to correct instead of a broken download.
"""
from flask import abort
from flask_login import current_user

from .. import access
from ..reports.files import download
from . import bp, report
from .heatmap import LevelNotFound
from .views_workforce import VIEWERS, _read_filters, workforce_page
from .workforce import NotVisible, professions_in_view, selectable_units


class _OnFirstUse:
    """A list loaded when first looked at: the filters only look at the units or professions
    when the query string names one, and the whole-municipality report names neither
    (saves reading every unit and every employee's profession per download)."""

    def __init__(self, load):
        self._load, self._items = load, None

    def _list(self):
        if self._items is None:
            self._items = self._load()
        return self._items

    def __iter__(self):
        return iter(self._list())

    def __contains__(self, item):
        return item in self._list()


def pdf_response(body, today=None):
    """The PDF as a download; private (figures about staff), never stored by a cache."""
    return download(body, "pdf", report.filename(today), private=True)


@bp.route("/workforce/report.pdf")
@access.allow(*VIEWERS)
def workforce_report_pdf():
    """Workforce figures and the gap heat map for a unit (with sub-units) or the whole municipality."""
    unit, profession, horizon, _text, errors = _read_filters(
        _OnFirstUse(lambda: selectable_units(current_user)), _OnFirstUse(lambda: professions_in_view(current_user))
    )
    if errors:
        return workforce_page()
    try:
        content = report.collect(current_user, unit, profession, horizon)
    except (NotVisible, LevelNotFound):
        abort(404)
    return pdf_response(report.layout(content), content.today)
