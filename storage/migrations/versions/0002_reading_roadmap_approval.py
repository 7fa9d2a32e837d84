"""the order that approved a roadmap: kind, number, date, issuer

Revision ID: 0002_reading_roadmap_approval
Revises: 0001
Create Date: 2026-11-25 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_reading_roadmap_approval"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("roadmap", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approval_kind", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("approval_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("approval_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("approval_issuer", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("roadmap", schema=None) as batch_op:
        batch_op.drop_column("approval_issuer")
        batch_op.drop_column("approval_date")
        batch_op.drop_column("approval_number")
        batch_op.drop_column("approval_kind")
