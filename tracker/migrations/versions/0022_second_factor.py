"""second factor: authenticator apps (TOTP) with recovery codes, and passkeys

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 21:00:00

Accounts could sign in with a password alone. From here on an account may add a second factor, asked for
after the password:

- totp_factor: at most one authenticator app per account, its secret encrypted (AES-GCM, key derived from the
  tracker's secret key), `confirmed_at` set once a first code proved the app holds it, `last_step` the
  30-second step of the last accepted code (a code is never accepted twice).
- recovery_code: ten single-use codes per account with an authenticator app, stored as SHA-256 hashes.
- passkey: WebAuthn credentials (id, COSE public key, signature counter, name).
- passkey_challenge: the challenge of each passkey ceremony under way, deleted when answered (used once) and
  refused once expired.
- security_event.kind: the kinds in ADDED (enrolment, removal, failed attempts, recovery codes, passkeys),
  written as BEFORE + ADDED so that other revisions adding kinds reconcile with this list.

The downgrade drops the four tables: every account signs in with its password alone again (the secrets are
gone for good; enrolling again after an upgrade starts anew). The new kinds of security event are folded into
`access_refused`, their kind kept at the front of the detail.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

BEFORE = ("signed_up", "setup", "sign_in", "sign_in_failed", "sign_in_refused_inactive", "throttled",
          "sign_out", "session_ended", "signed_out_everywhere", "password_changed", "temporary_password_set",
          "role_changed", "deactivated", "reactivated", "token_created", "token_revoked", "access_refused",
          "credential_regranted", "statement_discarded", "tokens_revoked")
ADDED = ("second_factor_enrolled", "second_factor_removed", "second_factor_failed", "recovery_code_used",
         "recovery_codes_renewed", "passkey_added", "passkey_removed")

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def _replace_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("security_event") as batch_op:
        batch_op.drop_constraint("ck_security_event_kind", type_="check")
        batch_op.create_check_constraint("ck_security_event_kind",
                                         f"kind IN ({', '.join(repr(v) for v in values)})")


def upgrade() -> None:
    op.create_table(
        'totp_factor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret_sealed', TEXT(length=200), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('confirmed_at', MOMENT(), nullable=True),
        sa.Column('last_step', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id'),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', TEXT(length=64), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('used_at', MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_recovery_code_user_id', 'recovery_code', ['user_id'], unique=False)
    op.create_table(
        'passkey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', TEXT(length=80), nullable=False),
        sa.Column('credential_id', TEXT(length=1400), nullable=False),
        sa.Column('public_key', TEXT(length=2000), nullable=False),
        sa.Column('sign_count', sa.Integer(), nullable=False),
        sa.Column('transports', TEXT(length=200), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('last_used_at', MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('credential_id'),
    )
    op.create_index('ix_passkey_user_id', 'passkey', ['user_id'], unique=False)
    op.create_table(
        'passkey_challenge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('challenge_hash', TEXT(length=64), nullable=False),
        sa.Column('purpose', TEXT(length=16), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('challenge_hash'),
    )
    op.create_index('ix_passkey_challenge_expires_at', 'passkey_challenge', ['expires_at'], unique=False)
    _replace_kinds((*BEFORE, *ADDED))


def downgrade() -> None:
    for kind in ADDED:
        op.execute(f"UPDATE security_event SET kind = 'access_refused', "
                   f"detail = substr('{kind}: ' || detail, 1, 300) WHERE kind = '{kind}'")
    _replace_kinds(BEFORE)
    op.drop_index('ix_passkey_challenge_expires_at', table_name='passkey_challenge')
    op.drop_table('passkey_challenge')
    op.drop_index('ix_passkey_user_id', table_name='passkey')
    op.drop_table('passkey')
    op.drop_index('ix_recovery_code_user_id', table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_table('totp_factor')
