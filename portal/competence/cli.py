"""Command-line commands for the competence area: the catalogue and held-competence imports.

They print and exit exactly like ``import-employees`` (same report, same
progress on stderr, exit 1 and nothing changed when the file has errors),
so HR staff meet one behaviour whatever they import.
"""
from ..org.cli import import_command


def _catalogue_importer():
    from .imports import import_catalogue

    return import_catalogue


def _competences_importer():
    from .imports import import_competences

    return import_competences


import_catalogue_command = import_command(
    "import-catalogue",
    _catalogue_importer,
    "Import the competence catalogue (code, name, area, kind, max_level, validity_months) from CSV or XLSX.",
)
import_competences_command = import_command(
    "import-competences",
    _competences_importer,
    "Import held competences (employee_number, competence_code, level, source, achieved_on, valid_until).",
)


def init_app(app):
    """Register the commands on ``app``."""
    for command in (import_catalogue_command, import_competences_command):
        app.cli.add_command(command)
