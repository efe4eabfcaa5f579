"""every key below 2^53: the first 53 bits of its SHA-256, which every client reads exactly

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-12 12:00:00

Keys were the first 63 bits of SHA-256 of the text that names them. A client that reads numbers
as IEEE doubles (JavaScript's `Number`, so `@duckdb/node-api`'s JSON and Evidence, and any JSON
reader) rounds integers above 2^53: 410 of the sample's 411 `paper_id`s changed in Evidence
(4951195403184159498 read as 4951195403184159744), and joins between its queries failed. A key
is now the first 53 bits of the same digest (`etl.keys.KEY_BITS`), so a stored key becomes
exactly the key a load makes now by a shift of 10 bits: no text is read or hashed again. Dates
keep their YYYYMMDD keys.

The upgrade first counts, in each keyed table, the keys that the shift would make equal (two
papers, texts, dump versions, organizations, links, keywords or titles that share their first
53 bits); if any, it refuses, naming them, and changes nothing: a collision is never merged.
Then every key and every reference to one is shifted (`KEY_COLUMNS`). On PostgreSQL the keyed
tables' primary keys and key indexes are dropped for the update and built again after it: faster
than updating them row by row, and no row's new key meets another row's old one midway.

The downgrade hashes the stored texts again with the 63-bit rule (a shift cannot give back the
bits dropped): each key's text is in the warehouse (a dump version's name and sha256, a paper's
normalized title and abstract, a printed text, a handle, a URL, a keyword and its kind).
"""

import hashlib
import unicodedata
from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIFT = 10  # from the first 63 bits to the first 53

# Every BIGINT column holding a key or a reference to one, by the key it holds.
KEY_COLUMNS = {
    "file_id": (("source_files", "file_id"), ("paper_appearances", "file_id")),
    "organization_id": (
        ("organizations", "organization_id"),
        ("papers", "organization_id"),
        ("paper_appearances", "organization_id"),
    ),
    "paper_id": (
        ("papers", "paper_id"),
        ("paper_appearances", "paper_id"),
        ("paper_texts", "paper_id"),
        ("paper_links", "paper_id"),
        ("paper_keywords", "paper_id"),
    ),
    "title_id": (("papers", "title_id"),),
    "text_id": (("papers", "text_id"), ("paper_texts", "text_id"), ("paper_appearances", "text_id")),
    "link_id": (("links", "link_id"), ("paper_links", "link_id")),
    "keyword_id": (("keywords", "keyword_id"), ("paper_keywords", "keyword_id")),
}

# The distinct keys of each kind: two of them that the shift makes equal are a collision.
DISTINCT_KEYS = {
    "file_id": "SELECT file_id AS k FROM source_files",
    "organization_id": "SELECT organization_id AS k FROM organizations",
    "paper_id": "SELECT paper_id AS k FROM papers",
    "title_id": "SELECT DISTINCT title_id AS k FROM papers",
    "text_id": "SELECT text_id AS k FROM papers UNION SELECT text_id FROM paper_texts",
    "link_id": "SELECT link_id AS k FROM links",
    "keyword_id": "SELECT keyword_id AS k FROM keywords",
}

# Tables whose key is a PRIMARY KEY on PostgreSQL (DuckDB keeps them too, but updates them in place).
PRIMARY_KEYS = {
    "source_files": ("file_id",),
    "organizations": ("organization_id",),
    "papers": ("paper_id",),
    "paper_texts": ("text_id",),
}


class KeyCollision(RuntimeError):
    """Shortening the keys would make two keys of a table equal: the upgrade refuses, changing nothing."""


def _collisions() -> dict[str, int]:
    """Per key kind, how many distinct keys the shift would merge into another (none: an empty dict)."""
    bind = op.get_bind()
    found = {}
    for kind, keys in DISTINCT_KEYS.items():
        query = f"SELECT count(DISTINCT k) - count(DISTINCT k >> {SHIFT}) FROM ({keys}) AS keys"
        merged = bind.exec_driver_sql(query).scalar_one()
        if merged:
            found[kind] = merged
    return found


KEYED_TABLES = sorted({table for columns in KEY_COLUMNS.values() for table, _ in columns})

# PostgreSQL: the btree indexes of the keyed tables that no constraint owns (0010's and 0012's key
# indexes), with the statements that create them again. The search index (GIN, 0008) stays: building
# it again took twice as long as its updates (21 s against 11 s on 52k papers).
PLAIN_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
WHERE i.schemaname = current_schema() AND i.tablename IN ({tables})
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
  AND strpos(i.indexdef, ' USING btree ') > 0
