"""Command-line commands for the competence area: the catalogue and held-competence imports.

They print and exit exactly like ``import-employees`` (same report, same
progress on stderr, exit 1 and nothing changed when the file has errors),
so HR staff meet one behaviour whatever they import.
"""
import click
from flask.cli import with_appcontext

from ..org.cli import _run_import


@click.command("import-catalogue")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report, change nothing.")
@with_appcontext
def import_catalogue_command(path, dry_run):
    """Import the competence catalogue (code, name, area, kind, max_level, validity_months) from CSV or XLSX."""
    from .imports import import_catalogue

    _run_import(import_catalogue, path, dry_run)


@click.command("import-competences")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report, change nothing.")
@with_appcontext
def import_competences_command(path, dry_run):
    """Import held competences (employee_number, competence_code, level, source, achieved_on, valid_until)."""
    from .imports import import_competences

    _run_import(import_competences, path, dry_run)


def init_app(app):
    """Register the commands on ``app``."""
    for command in (import_catalogue_command, import_competences_command):
        app.cli.add_command(command)
