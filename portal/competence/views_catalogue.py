"""Pages: views_catalogue."""
from . import bp  # noqa: F401
