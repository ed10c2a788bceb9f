"""Every row of every portal table, to compare a database before and after."""
from sqlalchemy import select

from portal.extensions import db


def snapshot(engine, skip=()):
    """``{table: [rows in primary-key order]}`` for every table of the portal, plus the schema revision."""
    out = {}
    with engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
        out["alembic_version"] = [tuple(r) for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    return out


def differences(before, after):
    """The names of the tables whose rows differ (a readable assertion message)."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
