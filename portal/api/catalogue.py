"""API endpoints: catalogue."""
from . import bp  # noqa: F401

# Paths and schemas this module adds to /api/v1/openapi.json.
OPENAPI_PATHS = {}
OPENAPI_SCHEMAS = {}
