"""phrase positions in the search index: search_postings.positions, phrases matched from them

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-13 12:00:00

0017's `search_papers` matched a quoted phrase by reading the text of every paper holding all its
words (on a generated 500k-paper warehouse, where each word is in 86-99% of the papers, 4 to 43 s
a phrase). Each posting now holds the term's places in the paper (`positions`, INTEGER[]: the
place of each of its words in `search_words(title || ' ' || abstract)`, from 1, stop words
counted), which the load counts in Polars (`etl.search`) beside the counts, and the macro matches
a phrase by joining its words' places, reading no text (docs/search.md). Each posting also holds
its paper's length (`length`, the paper's `search_documents.terms`), so that the macro scores the
postings without joining `search_documents` for each of them (it still gives N and the average
length), and scores a query of one searched word posting by posting, without grouping by paper.

The upgrade adds the columns: `search_postings` is built again from the papers' text by the
functions 0017 created (a NOT NULL column cannot be added to a filled table on DuckDB), in 16
parts of the 53-bit key range as 0017 built it, each part's postings ordered by term, with each
paper's length from `search_documents`; the terms and counts are the ones it held
(tests/etl/test_search.py). Then it replaces the DuckDB macro
`search_papers` with the text pinned here (`sql/functions/duckdb/search_papers.sql` holds the
head's). PostgreSQL gets the columns too, built the same way by its own functions; its
`search_papers` (0008, 0009) reads no posting and stays. The downgrade drops the columns and
puts back the macro 0017 created.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUCKDB_FUNCTIONS = {
    "search_papers": """\
