"""Back-dating what the demo generators add: one clock for plans and appraisals alike.

The demo drives plans and appraisals through the real engine, so history,
sign-offs and notes get "now" as their time; a believable timeline needs them
stamped with the demo's moment instead. A session listener sets the time as
each row joins the session, so back-dating costs no extra statement. Rows
the engine writes with a plain INSERT (history, sign-offs) never join the
session; it asks :func:`stamp` for the running clock's moment instead.
"""
from contextlib import contextmanager

from sqlalchemy import event

from ..extensions import db


class DemoClock:
    """Stamps new rows of the given classes with :attr:`now` while :meth:`running`.

    ``stamps`` is a sequence of ``(classes, attribute)``: rows of ``classes``
    get ``attribute`` set to the clock's moment.
    """

    def __init__(self, stamps):
        self.stamps = tuple((tuple(classes), attribute) for classes, attribute in stamps)
        self.now = None

    def at(self, moment):
        """The next rows happen at ``moment`` (an aware datetime)."""
        self.now = moment
        return self

    @contextmanager
    def running(self):
        """Stamp rows added to the session inside the block."""
        session = db.session()
        event.listen(session, "transient_to_pending", self._stamp)
        session.info["demo_clock"] = self
        try:
            yield self
        finally:
            session.info.pop("demo_clock", None)
            event.remove(session, "transient_to_pending", self._stamp)

    def _stamp(self, session, instance):
        if self.now is None:
            return
        for classes, attribute in self.stamps:
            if isinstance(instance, classes):
                setattr(instance, attribute, self.now)
                return


def stamp(model, values):
    """``values`` of a ``model`` row written without the ORM, with the running clock's moment if it stamps ``model``."""
    clock = db.session.info.get("demo_clock")
    if clock is not None and clock.now is not None:
        for classes, attribute in clock.stamps:
            if issubclass(model, classes):
                values[attribute] = clock.now
                break
    return values
