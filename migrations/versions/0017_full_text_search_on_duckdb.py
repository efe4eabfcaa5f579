"""full-text search on DuckDB without an extension: index tables kept by the loads, search_papers()

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-12 12:00:00

Ranked (BM25) full-text search that every DuckDB client can run on the serving copy, read-only,
without the fts extension (docs/search.md). Three tables (`models`): `search_stopwords`
(PostgreSQL's English stop words, written here), `search_documents` and `search_postings`, the
index, which this revision builds for the papers already in the warehouse and the merge keeps
from then on (`sql/merge/*search*`). Two scalar functions split a text into words and fold a
word into its term, on both engines (DuckDB macros, PostgreSQL SQL functions), so that the
merge's steps are the same text on both. On DuckDB the table macro `search_papers(query)` ranks
the papers; PostgreSQL keeps its own `search_papers` (0008: tsvector, GIN), which takes the same
queries. The texts are pinned here, as view texts are; `sql/functions/<engine>/` holds the head
texts, and a test checks they agree.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL's English stop words, frozen here (the head's list: models.SEARCH_STOPWORDS).
STOPWORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself "
    "she her hers herself it its itself they them their theirs themselves what which who whom "
    "this that these those am is are was were be been being have has had having do does did doing "
    "a an the and but if or because as until while of at by for with about against between into "
    "through during before after above below to from up down in out on off over under again "
    "further then once here there when where why how all any both each few more most other some "
    "such no nor not only own same so than too very s t can will just don should now"
).split()

DUCKDB_FUNCTIONS = {
    "search_words": """\
-- The words of a text, for full-text search: lowercased and split on every character that is
-- not a letter or a digit (`GPT-4o's` gives `gpt`, `4o`, `s`), in order. The merge indexes
-- a paper's title and abstract with it, and search_papers splits a query with it, so both
-- sides split alike. Stop words are left out, and plurals folded (search_term), afterwards.
CREATE MACRO search_words(document) AS
    list_filter(regexp_split_to_array(lower(document), '[^\\p{L}\\p{N}]+'), lambda w: w <> '')
""",
    "search_term": """\
-- The term a word of search_words is indexed and searched under: a plural folded into its
-- singular by a light, deterministic rule (`studies` to `study`, `models` to `model`; a word of
-- at most three letters, or ending in `ss`, `us` or `is`, stays as it is). No stemmer: DuckDB's
-- stem() is in the fts extension, which clients cannot be counted on to have.
CREATE MACRO search_term(word) AS
    CASE
        WHEN length(word) > 4 AND right(word, 3) = 'ies' THEN left(word, -3) || 'y'
        WHEN length(word) > 3 AND right(word, 1) = 's'
             AND right(word, 2) NOT IN ('ss', 'us', 'is') THEN left(word, -1)
        ELSE word
    END
""",
    "search_papers": """\
