"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import models.types
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_pending", ["handled_at", "update_id"], unique=False)
        batch_op.create_index("ix_inbox_user_pending", ["user_id", "handled_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("username_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("language_code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("can_message", sa.Boolean(), nullable=False),
        sa.Column("started_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("banned_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("chat_state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("chat_state_ref", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_username_key"), ["username_key"], unique=False)

    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("thumbnail_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("telegram_file_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column(
            "telegram_file_unique_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attached_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index("ix_media_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index("ix_media_unattached", ["attached_at", "created_at"], unique=False)

    op.create_table(
        "confessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("sender_id", sa.BigInteger(), nullable=False),
        sa.Column("recipient_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "recipient_username_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "queued",
                "delivered",
                "revealed",
                "withdrawn",
                "expired",
                name="confessionstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "compose_step",
            sa.Enum(
                "recipient",
                "text",
                "media",
                "signature",
                "hint",
                "preview",
                name="composestep",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("compose_review", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column(
            "signature",
            sa.Enum("anonymous", "hint", "signed", name="signature", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("hint", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("delivery_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("delivery_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("queued_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revealed_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("matched_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_confessions_recipient_created", ["recipient_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_confessions_recipient_username", ["recipient_username_key"], unique=False
        )
        batch_op.create_index(
            "ix_confessions_sender_created", ["sender_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_confessions_status_queued", ["status", "queued_at"], unique=False)

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
    op.create_table(
        "confession_styles",
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("accent_color", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("font", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("animation", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("background_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("background_value", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("decoration", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("updated_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("confession_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "dropped",
                name="outboxstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_chat_sent", ["chat_id", "sent_at"], unique=False)
        batch_op.create_index("ix_outbox_confession", ["confession_id"], unique=False)
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("confession_id", "user_id"),
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("from_sender", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_replies_confession_created", ["confession_id", "created_at"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("confession_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "dismissed", "banned", name="reportstatus", native_enum=False, length=24
            ),
            nullable=False,
        ),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["confession_id"], ["confessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_status_created", ["status", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_status_created")

    op.drop_table("reports")
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index("ix_replies_confession_created")

    op.drop_table("replies")
    op.drop_table("reactions")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_index("ix_outbox_confession")
        batch_op.drop_index("ix_outbox_chat_sent")

    op.drop_table("outbox")
    op.drop_table("confession_styles")
    op.drop_table("blocks")
    with op.batch_alter_table("confessions", schema=None) as batch_op:
        batch_op.drop_index("ix_confessions_status_queued")
        batch_op.drop_index("ix_confessions_sender_created")
        batch_op.drop_index("ix_confessions_recipient_username")
        batch_op.drop_index("ix_confessions_recipient_created")

    op.drop_table("confessions")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index("ix_media_unattached")
        batch_op.drop_index("ix_media_owner_created")

    op.drop_table("media")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_username_key"))

    op.drop_table("users")
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_user_pending")
        batch_op.drop_index("ix_inbox_pending")

    op.drop_table("inbox_updates")
