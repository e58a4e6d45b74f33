"""The LEAD front door: cohort front doors, facilities, case managers, referrals, case assignments;
users gain a police ``department`` (the scope of an officer).

Revision ID: frontdoor
Revises: coordinator
Create Date: 2026-12-02 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "frontdoor"
down_revision = "coordinator"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=120), nullable=True))
    op.create_table(
        "front_doors",
        sa.Column("cohort", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("on_site_hours", sa.JSON(), nullable=False),
        sa.Column("on_call_hours", sa.JSON(), nullable=False),
        sa.Column("hours_source", sa.String(length=200), nullable=False),
        sa.Column("intake_deadline_days", sa.Integer(), nullable=False),
        sa.Column("callout_minutes", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cohort"),
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cohort", sa.String(length=120), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_facilities_cohort", "facilities", ["cohort"])
    op.create_table(
        "case_managers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cohort", sa.String(length=120), nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=False),
        sa.Column("caseload_limit", sa.Integer(), nullable=False),
        sa.Column("caseload_target", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facilities.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_managers_cohort", "case_managers", ["cohort"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("route", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("cohort", sa.String(length=120), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("department", sa.String(length=120), nullable=False),
        sa.Column("zone", sa.String(length=60), nullable=False),
        sa.Column("offence", sa.String(length=60), nullable=False),
        sa.Column("race", sa.String(length=40), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("officer", sa.String(length=120), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("handoff", sa.JSON(), nullable=False),
        sa.Column("intake_due", sa.Date(), nullable=False),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.Column("intake_at", sa.DateTime(), nullable=True),
        sa.Column("engaged_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("participant_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referrals_cohort_status", "referrals", ["cohort", "status"])
    op.create_index("ix_referrals_department", "referrals", ["department"])
    op.create_index("ix_referrals_officer", "referrals", ["officer"])
    op.create_index("ix_referrals_person_id", "referrals", ["person_id"])
    op.create_table(
        "case_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("case_manager_id", sa.String(length=64), nullable=False),
        sa.Column("travel_minutes", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_manager_id"], ["case_managers.id"]),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_assignments_participant_id", "case_assignments", ["participant_id"])
    op.create_index("ix_case_assignments_person_id", "case_assignments", ["person_id"])
    op.create_index("ix_case_assignments_case_manager_id", "case_assignments", ["case_manager_id"])


def downgrade() -> None:
    op.drop_table("case_assignments")
    op.drop_table("referrals")
    op.drop_table("case_managers")
    op.drop_table("facilities")
    op.drop_table("front_doors")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("department")
