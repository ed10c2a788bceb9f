"""The "waiting for me" list on the start page.

Each area of the portal that puts work in front of a user registers a source
on the app (``register(app, source)`` in its ``init_app``); the start page
shows the items together. Worklists are queries, never stored lists, so they
are always current.
"""
from dataclasses import dataclass

from flask import current_app


@dataclass
class WorkItem:
    """One thing waiting for the user: what it is, and where to act on it."""

    title: str
    url: str
    detail: str = ""


def register(app, source):
    """Add ``source(user) -> list[WorkItem]`` to every user's worklist on ``app``."""
    app.extensions.setdefault("worklist_sources", []).append(source)


def waiting_for(user):
    """Everything waiting for ``user``, from every registered area."""
    items = []
    for source in current_app.extensions.get("worklist_sources", []):
        items.extend(source(user))
    return items
