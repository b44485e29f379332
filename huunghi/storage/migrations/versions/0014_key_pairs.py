"""Key pair tokens: beside each pair of adjacent words, the pair of their keys ("¨hữu¨nghị"),
so a term typed with marks is found through rare pair tokens by the index alone (FTS5: every
pair, after the key tokens; PostgreSQL: the pairs of which a word carries a mark). Read off
what the index holds of each article (``index.add_key_pairs``), no article folded again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op

from huunghi.storage.search import index as searchindex

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    searchindex.add_key_pairs(op.get_bind())


def downgrade() -> None:
    """The key pair tokens stay: the queries of 0013 never look for them."""
