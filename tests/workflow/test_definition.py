"""Workflow definitions are data: checked when the portal starts, and obeyed without code changes."""
import shutil

import pytest

from portal import PROJECT_ROOT
from portal.extensions import db
from portal.plans import queries
from portal.workflow import engine
from portal.workflow.definition import DefinitionError
from portal.workflow.engine import Conflict

from ..conftest import make_test_app
from . import add_goal, approve, fire, new_plan, sign, user

REAL = PROJECT_ROOT / "workflows"
AGREE_SIGNOFFS = 'signoffs = ["leader", "representative", "politician"]\ntitle = { nb = "Hensikten er avtalt"'
GOALS_SIGNOFFS = 'signoffs = ["leader", "representative"]\ntitle = { nb = "Godkjenn målene"'


def _copy(tmp_path, old=None, new=None):
    """A copy of workflows/ with ``old`` replaced by ``new`` in the plan workflow (which must contain it)."""
    folder = tmp_path / "workflows"
    shutil.copytree(REAL, folder)
    if old is not None:
        path = folder / "competence_plan.toml"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"the definition no longer contains {old!r}"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def _start(tmp_path, folder, url=None):
    return make_test_app(url or f"sqlite:///{tmp_path}/unused.sqlite3", WTF_CSRF_ENABLED=False, WORKFLOWS_DIR=str(folder))


def test_the_shipped_definition_loads_as_the_contract_describes(app):
    definition = app.extensions["workflows"]["definitions"]["competence_plan"]
    assert list(definition.states) == ["purpose", "goals", "measures", "evaluation", "closed"]
    assert definition.initial == "purpose"
    steps = {(t.name, s): (t.dest, t.signoffs, t.roles) for t in definition.transitions for s in t.sources}
    assert steps[("agree_purpose", "purpose")] == ("goals", ("leader", "representative", "politician"), {"hr"})
    assert steps[("approve_goals", "goals")] == ("measures", ("leader", "representative"), {"hr"})
    assert steps[("start_evaluation", "measures")] == ("evaluation", (), {"hr"})
    assert steps[("close", "evaluation")] == ("closed", ("leader", "representative", "politician"), {"hr"})
    assert {s: steps[("send_back", s)][0] for s in ("goals", "measures", "evaluation")} == {
        "goals": "purpose", "measures": "goals", "evaluation": "measures",
    }
    assert all(set(state.title) == {"nb", "nn", "en"} for state in definition.states.values())


def test_an_untouched_copy_starts(tmp_path):
    app = _start(tmp_path, _copy(tmp_path))
    assert "competence_plan" in app.extensions["workflows"]["definitions"]


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ('source = ["purpose"]\ndest = "goals"', 'source = ["purpose"]\ndest = "godkjent"', "unknown state 'godkjent'"),
        ('[states.closed]',
         '[states.archived]\ntitle = { nb = "Arkivert", nn = "Arkivert", en = "Archived" }\n\n[states.closed]',
         "archived cannot be reached"),
        ('[[transitions]]\nname = "approve_goals"',
         '[[transitions]]\nname = "agree_purpose"\nsource = ["purpose"]\ndest = "measures"\nroles = ["hr"]\n'
         'title = { nb = "x", nn = "x", en = "x" }\n\n[[transitions]]\nname = "approve_goals"',
         "'agree_purpose' is defined twice from state 'purpose'"),
        ('guards = ["has_goals"]', 'guards = ["has_gaols"]', "unknown guards has_gaols"),
        ('name = "close"\nsource = ["evaluation"]\ndest = "closed"\nroles = ["hr"]',
         'name = "close"\nsource = ["evaluation"]\ndest = "closed"\nroles = ["hr", "mayor"]', "unknown roles mayor"),
        ('nn = "Semje om føremål", ', "", "state 'purpose' needs a title in nb, nn, en"),
        ('signoffs = ["leader", "representative"]', 'signoffs = ["leader", "union"]', "unknown signoffs union"),
        ('initial = "purpose"', 'initial = "draft"', "initial state 'draft' is not a state"),
        ('name = "start_evaluation"\nsource = ["measures"]\ndest = "evaluation"\nroles = ["hr"]',
         'name = "start_evaluation"\nsource = ["measures"]\ndest = "evaluation"\nroles = []',
         "'start_evaluation': roles must name who may fire it"),
        ('editable = ["goals"]', 'editible = ["goals"]', "state 'goals': unknown key(s) editible"),
    ],
    ids=["unknown-state", "unreachable-state", "duplicate-transition", "unknown-guard", "unknown-role",
         "missing-title-language", "unknown-capacity", "unknown-initial", "nobody-fires", "misspelt-key"],
)
def test_a_broken_definition_stops_the_portal_naming_the_file_and_the_fault(tmp_path, old, new, problem):
    folder = _copy(tmp_path, old, new)
    with pytest.raises(DefinitionError) as caught:
        _start(tmp_path, folder)
    message = str(caught.value)
    assert str(folder / "competence_plan.toml") in message
    assert problem in message


