"""Commands for the people who run the portal: ``backup``, ``restore`` and ``retention``."""


def init_app(app):
    """Attach the maintenance commands."""