ORDER BY i.indexname
"""


def _without_indexes() -> list[str]:
    """On PostgreSQL, drop the keyed tables' primary keys and btree indexes; return how to restore them.

    Every row of these tables gets a new key: a primary key checked row by row could meet an old
    key not shifted yet, and an index built once is faster than updated row by row.
    """
    if op.get_bind().dialect.name != "postgresql":
        return []
    tables = ", ".join(f"'{t}'" for t in KEYED_TABLES)
    indexes = op.get_bind().exec_driver_sql(PLAIN_INDEXES.format(tables=tables)).all()
    for name, _ in indexes:
        op.execute(f"DROP INDEX {name}")
    for table in PRIMARY_KEYS:
        op.drop_constraint(op.f(f"pk_{table}"), table, type_="primary")
    restore = [
        f"ALTER TABLE {t} ADD CONSTRAINT pk_{t} PRIMARY KEY ({', '.join(k)})" for t, k in PRIMARY_KEYS.items()
    ]
    return restore + [definition for _, definition in indexes]


def _shift(amount: int) -> None:
    """Shift every key and reference right by `amount` bits."""
    restore = _without_indexes()
    tables: dict[str, list[str]] = {}
    for columns in KEY_COLUMNS.values():
        for table, column in columns:
            tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        assignments = ", ".join(f"{c} = {c} >> {amount}" for c in columns)
        op.execute(f"UPDATE {table} SET {assignments}")
    for statement in restore:
        op.execute(statement)


def upgrade() -> None:
    """Refuse if two keys would become one; else shift every key to its first 53 bits."""
    collisions = _collisions()
    if collisions:
        named = ", ".join(f"{n} {kind}s" for kind, n in collisions.items())
        raise KeyCollision(
            f"keys cannot be shortened to 53 bits: {named} would become equal to another key of "
            "their table; nothing was changed. Keep this warehouse at revision 0015 (paperhouse "
            "before keys below 2^53) and report the collision."
        )
    _shift(SHIFT)


# Frozen here, as this revision's downgrade made keys (a migration imports no app code, which may change).
KEY_SEPARATOR = "\x1f"


def _identity(text: str) -> str:
    """The identity form of a title or abstract: NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def identity_keys(texts: pl.Series) -> pl.Series:
    """`_identity` of every text of a column."""
    return texts.map_elements(_identity, return_dtype=pl.String)


def _key63(text: str) -> int:
    """The key of a text before this revision: the first 63 bits of its SHA-256."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


def _keys63(*parts: pl.Expr) -> pl.Expr:
    """`_key63` of the parts joined by the key separator."""
    joined = pl.concat_str(list(parts), separator=KEY_SEPARATOR)
    return joined.map_elements(_key63, return_dtype=pl.Int64)


# For each key kind: the query reading each stored key with the texts that name it, and how its
# 63-bit key is made from them.
EARLIER_KEYS = {
    "file_id": (
        "SELECT file_id AS k, file_name, sha256 FROM source_files",
        lambda: _keys63(pl.col("file_name"), pl.col("sha256")),
    ),
    "organization_id": (
        "SELECT organization_id AS k, handle FROM organizations",
        lambda: _keys63(pl.col("handle")),
    ),
    "paper_id": (
        "SELECT paper_id AS k, title, abstract FROM papers",
        lambda: _keys63(
            pl.col("title").map_batches(identity_keys, return_dtype=pl.String),
            pl.col("abstract").map_batches(identity_keys, return_dtype=pl.String),
        ),
    ),
    "title_id": (
        "SELECT DISTINCT title_id AS k, title FROM papers",
        lambda: _keys63(pl.col("title").map_batches(identity_keys, return_dtype=pl.String)),
    ),
    "text_id": (
        "SELECT text_id AS k, title, abstract FROM papers UNION SELECT text_id, title, abstract FROM paper_texts",
        lambda: _keys63(pl.col("title"), pl.col("abstract")),
    ),
    "link_id": ("SELECT link_id AS k, url FROM links", lambda: _keys63(pl.col("url"))),
    "keyword_id": (
        "SELECT keyword_id AS k, kind, keyword FROM keywords",
        lambda: _keys63(pl.col("kind"), pl.col("keyword")),
    ),
}


EARLIER_TEXTS = {  # the text columns each query of EARLIER_KEYS reads beside the key
    "file_id": ("file_name", "sha256"),
    "organization_id": ("handle",),
    "paper_id": ("title", "abstract"),
    "title_id": ("title",),
    "text_id": ("title", "abstract"),
    "link_id": ("url",),
    "keyword_id": ("kind", "keyword"),
}


def downgrade() -> None:
    """Give every key back its 63 bits, hashing the stored texts that name it again."""
    bind = op.get_bind()
    restore = _without_indexes()
    for kind, (query, earlier) in EARLIER_KEYS.items():
        texts = EARLIER_TEXTS[kind]
        rows = bind.execute(sa.text(query)).all()
        schema = {"k": pl.Int64, **dict.fromkeys(texts, pl.String)}
        stored = pl.DataFrame(rows, schema=schema, orient="row")
        keys = stored.select("k", earlier=earlier()).unique("k")
        op.execute("CREATE TEMP TABLE stg_earlier_keys (k BIGINT, earlier BIGINT)")
        try:
            if keys.height:  # bound rows, not pasted: a downgrade is rare, so row by row will do
                bind.execute(sa.text("INSERT INTO stg_earlier_keys VALUES (:k, :earlier)"), keys.to_dicts())
            for table, column in KEY_COLUMNS[kind]:
                op.execute(
                    f"UPDATE {table} SET {column} = e.earlier FROM stg_earlier_keys AS e "
                    f"WHERE {table}.{column} = e.k"
                )
        finally:
            op.execute("DROP TABLE stg_earlier_keys")
    for statement in restore:
        op.execute(statement)
