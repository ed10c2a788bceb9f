"""How the appraisal workflow applies to appraisals: who is "the employee" and "the leader".

Roles in ``workflows/appraisal.toml`` are read against the appraisal itself:
holding the role ``leader`` somewhere is not enough, the user must lead the
employee's unit (or a unit above it); ``employee`` is the person the
interview is with.
"""
from datetime import datetime, timezone

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..notify import enqueue_for
from ..org.models import RoleAssignment, Unit, User
from ..org.visibility import led_unit_paths
from ..workflow import engine
from .models import Appraisal


def is_employee(user, appraisal):
    """Whether ``user`` is the employee the interview is with."""
    return bool(user.employee_id) and user.employee_id == appraisal.employee_id


def is_leader(user, appraisal):
    """Whether ``user`` leads the employee's unit or a unit above it (and is not the employee)."""
    if is_employee(user, appraisal) or not user.has_role("leader"):
        return False
    path = appraisal.employee.unit.path
    return any(path.startswith(p) for p in led_unit_paths(user))


def has_preparation(appraisal):
    if not any(isinstance(v, str) and v.strip() for v in (appraisal.preparation or {}).values()):
        return _l("Write at least a few words in the preparation first.")
    return None


def has_summary(appraisal):
    if not (appraisal.summary or "").strip():
        return _l("The leader writes a summary of the interview first.")
    return None


def mark_signed(appraisal, user, comment):
    appraisal.signed_at = datetime.now(timezone.utc)


class AppraisalWorkflow(engine.Adapter):
    """The appraisal interview, as the workflow engine sees it."""

    object_type = "appraisal"
    workflow = "appraisal"
    model = Appraisal
    parts = ("preparation", "schedule", "summary", "entries", "employee_comment")
    capacities = ("employee", "leader")
    guards = {"has_preparation": has_preparation, "has_summary": has_summary}
    actions = {"mark_signed": mark_signed}

    def holds_capacity(self, user, appraisal, capacity):
        if capacity == "employee":
            return is_employee(user, appraisal)
        if capacity == "leader":
            return is_leader(user, appraisal)
        return False

    def may_fire(self, user, appraisal, transition):
        return ("employee" in transition.roles and is_employee(user, appraisal)) or (
            "leader" in transition.roles and is_leader(user, appraisal)
        )

    def notify(self, appraisal, capacities, reason):
        """Tell the employee and/or their leaders that the summary waits for their signature."""
        link = _link(appraisal)

        def render(user):
            subject = _("Your appraisal interview summary waits for your signature")
            body = _(
                "The summary of the appraisal interview with %(name)s is ready (version %(version)d). "
                "Read it and sign here: %(link)s\n",
                name=appraisal.employee.full_name,
                version=appraisal.version,
                link=link,
            )
            return subject, body

        enqueue_for(people(appraisal, capacities), render)


def people(appraisal, capacities):
    """The users who may act in ``capacities`` on ``appraisal`` (one query)."""
    conditions = []
    if "employee" in capacities:
        conditions.append(User.employee_id == appraisal.employee_id)
    if "leader" in capacities:
        path = appraisal.employee.unit.path
        leads = select(RoleAssignment.user_id).join(Unit, Unit.id == RoleAssignment.unit_id).where(
            RoleAssignment.role == "leader",
            _path_is_prefix(path),
        )
        conditions.append(User.id.in_(leads) & ((User.employee_id.is_(None)) | (User.employee_id != appraisal.employee_id)))
    if not conditions:
        return []
    from sqlalchemy import or_

    return db.session.scalars(select(User).where(User.active.is_(True), or_(*conditions)).order_by(User.id)).all()


def _path_is_prefix(path):
    from sqlalchemy import literal

    return literal(path).startswith(Unit.path)


def _link(appraisal):
    if has_request_context():
        return url_for("appraisals.appraisal", appraisal_id=appraisal.id, _external=True)
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/appraisals/{appraisal.id}"
