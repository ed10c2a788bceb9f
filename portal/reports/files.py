"""Reports and exports as downloads: the right media type, a file name, and no caching of personal data."""
from flask import Response

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
    return response
