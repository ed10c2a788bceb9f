"""Aggregates over the whole workforce, computed once and reused for a short while.

The start page, the plan page and the plan API show figures that each read
every employee (headcounts per unit, goal values, the workforce and gap
totals of a plan's scope): at 10,000 employees they cost 10-100 ms a request,
most of a page's time (bench/pages.py, issue 8). They change only when
someone changes employees, competences, requirements or units, so a worker
keeps what it computed, as plain values, for ``PORTAL_FIGURE_CACHE_SECONDS``
(default 30; 0 switches the cache off).

Freshness: every write this worker makes to the database (INSERT, UPDATE or
DELETE, from the ORM or not) empties its cache at once, and again when that
transaction ends, and nothing computed inside a transaction that has written
is kept; so a request served by the worker that made a change sees its
effect at once, and a test suite in one process sees exactly what it would
without the cache. Another worker (or another app server) may show figures
up to that many seconds old: a change made through one worker can take up
to 30 seconds to reach a page another worker draws. Lists, profiles,
appraisals and everything a person edits are never cached; only these
aggregate counts are. Only values derived from the database are kept here, never ORM
objects or anything that depends on who is looking: hiding small groups is
decided afresh on every request.
"""
import threading
import time

from flask import current_app
from sqlalchemy import event

from .extensions import db

EXTENSION = "portal.figure_cache"
DEFAULT_SECONDS = 30
MAX_ENTRIES = 2000  # a figure per plan and per scope: expired ones are dropped beyond this
_WROTE = "portal.figure_cache.wrote"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE", "TRUNCATE", "COPY", "ALTER", "DROP")


class FigureCache:
    """One app's cache: key -> (expires at, value), emptied on every write."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.entries = {}
        self.generation = 0
        self.lock = threading.Lock()

    def clear(self):
        with self.lock:
            self.generation += 1
            self.entries.clear()

    def get(self, key, compute):
        if self.seconds <= 0:
            return compute()
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        generation = self.generation
        value = compute()
        if generation == self.generation and not _transaction_wrote():
            with self.lock:
                if generation == self.generation:
                    if len(self.entries) >= MAX_ENTRIES:
                        self.entries = {k: e for k, e in self.entries.items() if e[0] > now}
                    self.entries[key] = (now + self.seconds, value)
        return value


def _transaction_wrote():
    """Whether the session's open transaction has written (its figures may yet be rolled back)."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.in_transaction() and session.connection().info.get(_WROTE))


def keeps_now():
    """Whether a figure computed now would be kept (the cache is on and this transaction has not written).

    For callers that choose between counting everything once for the cache
    and counting only what they need.
    """
    cache = current_app.extensions.get(EXTENSION)
    return cache is not None and cache.seconds > 0 and not _transaction_wrote()


def cached(key, compute):
    """``compute()``, or what it gave for ``key`` within the last few seconds (see the module)."""
    cache = current_app.extensions.get(EXTENSION)
    return compute() if cache is None else cache.get(key, compute)


def init_app(app):
    """Give ``app`` its cache and empty it on every write through its engine."""
    seconds = app.config.get("PORTAL_FIGURE_CACHE_SECONDS")
    if seconds is None:
        import os

        seconds = os.environ.get("PORTAL_FIGURE_CACHE_SECONDS", DEFAULT_SECONDS)
    cache = FigureCache(float(seconds))
    app.extensions[EXTENSION] = cache
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(conn, _cursor, statement, _parameters, _context, _executemany):
        if statement.lstrip()[:8].upper().startswith(_WRITES):
            conn.info[_WROTE] = True
            cache.clear()

    def _on_end(conn):
        if conn.info.pop(_WROTE, False):
            cache.clear()

    event.listen(engine, "commit", _on_end)
    event.listen(engine, "rollback", _on_end)
    return cache
