"""Pages: views_profile."""
from . import bp  # noqa: F401
