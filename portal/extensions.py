"""The Flask extensions, created unbound and bound to an app in ``init_app``."""
from flask import request, session
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event

from .settings import LOCALES

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_locale():
    """Pick the language: the user's saved choice, the session's, else the default.

    The browser's Accept-Language is ignored on purpose: the municipality
    decides whether a new visitor meets bokmål or nynorsk. On the API the
    token's user counts, so a report fetched with a token is in its owner's
    language, as it would be from the page.
    """
    from flask import current_app

    from .access import current_principal

    if request:
        user = current_principal()
        if user and getattr(user, "is_authenticated", False) and user.locale in LOCALES:
            return user.locale
        if session.get("locale") in LOCALES:
            return session["locale"]
    return current_app.config["PORTAL_DEFAULT_LOCALE"]


def init_app(app):
    """Bind every extension to ``app``."""
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
        default_timezone="Europe/Oslo",
    )
    from .auth import limits

    limits.init_app(app)  # log-in rate limits, per address and per account
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _make_sqlite_transactional(db.engine)


def _migrations_dir():
    from . import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def _make_sqlite_transactional(engine):
    """Give SQLite real transactions, enforced foreign keys and Unicode lower().

    pysqlite otherwise delays BEGIN and ignores foreign keys, which would make
    an import that fails halfway leave rows behind.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        # SQLite's own lower() only folds ASCII; searching "øverby" must find "Øverby".
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN")
