"""The person's own data ("my data"): gathered once, given out as JSON and as PDF.

No blueprint of its own: the pages live in ``portal.home`` and the API
endpoint in ``portal.api``; both call :func:`data.gather` so the JSON export
and the PDF always hold the same facts.
"""
