"""blocks and bans that survive /deleteme: keyed hashes instead of ids

Blocks keep the blocked person as a keyed hash of the pair, bans move from a flag on the
user's row to a `bans` table of keyed hashes, reports keep the reported sender's hash and
lose their foreign keys' cascades, and confessions and replies a blocked sender wrote are
marked withheld.

Existing blocks, bans and reports are carried over; their hashes need the identity key,
read from the same settings `serve` uses (IDENTITY_KEY, else derived from BOT_TOKEN, else
the key file in DATA_DIR). Run the migration with the settings the service runs with.

Revision ID: 0002_safety1
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op

revision: str = "0002_safety1"
down_revision: str | None = "0002_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCK_PURPOSE = "block"
BAN_PURPOSE = "ban"


def _hasher() -> Any:
    """The keyed hash as the running product computes it; imported only when rows need it."""
    from core.identity import keyed_hash
    from core.settings import Settings

    settings = Settings()
    return lambda purpose, *ids: keyed_hash(settings, purpose, *ids)


def _blocks_table() -> None:
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocker_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["blocker_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("blocker_id", "blocked_key"),
    )


def _reports_table() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.BigInteger(), nullable=True),
        sa.Column("reported_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "dismissed", "banned", name="reportstatus", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_status_created", ["status", "created_at"], unique=False)


def upgrade() -> None:
    connection = op.get_bind()
    old_blocks = connection.execute(
        sa.text("SELECT blocker_id, blocked_id, confession_id, created_at FROM blocks")
    ).all()
    old_reports = connection.execute(
        sa.text(
            "SELECT r.confession_id, r.reporter_id, c.sender_id, r.status, r.created_at,"
            " r.resolved_at FROM reports r JOIN confessions c ON c.id = r.confession_id"
        )
    ).all()
    banned = connection.execute(
        sa.text("SELECT id, banned_at FROM users WHERE banned_at IS NOT NULL")
    ).all()
    hashed = _hasher() if old_blocks or old_reports or banned else None

    op.create_table(
        "bans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.drop_table("blocks")
    _blocks_table()
    op.drop_table("reports")
    _reports_table()
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("banned_at")
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withheld_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("withheld_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )

    if hashed is None:
        return
    for user_id, banned_at in banned:
        connection.execute(
            sa.text("INSERT INTO bans (key, created_at) VALUES (:key, :at)"),
            {"key": hashed(BAN_PURPOSE, user_id), "at": banned_at},
        )
    for blocker_id, blocked_id, confession_id, created_at in old_blocks:
        connection.execute(
            sa.text(
                "INSERT INTO blocks (blocker_id, blocked_key, confession_id, created_at)"
                " VALUES (:blocker, :key, :confession, :at)"
            ),
            {
                "blocker": blocker_id,
                "key": hashed(BLOCK_PURPOSE, blocker_id, blocked_id),
                "confession": confession_id,
                "at": created_at,
            },
        )
    for confession_id, reporter_id, sender_id, status, created_at, resolved_at in old_reports:
        connection.execute(
            sa.text(
                "INSERT INTO reports (confession_id, reporter_id, reported_key, status,"
                " created_at, resolved_at) VALUES (:confession, :reporter, :key, :status,"
                " :created, :resolved)"
            ),
            {
                "confession": confession_id,
                "reporter": reporter_id,
                "key": hashed(BAN_PURPOSE, sender_id),
                "status": status,
                "created": created_at,
                "resolved": resolved_at,
            },
        )


def downgrade() -> None:
    """The old shapes come back empty: ids cannot be recovered from keyed hashes."""
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_column("withheld_at")
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.drop_column("withheld_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("banned_at", models.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.drop_table("reports")
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_status_created", ["status", "created_at"], unique=False)
    op.drop_table("blocks")
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocker_id", sa.BigInteger(), nullable=False),
        sa.Column("blocked_id", sa.BigInteger(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["blocked_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["blocker_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("blocker_id", "blocked_id"),
    )
    op.drop_table("bans")
