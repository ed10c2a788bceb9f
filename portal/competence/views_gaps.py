"""Pages: views_gaps."""
from . import bp  # noqa: F401
