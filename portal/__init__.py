"""Kompetanseportal: strategic competence planning for a Norwegian municipality.

The application is built by :func:`create_app`; importing this package has no
side effects, so tests and commands can build as many apps as they need.
"""
from pathlib import Path

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build a configured portal application.

    ``config`` is a mapping applied after the environment, so tests can point
    the app at their own database without touching ``os.environ``;
    ``INSTANCE_PATH`` in it moves the instance folder (secret key, SQLite file).
    """
    config = dict(config or {})
    app = Flask(
        __name__,
        instance_path=str(config.pop("INSTANCE_PATH", None) or PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    from . import settings

    settings.configure(app, config)
    _trust_proxies(app)

    from . import extensions

    extensions.init_app(app)

    from . import web

    web.init_app(app)
    app.url_map.converters["int"] = web.DatabaseIntConverter
    _register_blueprints(app)
    _register_commands(app)

    from . import access

    access.init_app(app)
    return app


def _trust_proxies(app):
    """Behind a reverse proxy, take the client's address and scheme from the proxy's headers.

    Only as many proxies as configured are trusted, so a client cannot set
    its own address (which the log-in limits are keyed on) with a header.
    """
    proxies = app.config["PORTAL_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _register_blueprints(app):
    """Mount one blueprint per area of the domain."""
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .competence import bp as competence_bp
    from .appraisals import bp as appraisals_bp
    from .home import bp as home_bp
    from .learning import bp as learning_bp
    from .org import bp as org_bp
    from .plans import bp as plans_bp

    blueprints = (auth_bp, home_bp, org_bp, competence_bp, plans_bp, appraisals_bp, learning_bp, admin_bp, api_bp)
    for bp in blueprints:
        app.register_blueprint(bp)
    _register_workflows(app)


def _register_workflows(app):
    """Load the workflow definitions for the areas that have workflow objects."""
    from . import appraisals, plans, workflow
    from .notify import models as _outbox  # noqa: F401  (the outbox table must be known to migrations)
    from .workflow import models as _history  # noqa: F401

    workflow.init_app(app, plans.workflow_adapters() + appraisals.workflow_adapters())
    plans.init_app(app)
    appraisals.init_app(app)


def _register_commands(app):
    """Attach the command-line commands documented in the contract."""
    from .appraisals import cli as appraisals_cli
    from .competence import cli as competence_cli
    from .audit import cli as audit_cli
    from .maintenance import cli as maintenance_cli
    from .notify import cli as notify_cli
    from .org import cli as org_cli

    org_cli.init_app(app)
    competence_cli.init_app(app)
    notify_cli.init_app(app)
    appraisals_cli.init_app(app)
    audit_cli.init_app(app)
    maintenance_cli.init_app(app)