-- Full-text search over papers on DuckDB, without any extension: the papers whose title or
-- abstract match a web-search style query, best first by BM25 (k1 = 1.5, b = 0.75), read from
-- the index tables the loads keep (search_postings, search_documents). The same queries as
-- PostgreSQL's search_papers: words (all must match), a "quoted phrase" (its words at
-- consecutive places, stop words counted: from the postings' positions), -word or -"phrase"
-- (must not match), and `or` between them (`diffusion -video or "world model"`: either side;
-- `or` binds loosest, as in websearch_to_tsquery). Stop words are ignored; a plural matches
-- its singular. The score sums, over the query's searched terms the paper holds,
-- idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length)),
-- idf = ln(1 + (N - df + 0.5) / (df + 0.5)); N, the average length and each term's df are
-- counted when the query runs, so they are always those of the papers the warehouse holds; the
-- score is rounded to 12 decimals, so that papers tied up to the order of a sum come by paper_id.
-- The postings are read once and grouped once by paper: each query word is a bit, and a paper's
-- bits say which items and groups it matches; a query of one searched word is scored posting by
-- posting, ungrouped. Each posting carries its paper's length, so no document is joined per posting.
-- SELECT * FROM search_papers('diffusion -video') LIMIT 10;
CREATE MACRO search_papers(query) AS TABLE
WITH items AS (
    -- The query's items in order: a word, a "phrase" (a missing closing quote ends it at the
    -- end), either with a leading - (excluded), or `or`; each `or` starts a new group.
    SELECT q.item, q.n,
           sum(CASE WHEN lower(q.item) = 'or' THEN 1 ELSE 0 END) OVER (ORDER BY q.n) AS grp
    FROM unnest(regexp_extract_all(query, '-?"[^"]*"?|[^\\s"]+')) WITH ORDINALITY AS q (item, n)
), words AS (
    -- Each item's searched words with their places: stop words keep their place, unsearched.
    SELECT i.grp, i.n, i.item LIKE '-_%' AS excluded, search_term(w.word) AS term, w.position
    FROM items AS i
    CROSS JOIN LATERAL unnest(
        search_words(CASE WHEN i.item LIKE '-_%' THEN i.item[2:] ELSE i.item END)
    ) WITH ORDINALITY AS w (word, position)
    WHERE lower(i.item) <> 'or' AND w.word NOT IN (SELECT word FROM search_stopwords)
), terms AS MATERIALIZED (
    -- An item of one word matches its term; one of several words (quoted, or `gpt-4`) a phrase.
    -- Each searched word is a bit of a HUGEINT, and so is each phrase (set once it is checked).
    SELECT grp, n, excluded, term, word_offset, width,
           (1::HUGEINT << least(126, row_number() OVER (ORDER BY grp, n, word_offset) - 1)::INTEGER) AS bit,
           count(*) OVER () AS searched_words
    FROM (
        SELECT grp, n, excluded, term,
               position - min(position) OVER (PARTITION BY grp, n) AS word_offset,
               count(*) OVER (PARTITION BY grp, n) AS width
        FROM words
    )
), item_bits AS MATERIALIZED (
    -- An item's words' bits, and the bit that says it matches: its word's for one word; for a
    -- phrase its own, numbered after the words' (at most 126 bits in all: error() beyond).
    SELECT grp, n, excluded, width, word_bits,
           CASE WHEN width = 1 THEN word_bits ELSE 1::HUGEINT << least(126, searched_words - 1 + row_number()
               OVER (PARTITION BY width > 1 ORDER BY grp, n))::INTEGER END AS item_bit,
           searched_words + count(*) FILTER (WHERE width > 1) OVER () AS bits_used
    FROM (
        SELECT grp, n, excluded, width, bit_or(bit) AS word_bits, any_value(searched_words) AS searched_words
        FROM terms GROUP BY grp, n, excluded, width
    )
), query_groups AS MATERIALIZED (
    -- A group matches a paper holding every bit of its searched items and none of its excluded
    -- ones (an item's bit is one bit: its word's, or its phrase's); one without a searched item
    -- matches nothing.
    SELECT bit_or(item_bit) FILTER (WHERE NOT excluded) AS searched,
           coalesce(bit_or(item_bit) FILTER (WHERE excluded), 0) AS excluded
    FROM item_bits GROUP BY grp HAVING bool_or(NOT excluded)
), single AS MATERIALIZED (
    -- A query of one searched word: its postings are its matches, each scored alone.
    SELECT any_value(term) AS term FROM terms
    HAVING count(*) = 1 AND NOT bool_or(excluded) AND max(width) = 1
), term_bits AS (
    SELECT term, bit_or(bit) AS bits, bool_or(NOT excluded) AS scored FROM terms GROUP BY term
), hits AS MATERIALIZED (
    SELECT p.term, p.paper_id, p.tf, p.length FROM search_postings AS p
    WHERE p.term IN (SELECT term FROM terms)
), stats AS (
    SELECT count(*) AS documents, avg(terms) AS average_terms FROM search_documents
), weights AS (
    SELECT h.term, any_value(t.bits) AS bits, any_value(t.scored) AS scored,
           ln(1 + (any_value(s.documents) - count(*) + 0.5) / (count(*) + 0.5)) AS idf
    FROM hits AS h JOIN term_bits AS t ON t.term = h.term CROSS JOIN stats AS s
    GROUP BY h.term
), phrase_words AS MATERIALIZED (
    -- Each phrase's words: its first (offset 0) and the others, with the phrase's bit.
    SELECT dense_rank() OVER (ORDER BY t.grp, t.n)::INTEGER AS phrase, t.term,
           t.word_offset::INTEGER AS word_offset, i.item_bit, i.width
    FROM terms AS t JOIN item_bits AS i ON i.grp = t.grp AND i.n = t.n
    WHERE i.width > 1
), phrase_places AS MATERIALIZED (
    -- The postings of the phrases' words, each under its phrase, their places (from 1, stop
    -- words counted) less the word's offset in the phrase: the places the phrase would start at.
    SELECT f.phrase, f.item_bit, f.width, f.word_offset, p.paper_id,
           list_transform(p.positions, lambda x: x - f.word_offset) AS starts
    FROM search_postings AS p JOIN phrase_words AS f ON f.term = p.term
    WHERE p.term IN (SELECT term FROM phrase_words)
), phrase_starts AS (
    -- For each other word of a phrase, the starts of the phrase's first word in a paper that
    -- the other word allows.
    SELECT a.phrase, a.item_bit, a.width, a.paper_id, list_intersect(a.starts, b.starts) AS starts
    FROM phrase_places AS a
    JOIN phrase_places AS b ON b.phrase = a.phrase AND b.paper_id = a.paper_id
    WHERE a.word_offset = 0 AND b.word_offset > 0 AND list_has_any(a.starts, b.starts)
), phrase_bits AS MATERIALIZED (
    -- A phrase matches a paper where one place of its first word is followed by all its other
    -- words at their offsets: the places each other word allows, intersected.
    SELECT paper_id, bit_or(item_bit) AS bits FROM (
        SELECT paper_id, item_bit FROM phrase_starts
        GROUP BY phrase, item_bit, width, paper_id
        HAVING count(*) = width - 1 AND len(list_reduce(list(starts), lambda x, y: list_intersect(x, y))) > 0
    ) GROUP BY paper_id
), phrased AS (
    -- Whether every group that can match holds a searched phrase: then only the papers holding
    -- one of the phrases are scored.
    SELECT coalesce(bool_and(phrase), false) AS phrases_only FROM (
        SELECT bool_or(width > 1 AND NOT excluded) AS phrase
        FROM item_bits GROUP BY grp HAVING bool_or(NOT excluded)
    )
), paper_bits AS MATERIALIZED (
    -- One pass over the postings: each paper's word bits and its score.
    SELECT h.paper_id, bit_or(w.bits) AS bits,
           sum(CASE WHEN w.scored THEN
               w.idf * h.tf * 2.5 / (h.tf + 1.5 * (0.25 + 0.75 * h.length / s.average_terms))
           END) AS rank_sum
    FROM (
        SELECT * FROM hits
        WHERE (NOT (SELECT phrases_only FROM phrased) OR paper_id IN (SELECT paper_id FROM phrase_bits))
          AND NOT EXISTS (SELECT 1 FROM single)
    ) AS h
    JOIN weights AS w ON w.term = h.term
    CROSS JOIN stats AS s
    GROUP BY h.paper_id
), single_scores AS (
    SELECT h.paper_id,
           round(w.idf * h.tf * 2.5 / (h.tf + 1.5 * (0.25 + 0.75 * h.length / s.average_terms)), 12) AS rank
    FROM hits AS h JOIN single AS o ON o.term = h.term JOIN weights AS w ON w.term = h.term
    CROSS JOIN stats AS s
), scores AS (
    SELECT b.paper_id, round(b.rank_sum, 12) AS rank, b.bits | coalesce(f.bits, 0) AS bits
    FROM paper_bits AS b LEFT JOIN phrase_bits AS f ON f.paper_id = b.paper_id
)
, matched AS (
    SELECT s.paper_id, s.rank FROM scores AS s
    WHERE EXISTS (
        SELECT 1 FROM query_groups AS g WHERE s.bits & g.searched = g.searched AND s.bits & g.excluded = 0
    )
    UNION ALL
    SELECT paper_id, rank FROM single_scores
)
SELECT s.paper_id, p.title, s.rank
FROM matched AS s
JOIN papers AS p ON p.paper_id = s.paper_id
WHERE (SELECT CASE WHEN coalesce(max(bits_used), 0) <= 126 THEN true
              ELSE error('search_papers: a query holds at most 126 searched words and phrases') END
       FROM item_bits)
