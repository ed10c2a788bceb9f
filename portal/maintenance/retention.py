"""The archive plan's deletion rule for appraisal content, applied in bulk.

The rule: what was said in the appraisal interviews of an employee who left
more than ``PORTAL_RETENTION_YEARS`` (default 3) years ago is deleted:

- the appraisal's texts: the employee's preparation, the leader's summary,
  the employee's closing comment (and the free-text location) are emptied;
- every development entry of that employee (their individual development
  plan, agreed in an interview or not) and the entries' status history;
- the texts in the appraisals' workflow history (comments, and the list of
  what an edit changed, which holds entry titles) and sign-off comments.

What stays, as the archive record that the interviews took place: the
appraisal row itself (employee, time, duration, state, version, signed_at)
and every workflow history and sign-off row with who did what, in which
capacity, on which version and when. The history rows are otherwise never
changed by the application; this rule is the one exception, because the
texts are personal data with no lawful purpose left. Competence data, plans
and learning activities are not appraisal content and are kept.

Every step is one bulk statement (the counts are a handful of grouped
queries), so the cost does not grow with the number of leavers in queries.
Nothing here commits: the caller commits once, so a run is all or nothing.
A run that deletes something is written to the audit log (the rule and the
counts). Running the rule twice deletes nothing the second time.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, and_, cast, delete, extract, func, null, or_, select, update

from ..appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from ..audit import log as audit
from ..extensions import db
from ..org.models import Employee
from ..workflow.models import SignOff, WorkflowHistory

OBJECT_TYPE = "appraisal"
# (key, what the command prints), in the order the report lists them.
KINDS = (
    ("appraisals", "appraisals emptied"),
    ("entries", "development entries deleted"),
    ("entry_events", "entry history rows deleted"),
    ("history", "workflow history texts removed"),
    ("signoffs", "sign-off comments removed"),
)


@dataclass
class RetentionReport:
    """What the rule deletes, per kind and per year the employees left."""

    years: int
    cutoff: date
    counts: dict = field(default_factory=dict)  # {year_left: {kind: n}}

    @property
    def totals(self):
        """Counts per kind over all years."""
        return {key: sum(per_year.get(key, 0) for per_year in self.counts.values()) for key, _label in KINDS}

    @property
    def empty(self):
        """Whether nothing is (left) to delete."""
        return not any(self.totals.values())

    def audit_details(self):
        """What the audit log keeps of a run: the rule and the counts, no names."""
        return {
            "years": self.years,
            "cutoff": self.cutoff.isoformat(),
            "totals": self.totals,
            "by_year_left": {str(year): dict(self.counts[year]) for year in sorted(self.counts)},
        }

    def lines(self):
        """The report as the command prints it: one line per year of leaving, then the total."""
        out = [
            f"Appraisal content of employees who left before {self.cutoff.isoformat()} "
            f"(more than {self.years} year(s) ago):"
        ]
        if self.empty:
            out.append("  nothing to delete.")
            return out
        for year in sorted(self.counts):
            out.append(f"  left in {year}: {_describe(self.counts[year])}")
        out.append(f"  total: {_describe(self.totals)}")
        return out


def _describe(counts):
    return ", ".join(f"{counts.get(key, 0)} {label}" for key, label in KINDS)


def cutoff_for(years, today=None):
    """The day ``years`` years before ``today``: who left before it, left more than that long ago."""
    today = today or date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year without one
        return today.replace(year=today.year - years, day=28)


def _leavers(cutoff):
    return select(Employee.id).where(Employee.end_date.is_not(None), Employee.end_date < cutoff)


def _appraisals_of_leavers(cutoff):
    return select(Appraisal.id).where(Appraisal.employee_id.in_(_leavers(cutoff)))


def _json_empty(column, *empty):
    """Whether a JSON column holds nothing (SQL NULL, JSON null or one of ``empty``), on SQLite and PostgreSQL."""
    return or_(column.is_(None), cast(column, String).in_(("null",) + empty))


def _appraisal_has_content():
    return or_(
        Appraisal.summary != "",
        Appraisal.employee_comment != "",
        Appraisal.location != "",
        ~_json_empty(Appraisal.preparation, "{}"),
    )


def _history_has_text():
    return or_(WorkflowHistory.comment != "", ~_json_empty(WorkflowHistory.changes, "[]"))


def _grouped(stmt):
    return {int(year): n for year, n in db.session.execute(stmt)}


def count(years, today=None):
    """What :func:`apply` would delete, as a :class:`RetentionReport` (reads only)."""
    cutoff = cutoff_for(years, today)
    year = extract("year", Employee.end_date)
    left = and_(Employee.end_date.is_not(None), Employee.end_date < cutoff)
    found = {
        "appraisals": _grouped(
            select(year, func.count(Appraisal.id))
            .join(Employee, Employee.id == Appraisal.employee_id)
            .where(left, _appraisal_has_content())
            .group_by(year)
        ),
        "entries": _grouped(
            select(year, func.count(DevelopmentEntry.id))
            .join(Employee, Employee.id == DevelopmentEntry.employee_id)
            .where(left)
            .group_by(year)
        ),
        "entry_events": _grouped(
            select(year, func.count(DevelopmentEntryEvent.id))
            .join(DevelopmentEntry, DevelopmentEntry.id == DevelopmentEntryEvent.entry_id)
            .join(Employee, Employee.id == DevelopmentEntry.employee_id)
            .where(left)
            .group_by(year)
        ),
        "history": _grouped(
            select(year, func.count(WorkflowHistory.id))
            .join(Appraisal, and_(WorkflowHistory.object_type == OBJECT_TYPE,
                                  WorkflowHistory.object_id == Appraisal.id))
            .join(Employee, Employee.id == Appraisal.employee_id)
            .where(left, _history_has_text())
            .group_by(year)
        ),
        "signoffs": _grouped(
            select(year, func.count(SignOff.id))
            .join(Appraisal, and_(SignOff.object_type == OBJECT_TYPE, SignOff.object_id == Appraisal.id))
            .join(Employee, Employee.id == Appraisal.employee_id)
            .where(left, SignOff.comment != "")
            .group_by(year)
        ),
    }
    counts = {}
    for key, per_year in found.items():
        for year_left, n in per_year.items():
            if n:
                counts.setdefault(year_left, {})[key] = n
    return RetentionReport(years=years, cutoff=cutoff, counts=counts)


def apply(years, today=None):
    """Delete what the rule says, in bulk, in the caller's transaction; returns the :class:`RetentionReport`.

    The counts are taken first in the same transaction, so the report says
    what this run deleted. The caller commits (or rolls back on an error).
    """
    report = count(years, today)
    if report.empty:
        return report
    cutoff = report.cutoff
    bulk = {"synchronize_session": False}
    entries = select(DevelopmentEntry.id).where(DevelopmentEntry.employee_id.in_(_leavers(cutoff)))
    db.session.execute(
        delete(DevelopmentEntryEvent).where(DevelopmentEntryEvent.entry_id.in_(entries)), execution_options=bulk
    )
    db.session.execute(
        delete(DevelopmentEntry).where(DevelopmentEntry.employee_id.in_(_leavers(cutoff))), execution_options=bulk
    )
    db.session.execute(
        update(Appraisal)
        .where(Appraisal.employee_id.in_(_leavers(cutoff)), _appraisal_has_content())
        .values(preparation={}, summary="", employee_comment="", location=""),
        execution_options=bulk,
    )
    appraisals = _appraisals_of_leavers(cutoff)
    db.session.execute(
        update(WorkflowHistory)
        .where(WorkflowHistory.object_type == OBJECT_TYPE, WorkflowHistory.object_id.in_(appraisals),
               _history_has_text())
        .values(comment="", changes=null()),
        execution_options=bulk,
    )
    db.session.execute(
        update(SignOff)
        .where(SignOff.object_type == OBJECT_TYPE, SignOff.object_id.in_(appraisals), SignOff.comment != "")
        .values(comment=""),
        execution_options=bulk,
    )
    audit.record("retention.delete", "", None, report.audit_details())
    db.session.expire_all()
    return report
