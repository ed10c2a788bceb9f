"""Pages: views_workforce."""
from . import bp  # noqa: F401
