"""A goal's starting point: its value when it was set, for "gap before / gap now"

Goals made before this revision get no starting point (NULL, shown as
"unknown"): the history records what changed, not the figures of the day,
so there is nothing honest to fill in.

Revision ID: 0005_goal_baseline
Revises: 0004_appraisals
Create Date: 2026-11-25 18:12:28.450950

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_goal_baseline"
down_revision = "0004_appraisals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("baseline_value", sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_column("baseline_value")
