"""The plan form (new and edit): from the page's fields to the API's dict and back.

Pages and the API share :mod:`.editing`, which reads the API's field names and
reports problems by them ("platform.overview", "working_group.2.name"). This
module is the translation layer: it turns the posted form into that dict,
remembers which form row each working-group member came from (empty rows are
skipped, so member 2 may sit in row 5), and maps every problem back to the
id of the input it belongs to, so the message lands next to the right field.
Plain form handling rather than WTForms, because the validation lives in
:mod:`.editing` and must stay identical for both front doors.
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .catalogue import FIELD_LABELS, PLATFORM_QUESTIONS, WORKING_GROUP_LABELS
from .editing import MAX_GROUP

GROUP_ROWS = 8
TEXT_FIELDS = ("title", "period_start", "period_end", "mandate", "purpose")


def field_id(key):
    """The HTML id of the input behind an API field key ("platform.overview" -> "platform-overview")."""
    return key.replace(".", "-")


@dataclass
class PlanForm:
    """What the form shows: the values as text, the working-group rows and the problems by input id."""

    values: dict = field(default_factory=dict)
    platform: dict = field(default_factory=dict)
    group: list = field(default_factory=list)  # [(name, role)], one per row shown
    errors: dict = field(default_factory=dict)  # input id -> message
    group_rows: list = field(default_factory=list)  # form row of each member sent to editing

    questions = PLATFORM_QUESTIONS
    roles = WORKING_GROUP_LABELS

    def error(self, key):
        """The problem with the input for ``key`` (an API key or an input id), or None."""
        return self.errors.get(field_id(key))

    def label_for(self, input_id):
        """What the error summary calls the input ``input_id``."""
        parts = input_id.split("-")
        if parts[0] == "platform" and len(parts) == 2:
            return PLATFORM_QUESTIONS.get(parts[1], input_id)
        if parts[0] == "working_group" and len(parts) == 3 and parts[1].isdigit():
            row = int(parts[1]) + 1
            return _l("Member %(row)d: name", row=row) if parts[2] == "name" else _l("Member %(row)d: role", row=row)
        return FIELD_LABELS.get(input_id, input_id)

    @property
    def field_errors(self):
        """(input id, message) pairs in form order, for the summary at the top."""
        order = ["title", "scope_unit_id", "period_start", "period_end", "mandate", "purpose", "platform"]
        order += [f"platform-{key}" for key in PLATFORM_QUESTIONS] + ["working_group"]
        order += [f"working_group-{i}-{part}" for i in range(len(self.group)) for part in ("name", "role")]
        known = [(key, self.errors[key]) for key in order if key in self.errors]
        return known + [(key, message) for key, message in self.errors.items() if key not in order]

    # --- reading -----------------------------------------------------------------

    @classmethod
    def from_request(cls, form):
        """The posted form, kept as typed (to show it again) and ready for :meth:`data`."""
        values = {name: form.get(name, "") for name in TEXT_FIELDS}
        values["scope_unit_id"] = form.get("scope_unit_id", "")
        values["version"] = form.get("version", "")
        platform = {key: form.get(f"platform.{key}", "") for key in PLATFORM_QUESTIONS}
        rows = _row_count(form)
        group = [
            (form.get(f"working_group.{i}.name", ""), form.get(f"working_group.{i}.role", ""))
            for i in range(rows)
        ]
        return cls(values=values, platform=platform, group=_padded(group))

    def data(self):
        """The API-shaped dict :func:`.editing.create_plan` and ``update_plan`` read."""
        members, self.group_rows = [], []
        for row, (name, role) in enumerate(self.group):
            if name.strip() or role:
                members.append({"name": name, "role": role})
                self.group_rows.append(row)
        scope = self.values.get("scope_unit_id", "").strip()
        return {
            "title": self.values.get("title", ""),
            "scope_unit_id": scope or None,
            "period_start": self.values.get("period_start", "").strip(),
            "period_end": self.values.get("period_end", "").strip(),
            "mandate": self.values.get("mandate", ""),
            "purpose": self.values.get("purpose", ""),
            "platform": dict(self.platform),
            "working_group": members,
        }

    @property
    def version(self):
        """The version the user read, or None when missing or not a number (the engine then refuses)."""
        raw = str(self.values.get("version", "")).strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None

    def take_problems(self, problems):
        """Put :class:`~.fields.PlanError` problems next to their inputs (member index -> form row)."""
        for key, message in problems.items():
            parts = key.split(".")
            if parts[0] == "working_group" and len(parts) == 3 and parts[1].isdigit():
                index = int(parts[1])
                row = self.group_rows[index] if index < len(self.group_rows) else index
                key = f"working_group.{row}.{parts[2]}"
            self.errors[field_id(key)] = message

    # --- writing -----------------------------------------------------------------

    @classmethod
    def empty(cls):
        """The form for a new plan: nothing filled in, the standard number of working-group rows."""
        return cls(values={}, platform={key: "" for key in PLATFORM_QUESTIONS}, group=_padded([]))

    @classmethod
    def from_plan(cls, plan):
        """The form filled in from a stored plan (for editing)."""
        values = {
            "title": plan.title,
            "scope_unit_id": str(plan.scope_unit_id or ""),
            "period_start": plan.period_start.isoformat() if plan.period_start else "",
            "period_end": plan.period_end.isoformat() if plan.period_end else "",
            "mandate": plan.mandate or "",
            "purpose": plan.purpose or "",
            "version": str(plan.version),
        }
        platform = {key: (plan.platform or {}).get(key, "") for key in PLATFORM_QUESTIONS}
        group = [(m.get("name", ""), m.get("role", "")) for m in plan.working_group or []]
        return cls(values=values, platform=platform, group=_padded(group))


def _row_count(form):
    """How many working-group rows the form had (at least the standard number, at most the limit)."""
    rows = GROUP_ROWS
    for name in form:
        parts = name.split(".")
        if parts[0] == "working_group" and len(parts) == 3 and parts[1].isdigit():
            rows = max(rows, min(int(parts[1]) + 1, MAX_GROUP + 1))
    return rows


def _padded(group):
    """The members plus empty rows: always the standard number, and two spare rows below a long list."""
    rows = max(GROUP_ROWS, min(len(group) + 2, MAX_GROUP))
    return list(group) + [("", "")] * max(0, rows - len(group))
