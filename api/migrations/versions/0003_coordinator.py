"""The coordinator's day: clinics that book listed times, and why a placement was declined.

``providers.by_appointment``: the clinic sees people only at its listed appointment times (so a
clinic whose times are all taken or past has no free seat, unlike a walk-in clinic); existing
clinics that list times are marked so. ``placements.decline_reason``: the category of a decline
(too-far, not-suitable, ...), counted in the reports.

Revision ID: coordinator
Revises: hardening
"""
import sqlalchemy as sa
from alembic import op


revision = "coordinator"
down_revision = "hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("providers") as batch:
        batch.add_column(sa.Column("by_appointment", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("decline_reason", sa.String(length=40), nullable=True))
    providers = sa.table("providers", sa.column("id", sa.String), sa.column("service", sa.String),
                         sa.column("appointment_times", sa.JSON), sa.column("by_appointment", sa.Boolean))
    connection = op.get_bind()
    booking = [row.id for row in connection.execute(sa.select(providers.c.id, providers.c.appointment_times)
                                                    .where(providers.c.service == "clinic"))
               if row.appointment_times]
    if booking:
        connection.execute(providers.update().where(providers.c.id.in_(booking)).values(by_appointment=True))


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("decline_reason")
    with op.batch_alter_table("providers") as batch:
        batch.drop_column("by_appointment")
