"""The employee's objection to a competence assessment, stored beside it

Three columns on ``held_competence``: the text (empty when there is none),
when it was written and the level it answered. Existing rows get no
objection, which is true: there was no way to make one before.

Revision ID: 0007_objection
Revises: 0006_audit
Create Date: 2026-11-26 00:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_objection"
down_revision = "0006_audit"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("held_competence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("objection", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("objected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("objected_level", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("held_competence", schema=None) as batch_op:
        batch_op.drop_column("objected_level")
        batch_op.drop_column("objected_at")
        batch_op.drop_column("objection")
