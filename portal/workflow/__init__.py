"""The workflow engine shared by plans and appraisals (see ``engine`` and ``definition``)."""
from pathlib import Path


def init_app(app, adapters):
    """Load and check ``workflows/*.toml`` for the given adapters; a bad file stops start-up.

    ``WORKFLOWS_DIR`` in the config points elsewhere (tests use it to prove a
    changed definition takes effect without code changes).
    """
    from .. import PROJECT_ROOT
    from .definition import load_all

    directory = Path(app.config.get("WORKFLOWS_DIR") or PROJECT_ROOT / "workflows")
    known = {a.workflow: _Provided(a) for a in adapters}
    app.extensions["workflows"] = {
        "definitions": load_all(directory, known),
        "adapters": {a.model: a for a in adapters},
    }


class _Provided:
    """The names an adapter's code provides, for checking a definition against them."""

    def __init__(self, adapter):
        self.guards = set(adapter.guards)
        self.actions = set(adapter.actions)
        self.capacities = set(adapter.capacities)
        self.parts = set(adapter.parts)
