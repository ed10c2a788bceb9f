"""Command-line commands for the competence area."""


def init_app(app):
    """Register the commands on ``app``."""
