"""How fast is the employee import at Oslo size, next to a bare executemany insert?

Writes one personnel-system export of 50,000 employees (fixed seed) as CSV and
as XLSX, imports the units it refers to, and then times, best of ``--repeat``
runs on an emptied employee table each:

* ``import-employees`` from the CSV file (reading, checking every cell,
  planning inserts and updates, writing, the audit entry, the commit);
* the same from the XLSX file;
* the same CSV again over the stored rows (every row unchanged: the cost of a
  nightly re-import);
* the baseline: the same rows, already parsed, inserted with one
  ``executemany`` into the table (``session.execute(insert(Employee.__table__),
  rows)``, no ORM) and committed on the same database.

Each figure is printed in seconds, rows per second and as a ratio to the
baseline (issue 8's target for the CSV import: at most 2 x). Usage::

    .venv/bin/python bench/imports.py                  # temporary SQLite database
    bash .ci/with-postgres .venv/bin/python bench/imports.py
"""
import csv
import random
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import delete, insert, select  # noqa: E402

import harness  # noqa: E402
from portal.extensions import db  # noqa: E402

FIRST = ("Ola", "Kari", "Åse", "Øystein", "Ingrid", "Bjørn", "Sigrid", "Håkon", "Nora", "Emil")
LAST = ("Hansen", "Johansen", "Ødegård", "Ærø", "Berg", "Haugen", "Lie", "Dahl", "Strand", "Bakke")
PROFESSIONS = ("Sykepleier", "Helsefagarbeider", "Lærer", "Barnehagelærer", "Fagarbeider", "Konsulent")
HEADER = ("employee_number", "first_name", "last_name", "birth_date", "unit_code", "profession",
          "position_percent", "hire_date", "end_date")


def main():
    parser = harness.common_options(__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per figure")
    parser.add_argument("--units", type=int, default=500, help="units the employees work in (default 500)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-files-"))
    rows = export_rows(args.employees, args.units, args.seed)
    files = {"csv": write_csv(folder / "ansatte.csv", rows), "xlsx": write_xlsx(folder / "ansatte.xlsx", rows)}
    with harness.database("bench-imports-"):
        migrate_with_units(folder / "enheter.csv", args.units)
        measure(rows, files, args.repeat)


# --- the export ---------------------------------------------------------------------------------


def export_rows(employees, units, seed):
    """The personnel system's rows, as text the way it exports them."""
    draw = random.Random(seed)
    today = date(2026, 11, 1)
    rows = []
    for number in range(1, employees + 1):
        born = today - timedelta(days=draw.randint(20 * 365, 67 * 365))
        hired = born + timedelta(days=draw.randint(19 * 365, (today - born).days))
        rows.append((
            f"{100000 + number}", draw.choice(FIRST), draw.choice(LAST), born.isoformat(),
            f"E{draw.randrange(units):04d}", draw.choice(PROFESSIONS),
            draw.choice(("100", "80", "75", "62,5", "50", "20")), min(hired, today).isoformat(), "",
        ))
    return rows


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow(HEADER)
        out.writerows(rows)
    return path


def write_xlsx(path, rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ansatte")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def migrate_with_units(path, units):
    """An empty, migrated database holding the units the export refers to (imported as HR would)."""
    from flask_migrate import upgrade

    from portal.org.imports import import_units

    upgrade()
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(("code", "name", "parent_code", "service_area"))
        out.writerow(("KOMMUNE", "Kommunen", "", ""))
        for n in range(units):
            out.writerow((f"E{n:04d}", f"Enhet {n}", "KOMMUNE", ""))
    report = import_units(path)
    assert not report.errors, report.lines()[:3]
    harness.analyse()


# --- timing -------------------------------------------------------------------------------------


def measure(rows, files, repeat):
    from portal.org.imports import import_employees

    count = len(rows)
    print(f"{count:,} employees in {len(files)} files")

    def imported(path):
        def work():
            report = import_employees(path)
            assert not report.errors, report.lines()[:5]
            return report
        return work

    baseline, _ = best_of_empty(repeat, insert_rows(parsed(rows)))
    figures = [("baseline: executemany insert", baseline)]
    for kind, path in files.items():
        seconds, report = best_of_empty(repeat, imported(path))
        assert report.created == count, report.lines()[:5]
        figures.append((f"import-employees from {kind.upper()}", seconds))
    seconds, report = harness.best_of(repeat, imported(files["csv"]))
    assert report.unchanged == count, report.lines()[:5]
    figures.append(("the same CSV again (all unchanged)", seconds))
    rows = []
    for label, seconds in figures:
        print(f"{label:<40} {seconds:7.2f} s  {count / seconds:9,.0f} rows/s  {seconds / baseline:5.1f} x")
        target = "≤ 2 x" if label.endswith("from CSV") else ""
        rows.append({"what": label, "value": round(seconds, 3), "unit": "s", "ratio": round(seconds / baseline, 2),
                     "target": target, "met": (seconds / baseline <= 2) if target else None})
    harness.figures("imports", f"Employee import, {count:,} employees", "the same rows, already parsed, "
                    "inserted into the employee table with one executemany and committed", rows,
                    setup=f"{count:,} employees in 500 units; best of {repeat} runs on an emptied table")


def best_of_empty(repeat, work):
    """Best of ``repeat`` runs of ``work``, each on an emptied employee table (emptying is not timed)."""
    from portal.org.models import Employee

    times, result = [], None
    for _ in range(repeat):
        db.session.execute(delete(Employee))
        db.session.commit()
        seconds, result = harness.best_of(1, work)
        times.append(seconds)
    return min(times), result


def parsed(rows):
    """The rows as the baseline inserts them: typed values, unit codes already resolved to ids."""
    from portal.org.models import Unit

    unit_ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    return [
        {
            "employee_number": number, "first_name": first, "last_name": last,
            "birth_date": date.fromisoformat(born), "unit_id": unit_ids[unit], "profession": profession,
            "position_percent": Decimal(percent.replace(",", ".")), "hire_date": date.fromisoformat(hired),
            "end_date": None,
        }
        for number, first, last, born, unit, profession, percent, hired, _end in rows
    ]


def insert_rows(values):
    from portal.org.models import Employee

    def work():
        db.session.execute(insert(Employee.__table__), values)
        db.session.commit()
    return work


if __name__ == "__main__":
    main()
