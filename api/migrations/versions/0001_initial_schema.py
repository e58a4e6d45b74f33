"""Initial schema: providers, wait lists, participants, consent, placements, users, tokens, audit log.

The audit log is append-only: triggers refuse UPDATE and DELETE on it (SQLite and PostgreSQL).

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 01:15:06.721157
"""
import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY_MESSAGE = "audit_log is append-only"
POSTGRES_TRIGGER = f"""
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""


def _append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGER)
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;")


def _drop_append_only() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event}")



def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_record', ['record_type', 'record_id'], unique=False)
    op.create_table('participants',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('cohort', sa.String(length=120), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('max_transit_minutes', sa.Float(), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_cohort'), ['cohort'], unique=False)
    op.create_table('providers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('subtype', sa.String(length=60), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('occupied', sa.Integer(), nullable=False),
    sa.Column('lead_slots', sa.Integer(), nullable=False),
    sa.Column('lead_occupied', sa.Integer(), nullable=False),
    sa.Column('monthly_turnover', sa.Float(), nullable=False),
    sa.Column('intake_days', sa.Float(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('open_hours', sa.String(length=200), nullable=False),
    sa.Column('appointment_times', sa.JSON(), nullable=False),
    sa.Column('municipality', sa.String(length=120), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('list_id', sa.String(length=64), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_providers_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_providers_service'), ['service'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('cohort', sa.String(length=120), nullable=True),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('wait_list_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('list_id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('lead', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.Column('lead_priority', sa.Float(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('wait_list_entries', schema=None) as batch_op:
        batch_op.create_index('ix_wait_list_entries_list_status', ['list_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_wait_list_entries_person_id'), ['person_id'], unique=False)
    op.create_table('consents',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=60), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_participant_id'), ['participant_id'], unique=False)
    op.create_table('placement_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('hold_minutes', sa.Float(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placement_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_requests_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_requests_status'), ['status'], unique=False)
    op.create_table('tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tokens_user_id'), ['user_id'], unique=False)
    op.create_table('placements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('participant_id', sa.String(length=64), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=False),
    sa.Column('service', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('transit_minutes', sa.Float(), nullable=True),
    sa.Column('appointment', sa.DateTime(), nullable=True),
    sa.Column('expected_start', sa.Date(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['placement_requests.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placements_hold_expires_at'), ['hold_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index('ix_placements_provider_status', ['provider_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placements_status'), ['status'], unique=False)
    _append_only()


def downgrade() -> None:
    _drop_append_only()
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placements_status'))
        batch_op.drop_index(batch_op.f('ix_placements_request_id'))
        batch_op.drop_index('ix_placements_provider_status')
        batch_op.drop_index(batch_op.f('ix_placements_participant_id'))
        batch_op.drop_index(batch_op.f('ix_placements_hold_expires_at'))
    op.drop_table('placements')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_user_id'))
    op.drop_table('tokens')
    with op.batch_alter_table('placement_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_requests_status'))
        batch_op.drop_index(batch_op.f('ix_placement_requests_participant_id'))
    op.drop_table('placement_requests')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_participant_id'))
    op.drop_table('consents')
    with op.batch_alter_table('wait_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wait_list_entries_person_id'))
        batch_op.drop_index('ix_wait_list_entries_list_status')
    op.drop_table('wait_list_entries')
    op.drop_table('users')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_providers_service'))
        batch_op.drop_index(batch_op.f('ix_providers_list_id'))
    op.drop_table('providers')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_cohort'))
    op.drop_table('participants')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_record')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))
    op.drop_table('audit_log')
