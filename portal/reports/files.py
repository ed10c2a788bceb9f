"""Reports and exports as downloads: the right media type, a file name, and no caching of personal data.

A download marked ``private`` holds personal data (or figures about staff):
it is never stored by a cache, and who took it, when and which file is
written to the audit log before the file leaves.
"""
from flask import Response, request

from ..audit import log as audit
from ..extensions import db

TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def download(body, kind, filename, private=False):
    """A file download: ``kind`` is "csv", "xlsx" or "pdf"; ``private`` for personal data (never stored by caches)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    response = Response(body, content_type=TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response.headers["Cache-Control"] = "private, no-store"
        audit.record("export.download", "", None, {"file": filename, "path": request.path})
        db.session.commit()
    return response
