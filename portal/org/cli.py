"""Command-line commands for the org area: demo data, imports, users."""
import os
import secrets
import sys

import click
from flask.cli import with_appcontext

from ..access import ROLES
from ..extensions import db


@click.command("demo")
@click.option("--employees", default=400, show_default=True, type=click.IntRange(min=20), help="How many employees to create.")
@click.option("--seed", default=2026, show_default=True, type=int, help="Same seed, same municipality.")
@click.option("--password", default=None, help="Password for all demo users (random when not given).")
@with_appcontext
def demo_command(employees, seed, password):
    """Fill an empty database with the fictional municipality "Eksempel kommune"."""
    from .demo import DemoError, generate

    try:
        result = generate(employees=employees, seed=seed, password=password, echo=click.echo)
    except DemoError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Eksempel kommune: {result.units} units, {result.employees} employees.")
    click.echo(
        f"Competences: {result.competences} in the catalogue, {result.held_competences} held, "
        f"{result.requirements} unit requirements."
    )
    if result.plans is not None:
        click.echo(f"Competence plans: {result.plans.describe()}.")
    _echo_appraisals(result)
    click.echo("Demo log-ins (user name / password):")
    for username, role in result.users:
        click.echo(f"  {username:<15} {result.password}   ({role})")


def _echo_appraisals(result):
    """The appraisal part of the demo summary (interviews by state, entries, learning activities)."""
    if result.appraisals is None:
        return
    counts = result.appraisals
    click.echo(
        f"Appraisal interviews: {counts.describe()}; {counts.entries} development entries; "
        f"{counts.activities} learning activities with {counts.participants} participants."
    )


@click.command("seed-if-empty")
@with_appcontext
def seed_if_empty_command():
    """Fill an empty database with the demo municipality (used by `make run`).

    The password chosen here is kept in ``instance/demo_password`` so that
    every later `make run` can print the log-ins again.
    """
    from pathlib import Path

    from flask import current_app
    from sqlalchemy import func, select

    from .demo import generate
    from .models import User

    stored = Path(current_app.instance_path) / "demo_password"
    if db.session.scalar(select(func.count(User.id))) == 0:
        password = secrets.token_urlsafe(10)
        click.echo("Empty database: creating the demo municipality ...")
        result = generate(password=password, echo=click.echo)
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(password)
        stored.chmod(0o600)
        click.echo(f"Eksempel kommune: {result.units} units, {result.employees} employees.")
        if result.plans is not None:
            click.echo(f"Competence plans: {result.plans.describe()}.")
        _echo_appraisals(result)
    if not stored.exists():
        click.echo("The database already has users; demo passwords were printed when it was filled.")
        return
    password = stored.read_text().strip()
    click.echo("Demo log-ins (user name / password):")
    for username in db.session.scalars(
        select(User.username).where(User.username.in_(DEMO_USERS)).order_by(User.username)
    ):
        click.echo(f"  {username:<15} {password}")


DEMO_USERS = ("admin", "hr", "leader", "employee", "representative", "politician")


def _run_import(importer, path, dry_run):
    """Run an importer, print its report, and exit non-zero when the file had errors."""
    report = importer(path, dry_run=dry_run, progress=_Progress())
    for line in report.lines():
        click.echo(line)
    if report.errors:
        click.echo(f"{len(report.errors)} error(s): nothing was changed.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was changed.")


class _Progress:
    """Show progress on large files on stderr, at most every 5,000 rows."""

    STEP = 5000

    def __init__(self):
        self.shown = 0

    def __call__(self, done, total):
        if total < self.STEP:
            return
        if done == total or done - self.shown >= self.STEP:
            self.shown = done
            click.echo(f"  {done}/{total} rows", err=True)


def import_command(name, importer, help_text):
    """Build an ``import-*`` command: one behaviour for every import HR runs.

    ``importer`` is a zero-argument function returning the import function,
    so the area's import module is only loaded when the command runs.
    """

    @click.command(name, help=help_text)
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check the file and report, change nothing.")
    @with_appcontext
    def command(path, dry_run):
        _run_import(importer(), path, dry_run)

    return command


def _units_importer():
    from .imports import import_units

    return import_units


def _employees_importer():
    from .imports import import_employees

    return import_employees


import_units_command = import_command(
    "import-units", _units_importer, "Import org units (code, name, parent_code, service_area) from CSV or XLSX."
)
import_employees_command = import_command(
    "import-employees",
    _employees_importer,
    "Import employees from the personnel system (CSV or XLSX), matched by employee number.",
)


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Role to give (repeatable).")
@click.option("--unit", "unit_code", default=None, help="Code of the unit a leader leads.")
@click.option("--employee-number", default=None, help="Link the user to this employee.")
@click.option("--email", default=None, help="E-mail address for notifications (plans waiting for a signature).")
@with_appcontext
def create_user_command(username, roles, unit_code, employee_number, email):
    """Create a user; the password comes from PORTAL_PASSWORD or a prompt."""
    from .accounts import AccountError, clean_email, create_user, find_employee, find_unit, grant_role

    try:
        clean_email(email)  # refuse a bad address before asking for a password
    except AccountError as error:
        raise click.ClickException(f"{error.field}: {error}") from None
    password = os.environ.get("PORTAL_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        employee = find_employee(employee_number) if employee_number else None
        unit = find_unit(unit_code) if unit_code else None
        user = create_user(username, password, employee, email=email)
        for role in roles:
            grant_role(user, role, unit)
        db.session.commit()
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error}") from None
    mail = f" and e-mail {user.email}" if user.email else ""
    click.echo(f"Created user {username} with roles {', '.join(roles)}{mail}.")


def init_app(app):
    """Register the commands on ``app``."""
    for command in (
        demo_command,
        seed_if_empty_command,
        import_units_command,
        import_employees_command,
        create_user_command,
    ):
        app.cli.add_command(command)