ORDER BY s.rank DESC, s.paper_id
""",
}
# The postings of the papers of one part of the key range, with their places: what the load counts
# (etl.search, which a migration does not import), by the functions of 0017 (tests/etl/test_search.py).
BUILD_PARTS = 16
BUILD = sa.text(
    """INSERT INTO search_postings (term, paper_id, tf, length, positions)
SELECT search_term(w.word) AS term, p.paper_id, count(*), d.terms,
       array_agg(CAST(w.position AS INTEGER) ORDER BY w.position)
FROM papers AS p
JOIN search_documents AS d ON d.paper_id = p.paper_id
CROSS JOIN LATERAL unnest(search_words(p.title || ' ' || p.abstract)) WITH ORDINALITY AS w (word, position)
WHERE p.paper_id BETWEEN :low AND :high
  AND NOT EXISTS (SELECT 1 FROM search_stopwords AS s WHERE s.word = w.word)
GROUP BY search_term(w.word), p.paper_id, d.terms
ORDER BY term, p.paper_id"""
)


def upgrade() -> None:
    """Build the postings again with their places, in parts by key; replace DuckDB's search_papers."""
    op.drop_table("search_postings")
    op.create_table(
        "search_postings",
        sa.Column("term", sa.String(), nullable=False),
        sa.Column("paper_id", sa.BigInteger(), nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("positions", sa.ARRAY(sa.Integer()), nullable=False),
    )
    connection = op.get_bind()
    step = 2**53 // BUILD_PARTS  # keys are the first 53 bits of a SHA-256 (0016): 0 to 2**53 - 1
    for part in range(BUILD_PARTS):
        low, high = part * step, (part + 1) * step - 1 if part < BUILD_PARTS - 1 else 2**53 - 1
        connection.execute(BUILD, {"low": low, "high": high})
    if connection.dialect.name == "duckdb":
        connection.exec_driver_sql("DROP MACRO TABLE IF EXISTS search_papers")
        connection.exec_driver_sql(DUCKDB_FUNCTIONS["search_papers"])  # driver-level: no parameters


def downgrade() -> None:
    """Put back 0017's search_papers and drop the postings' places and lengths."""
    connection = op.get_bind()
    if connection.dialect.name == "duckdb":
        earlier = context.script.get_revision(down_revision).module.DUCKDB_FUNCTIONS["search_papers"]
        connection.exec_driver_sql("DROP MACRO TABLE IF EXISTS search_papers")
        connection.exec_driver_sql(earlier)  # driver-level: no parameters
    op.drop_column("search_postings", "positions")
    op.drop_column("search_postings", "length")
