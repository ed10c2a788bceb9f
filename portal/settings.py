"""Configuration from the environment, with safe defaults for a single machine."""
import os
import secrets
from pathlib import Path

LOCALES = ("nb", "nn", "en")


def configure(app, overrides=None):
    """Fill ``app.config`` from the environment, then from ``overrides``.

    The secret key is generated once and kept under ``instance/`` so that a
    restart does not log everybody out, and no key is ever a constant in code.
    """
    instance = Path(app.instance_path)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or f"sqlite:///{instance / 'portal.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        PORTAL_DEFAULT_LOCALE=os.environ.get("PORTAL_DEFAULT_LOCALE", "nb"),
        PORTAL_MUNICIPALITY=os.environ.get("PORTAL_MUNICIPALITY", "Eksempel kommune"),
        PORTAL_TOKEN_DAYS=int(os.environ.get("PORTAL_TOKEN_DAYS", "90")),
        # How many reverse proxies in front of the portal to trust for the client's address and scheme.
        PORTAL_PROXIES=int(os.environ.get("PORTAL_PROXIES", "0")),
        # Appraisal content is deleted this many years after the employee left (archive plan).
        PORTAL_RETENTION_YEARS=int(os.environ.get("PORTAL_RETENTION_YEARS", "3")),
        # Shown on /tilgjengelighet and /personvern: where feedback and privacy questions go.
        PORTAL_CONTACT_EMAIL=os.environ.get("PORTAL_CONTACT_EMAIL", "postmottak@eksempel.kommune.no"),
        PORTAL_PRIVACY_EMAIL=os.environ.get("PORTAL_PRIVACY_EMAIL", "personvernombud@eksempel.kommune.no"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("PORTAL_SECURE_COOKIES", "") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("PORTAL_SECURE_COOKIES", "") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAIL_SERVER=os.environ.get("MAIL_SERVER"),
        MAIL_PORT=int(os.environ.get("MAIL_PORT", "25")),
        MAIL_FROM=os.environ.get("MAIL_FROM", "kompetanseportal@localhost"),
        # Links in e-mails sent outside a request (commands, cron) start with this.
        PORTAL_BASE_URL=os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if overrides:
        app.config.from_mapping(overrides)
    if app.config["PORTAL_DEFAULT_LOCALE"] not in LOCALES:
        raise ValueError(
            f"PORTAL_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}, "
            f"not {app.config['PORTAL_DEFAULT_LOCALE']!r}"
        )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stored_secret(instance)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        instance.mkdir(parents=True, exist_ok=True)


def _stored_secret(instance):
    """Return the installation's secret key, creating it on first use."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
