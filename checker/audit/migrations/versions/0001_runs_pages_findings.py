"""Runs, pages and findings.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(32), primary_key=True),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("finished", sa.String(40)),
        sa.Column("checker_version", sa.String(40), nullable=False),
        sa.Column("rule_pack_name", sa.String(80), nullable=False),
        sa.Column("rule_pack_version", sa.String(40), nullable=False),
        sa.Column("rule_pack_hash", sa.String(64), nullable=False),
        sa.Column("judge_name", sa.String(80)),
        sa.Column("judge_version", sa.String(40)),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("folder", sa.Text),
    )
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("page_key", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("verdict", sa.String(30)),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("bytes", sa.Integer),
        sa.Column("http_status", sa.Integer),
        sa.Column("fetched_at", sa.String(40)),
        sa.UniqueConstraint("run_id", "page_key", name="uq_pages_run_page"),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("page_id", sa.Integer, sa.ForeignKey("pages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("run_id", sa.String(32), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("caution", sa.String(4), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("assertion", sa.String(20), nullable=False),
        sa.Column("warning", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("quote_key", sa.Text, nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("rule_id", sa.String(80), nullable=False),
    )
    op.create_index("ix_pages_run", "pages", ["run_id"])
    op.create_index("ix_findings_page", "findings", ["page_id"])
    op.create_index("ix_findings_run", "findings", ["run_id"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("pages")
    op.drop_table("runs")