def test_unreadable_or_missing_definitions_stop_the_portal(tmp_path):
    folder = _copy(tmp_path)
    (folder / "competence_plan.toml").write_text("[workflow\nname = ", encoding="utf-8")
    with pytest.raises(DefinitionError, match="competence_plan.toml: cannot be read"):
        _start(tmp_path, folder)
    (folder / "competence_plan.toml").unlink()
    with pytest.raises(DefinitionError, match="no definition for workflow"):
        _start(tmp_path, folder)
    (folder / "competence_plan.toml").write_text('[workflow]\nname = "holiday"\n', encoding="utf-8")
    with pytest.raises(DefinitionError, match="no code handles workflow 'holiday'"):
        _start(tmp_path, folder)


@pytest.fixture
def changed_app(tmp_path, database_url, app, people):
    """Start a second portal on the test database with an edited copy of workflows/."""
    started = []

    def start(old, new):
        other = _start(tmp_path, _copy(tmp_path, old, new), database_url)
        started.append(other)
        return other

    yield start
    for other in started:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_dropping_the_politician_from_agree_purpose_takes_effect(app, changed_app):
    with app.app_context():
        plan = new_plan()
        approve(plan, "leader", "representative")
        with pytest.raises(Conflict):
            engine.fire(plan, user("hr"), "agree_purpose", "", plan.version)
        db.session.rollback()
    changed = changed_app(AGREE_SIGNOFFS, AGREE_SIGNOFFS.replace(', "politician"', ""))
    with changed.app_context():
        plan = new_plan()
        assert engine.status(plan, user("hr")).required_signoffs == ["leader", "representative"]
        with pytest.raises(Conflict):  # nobody asks the politician any more
            sign(plan, "politician")
        db.session.rollback()
        with changed.test_request_context():
            assert queries.worklist(user("politician")) == []
        approve(plan, "leader", "representative")
        fire(plan, "agree_purpose")
        assert plan.state == "goals"


def test_adding_the_politician_to_approve_goals_takes_effect(changed_app):
    changed = changed_app(GOALS_SIGNOFFS, GOALS_SIGNOFFS.replace('"representative"]', '"representative", "politician"]'))
    with changed.app_context():
        plan = new_plan()
        approve(plan, "leader", "representative", "politician")
        fire(plan, "agree_purpose")
        add_goal(plan)
        approve(plan, "leader", "representative")
        with pytest.raises(Conflict) as caught:
            engine.fire(plan, user("hr"), "approve_goals", "", plan.version)
        db.session.rollback()
        assert "politician" in engine.status(plan, user("hr")).required_signoffs
        assert caught.value.status == 409
        with changed.test_request_context():
            titles = [item.title for item in queries.worklist(user("politician"))]
        assert len(titles) == 1 and plan.title in titles[0]
        sign(plan, "politician")
        fire(plan, "approve_goals")
        assert plan.state == "measures"