-- Full-text search over papers on DuckDB, without any extension: the papers whose title or
-- abstract match a web-search style query, best first by BM25 (k1 = 1.5, b = 0.75), read from
-- the index tables the loads keep (search_postings, search_documents). The same queries as
-- PostgreSQL's search_papers: words (all must match), a "quoted phrase" (its words at
-- consecutive places, stop words counted: checked in the text of the papers holding its
-- terms), -word or -"phrase" (must not match), and `or` between them (`diffusion -video or
-- "world model"`: either side; `or` binds loosest, as in websearch_to_tsquery). Stop words are
-- ignored; a plural matches its singular. The score sums, over the query's searched terms the
-- paper holds, idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average length)),
-- idf = ln(1 + (N - df + 0.5) / (df + 0.5)); N, the average length and each term's df are
-- counted when the query runs, so they are always those of the papers the warehouse holds; the
-- score is rounded to 12 decimals, so that papers tied up to the order of a sum come by paper_id.
-- The postings are read once and grouped once by paper: each query word is a bit, and a paper's
-- bits say which items and groups it matches. SELECT * FROM search_papers('diffusion -video') LIMIT 10;
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
), term_bits AS (
    SELECT term, bit_or(bit) AS bits, bool_or(NOT excluded) AS scored FROM terms GROUP BY term
), hits AS MATERIALIZED (
    SELECT p.term, p.paper_id, p.tf FROM search_postings AS p
    WHERE p.term IN (SELECT term FROM terms)
), stats AS (
    SELECT count(*) AS documents, avg(terms) AS average_terms FROM search_documents
), weights AS (
    SELECT h.term, any_value(t.bits) AS bits, any_value(t.scored) AS scored,
           ln(1 + (any_value(s.documents) - count(*) + 0.5) / (count(*) + 0.5)) AS idf
    FROM hits AS h JOIN term_bits AS t ON t.term = h.term CROSS JOIN stats AS s
    GROUP BY h.term
), paper_bits AS MATERIALIZED (
    -- One pass over the postings: each paper's word bits and its score.
    SELECT h.paper_id, bit_or(w.bits) AS bits,
           sum(CASE WHEN w.scored THEN
               w.idf * h.tf * 2.5 / (h.tf + 1.5 * (0.25 + 0.75 * d.terms / s.average_terms))
           END) AS rank_sum
    FROM hits AS h
    JOIN weights AS w ON w.term = h.term
    JOIN search_documents AS d ON d.paper_id = h.paper_id
    CROSS JOIN stats AS s
    GROUP BY h.paper_id
), phrase_texts AS MATERIALIZED (
    -- A phrase is checked in the text of the papers holding all its words, and theirs only, once a
    -- regular expression has dropped those where none of the query's phrases can be: each one's
    -- searched words (a plural's forms allowed) in order, at most as many words apart as the query
    -- holds. Made from the query alone, it is compiled once; written with ASCII classes (Unicode's
    -- make it 25 times slower), it decides only for a text all ASCII (as many bytes as characters).
    SELECT i.grp, i.n, i.width, i.item_bit, c.paper_id, p.title || ' ' || p.abstract AS document
    FROM item_bits AS i
    JOIN paper_bits AS c ON i.width > 1 AND c.bits & i.word_bits = i.word_bits
    JOIN papers AS p ON p.paper_id = c.paper_id
    WHERE strlen(p.title || ' ' || p.abstract) <> length(p.title || ' ' || p.abstract) OR regexp_matches(
        lower(p.title || ' ' || p.abstract),
        '(?:^|[^a-z0-9])(?:' || array_to_string(list_transform(
            list_filter(
                list_transform(
                    regexp_extract_all(query, '-?"[^"]*"?|[^\\s"]+'),
                    lambda i: list_filter(search_words(i), lambda w: NOT list_contains(STOPWORD_LIST, w))
                ),
                lambda ws: len(ws) > 1
            ),
            lambda ws: array_to_string(list_transform(ws, lambda w, k:
                CASE WHEN k = 1 THEN '' ELSE
                    '[^a-z0-9]+(?:[a-z0-9]+[^a-z0-9]+){0,' || len(search_words(query)) || '}'
                END || '(?:' || search_term(w) || 's?|' || left(search_term(w), -1) || 'ies)'
            ), '')
        ), '|') || ')(?:[^a-z0-9]|$)'
    )
), phrase_bits AS (
    -- Their words split and placed as the index splits them (stop words counted, not searched):
    -- a phrase matches where all its words follow each other.
    SELECT paper_id, bit_or(item_bit) AS bits FROM (
        SELECT DISTINCT c.paper_id, c.item_bit
        FROM phrase_texts AS c
        CROSS JOIN LATERAL unnest(search_words(c.document)) WITH ORDINALITY AS w (word, position)
        JOIN terms AS t ON t.grp = c.grp AND t.n = c.n AND t.term = search_term(w.word)
        WHERE w.word NOT IN (SELECT word FROM search_stopwords)
        GROUP BY c.paper_id, c.item_bit, c.width, w.position - t.word_offset
        HAVING count(DISTINCT t.word_offset) = c.width
    ) GROUP BY paper_id
), scores AS (
    SELECT b.paper_id, round(b.rank_sum, 12) AS rank, b.bits | coalesce(f.bits, 0) AS bits
    FROM paper_bits AS b LEFT JOIN phrase_bits AS f ON f.paper_id = b.paper_id
)
SELECT s.paper_id, p.title, s.rank
FROM scores AS s
JOIN papers AS p ON p.paper_id = s.paper_id
WHERE (SELECT CASE WHEN coalesce(max(bits_used), 0) <= 126 THEN true
              ELSE error('search_papers: a query holds at most 126 searched words and phrases') END
       FROM item_bits)
  AND EXISTS (
      SELECT 1 FROM query_groups AS g WHERE s.bits & g.searched = g.searched AND s.bits & g.excluded = 0
  )
ORDER BY s.rank DESC, s.paper_id
""",
}
DUCKDB_FUNCTIONS["search_papers"] = DUCKDB_FUNCTIONS["search_papers"].replace(
    "STOPWORD_LIST", "[" + ", ".join(f"'{word}'" for word in STOPWORDS) + "]"
)
POSTGRESQL_FUNCTIONS = {
    "search_words": """\
-- The words of a text, for the search index's tables: lowercased and split on every character
-- that is not a letter or a digit, in order; DuckDB's search_words (sql/functions/duckdb/) on
-- PostgreSQL, so that the merge's shared steps fill the same tables on both engines.
CREATE FUNCTION search_words(document text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT array_remove(regexp_split_to_array(lower(document), '[^[:alnum:]]+'), '')
$$
""",
    "search_term": """\
-- The term a word is indexed under: DuckDB's search_term (sql/functions/duckdb/) on PostgreSQL.
CREATE FUNCTION search_term(word text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN length(word) > 4 AND right(word, 3) = 'ies' THEN left(word, -3) || 'y'
        WHEN length(word) > 3 AND right(word, 1) = 's'
             AND right(word, 2) NOT IN ('ss', 'us', 'is') THEN left(word, -1)
        ELSE word
    END
$$
""",
}
# The index of the papers already in the warehouse: what the load counts for a changed paper
# (etl.search, which a migration does not import), in SQL by the functions above, which split and
# fold as it does (tests/etl/test_search.py); in 16 parts by the top bits of the key (a 500k-paper
# warehouse's 75 million words at once outgrow the load's memory limit and spill gigabytes), each
# part's postings ordered by term.
BUILD_PARTS = 16
BUILD = (
    """CREATE TEMP TABLE migrating_search_words AS
SELECT p.paper_id, search_term(w.word) AS term
FROM papers AS p
CROSS JOIN LATERAL unnest(search_words(p.title || ' ' || p.abstract)) AS w (word)
WHERE p.paper_id BETWEEN {low} AND {high}
  AND NOT EXISTS (SELECT 1 FROM search_stopwords AS s WHERE s.word = w.word)""",
    """INSERT INTO search_postings (term, paper_id, tf)
SELECT term, paper_id, count(*)
FROM migrating_search_words
GROUP BY term, paper_id
ORDER BY term, paper_id""",
    """INSERT INTO search_documents (paper_id, terms)
SELECT p.paper_id, count(w.term)
FROM papers AS p LEFT JOIN migrating_search_words AS w ON w.paper_id = p.paper_id
WHERE p.paper_id BETWEEN {low} AND {high}
GROUP BY p.paper_id""",
    "DROP TABLE migrating_search_words",
)


def upgrade() -> None:
    """Create the search tables and functions, write the stop words and index every paper."""
    op.create_table(
        "search_stopwords",
        sa.Column("word", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_stopwords")),
    )
    op.create_table(
        "search_documents",
        sa.Column("paper_id", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.Integer(), nullable=False),
    )
    op.create_table(
        "search_postings",
        sa.Column("term", sa.String(), nullable=False),
        sa.Column("paper_id", sa.BigInteger(), nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
    )
    stopwords = sa.table("search_stopwords", sa.column("word", sa.String()))
    op.bulk_insert(stopwords, [{"word": word} for word in STOPWORDS])
    connection = op.get_bind()
    functions = DUCKDB_FUNCTIONS if connection.dialect.name == "duckdb" else POSTGRESQL_FUNCTIONS
    for sql in functions.values():
        connection.exec_driver_sql(sql)  # driver-level: the texts hold no parameters
    step = 2**53 // BUILD_PARTS  # keys are the first 53 bits of a SHA-256 (0016): 0 to 2**53 - 1
    for part in range(BUILD_PARTS):
        low, high = part * step, (part + 1) * step - 1 if part < BUILD_PARTS - 1 else 2**53 - 1
        for sql in BUILD:
            connection.exec_driver_sql(sql.format(low=low, high=high))


def downgrade() -> None:
    """Drop the search functions and tables."""
    connection = op.get_bind()
    if connection.dialect.name == "duckdb":
        connection.exec_driver_sql("DROP MACRO TABLE IF EXISTS search_papers")
        connection.exec_driver_sql("DROP MACRO IF EXISTS search_term")
        connection.exec_driver_sql("DROP MACRO IF EXISTS search_words")
    else:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_term(text)")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS search_words(text)")
    op.drop_table("search_postings")
    op.drop_table("search_documents")
    op.drop_table("search_stopwords")
