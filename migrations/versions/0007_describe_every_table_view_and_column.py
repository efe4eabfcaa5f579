"""describe every table, view and column

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00

Analysts' tools (DBeaver, Superset, the duckdb CLI, Dagster's column schemas) show the
comments of tables, views and columns. This revision pins the descriptions as of now: each
model's docstring and column comments (`models/`) as table and column comments, through
Alembic's comment operations, and the text of every view of `sql/views/` with its new header,
which `apply_views` turns into the view's and its columns' comments (`migrations/views.py`).
The downgrade restores the earlier view texts, which carry no comments, and the column
comments of revisions 0001 to 0006, and drops the table comments.
"""

import importlib
from collections.abc import Sequence

from alembic import op

from migrations.views import apply_views, restore_views

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANALYST_VIEWS = importlib.import_module("migrations.versions.0002_create_analyst_views")

TABLE_COMMENTS = {
    "dates": (
        "Date dimension: one row per calendar date that a listing date or a card date in the warehouse "
        "refers to, with calendar attributes to group by (year, quarter, month, ISO week, weekday). "
        "Keyed by the date as the integer YYYYMMDD; every `*_date_id` column refers to it. Dates are "
        "added as loads bring them and removed only by a full refresh."
    ),
    "source_files": (
        "Every version of every dump file the loads have seen, one row per version. A dump is a saved "
        "Daily Papers listing page (a text file in the raw folder); a version is its file name plus the "
        "sha256 of its content, so a file saved again with new content is a new version. The status says "
        "whether its entries are in the warehouse (loaded), it was refused whole (rejected), a newer "
        "version under the same name replaced it (superseded), or it left the folder and a pruning load "
        "deleted its sightings (removed). A version's row stays when it is superseded or removed; only a "
        "full refresh empties the table."
    ),
    "organizations": (
        "Organizations named on paper cards, one row per handle. A card shows either an author count or "
        "an organization line such as `nvidia NVIDIA`: the handle, then the display name."
    ),
    "papers": (
        "One row per distinct paper. Two entries are the same paper when their titles, and their "
        "abstracts, are equal after Unicode NFKC normalization, case folding and whitespace collapsing, "
        "wherever and however often they are listed. The title and abstract are as printed in the "
        "paper's most recent sighting, and each card field (author count, organization, published date, "
        "upvotes) comes from the most recent sighting that shows it; recency orders sightings by listing "
        "date, then file name, then position. A paper left without any sighting (its dumps changed or "
        "were pruned) is deleted with its links and keywords."
    ),
    "paper_appearances": (
        "Every sighting of a paper: one row per entry of a loaded dump version, keyed by the version and "
        "the entry's position, with the card as shown there. It holds no text (title and abstract are in "
        "`papers`). The sightings of a version go when a newer version of the same file is loaded or the "
        "file is pruned."
    ),
    "links": (
        "Every distinct http(s) URL found in the papers' abstracts, cleaned of what prose glues to it, "
        "with its host and a kind told by the host. One row per URL."
    ),
    "paper_links": (
        "The URLs in each paper's abstract: one row per paper and distinct URL, with the URL's order in "
        "the abstract. Found once, when the paper is first loaded."
    ),
    "keywords": (
        "Every distinct keyword of the papers: a keyphrase that RAKE extracts from titles and abstracts "
        "(kind `keyphrase`), or a method name that a title announces before its colon (kind `method`: "
        "`RAFT: Reward rAnked FineTuning` names `RAFT`). One row per kind and keyword."
    ),
    "paper_keywords": (
        "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with their "
        "scores, and the method name its title announces, with rank 0 and no score. Computed once from "
        "the paper's own title and abstract, when the paper is first loaded."
    ),
}

COLUMN_COMMENTS = {
    "dates": {
        "date_id": "Key: the date as the integer YYYYMMDD (`20251104` is 2025-11-04).",
        "date": "The calendar date.",
        "year": "Calendar year, e.g. 2025.",
        "quarter": "Calendar quarter, 1 (January to March) to 4.",
        "month": "Month number, 1 (January) to 12 (December).",
        "month_name": "Month name in English, January to December.",
        "day": "Day of the month, 1 to 31.",
        "day_of_week": "ISO day of the week: 1 = Monday to 7 = Sunday.",
        "day_name": "Day name in English, Monday to Sunday.",
        "iso_year": (
            "ISO 8601 week-numbering year: the year of the ISO week the date is in (2024-12-30 is in ISO "
            "year 2025). Group by it together with `iso_week`."
        ),
        "iso_week": (
            "ISO 8601 week number, 1 to 53: weeks start on Monday, and week 1 holds the year's first "
            "Thursday."
        ),
        "year_month": "Year and month as text, YYYY-MM (`2025-11`), to group by month.",
        "is_weekend": "True on Saturdays and Sundays.",
    },
    "source_files": {
        "file_id": (
            "Key of the version: the first 63 bits of the SHA-256 of its file name and sha256, joined by "
            "the character U+001F; the same version has the same id on every machine and in every run."
        ),
        "file_name": "Name of the dump file in the raw folder, without the folder (`2025-11-04.txt`).",
        "sha256": (
            "SHA-256 of the file's bytes, 64 lowercase hexadecimal digits; another sha256 under the same "
            "file name is another version."
        ),
        "size_bytes": "Size of the file, in bytes.",
        "listing_date_id": (
            "The page's listing date (the day whose papers it lists), with the year given by "
            "`listing_year_rule`: key of `dates` (YYYYMMDD). Null when the version was rejected."
        ),
        "listing_year_rule": (
            "How the listing year was found, as the page prints none; first match wins: `listing_line` "
            "(a year printed on the listing line), `file_name` (a YYYY-MM-DD date in the file name), "
            "`configured` (`--listing-year`, `PAPERHOUSE_LISTING_YEAR` or the Dagster resource), "
            "`inferred_from_cards` (one more than the latest year printed on its cards), `file_mtime` "
            "(the latest year in which the listing date is not after the file's modification time). Null "
            "when no rule gave a year (the file was rejected)."
        ),
        "status": (
            "`loaded`: its entries are in `paper_appearances`; `rejected`: refused whole (see `error`), "
            "none of its entries is stored; `superseded`: a newer version under the same file name was "
            "loaded and replaced its sightings; `removed`: the file left the raw folder and a pruning "
            "load (`--prune`) deleted its sightings."
        ),
        "error": (
            "Why the version was refused, naming the file and the line or byte offset, e.g. `x.txt, line "
            "15: title 'Second title' has no abstract (cut off?)`. Null when it was not refused."
        ),
        "entries": (
            "Number of entries (paper sightings) in the version, 0 for a page without any; null when "
            "rejected."
        ),
        "loaded_at": (
            "When the load that recorded the version ran, in UTC (stored without a time zone); a "
            "rejected version read again gets the time of that load."
        ),
        "modified_ns": (
            "The file's modification time when it was read, in nanoseconds since 1970-01-01 UTC: a load "
            "does not read a file again while its name, size and modification time are unchanged. Null "
            "for versions recorded before it was kept (migration 0004)."
        ),
        "listing_year_setting": (
            "The listing year configured (`--listing-year`, `PAPERHOUSE_LISTING_YEAR` or the Dagster "
            "resource) when the version was read; null when none was. A rejected version whose year came "
            "from `configured`, `inferred_from_cards` or `file_mtime` is read again by a load with "
            "another setting."
        ),
        "recheck_on": (
            "For a version rejected for a date after today (more than a day ahead): the day from which "
            "loads read it again, when that date is no longer in the future (a wrong clock, a time "
            "zone). Null otherwise."
        ),
    },
    "organizations": {
        "organization_id": "Key: the first 63 bits of the SHA-256 of the handle.",
        "handle": "The organization's handle: the first word of its card line (`nvidia` in `nvidia NVIDIA`).",
        "name": (
            "Display name: the rest of the card line (`NVIDIA` in `nvidia NVIDIA`). When cards print "
            "other names for the same handle, the most recent sighting of the latest load gives it."
        ),
    },
    "papers": {
        "paper_id": (
            "Key of the paper: the first 63 bits of the SHA-256 of its normalized title and normalized "
            "abstract (NFKC, case folded, whitespace collapsed), joined by the character U+001F; the "
            "same on every machine, in every run and in any load order."
        ),
        "title_id": (
            "The first 63 bits of the SHA-256 of the normalized title alone: papers with the same title "
            "and different abstracts share it (see `v_title_collisions`)."
        ),
        "title": "Title as printed in the paper's most recent sighting (Unicode NFC).",
        "abstract": (
            "Abstract as printed in the paper's most recent sighting (Unicode NFC); its URLs are in "
            "`paper_links`."
        ),
        "author_count": (
            "Number of authors shown on the card (`• 7 authors`) of the paper's most recent sighting "
            "whose card shows one; null when no card showed an author count."
        ),
        "organization_id": (
            "The organization on the card of the paper's most recent sighting whose card shows one: key "
            "of `organizations`; null when no card showed an organization."
        ),
        "published_date": (
            "Publication date shown on the card of the paper's most recent sighting that has a card (the "
            "arXiv date; one printed without a year takes the listing year, or the year before when it "
            "would fall after the listing date); null when never seen with a card."
        ),
        "published_date_id": "`published_date` as a key of `dates` (YYYYMMDD); null when never seen with a card.",
        "upvotes": (
            "Upvotes shown on the card of the paper's most recent sighting that has a card; 0 when the "
            "card shows none; null when never seen with a card."
        ),
        "first_seen_date_id": "Earliest listing date among the paper's sightings: key of `dates` (YYYYMMDD).",
        "last_seen_date_id": "Latest listing date among the paper's sightings: key of `dates` (YYYYMMDD).",
        "sightings": (
            "Number of sightings (rows of `paper_appearances`); a paper listed twice in one dump counts "
            "twice."
        ),
    },
    "paper_appearances": {
        "file_id": "The dump version the sighting is in: key of `source_files`.",
        "position": (
            "Position of the entry in the listing, 1 for the first; with `file_id`, the key of the sighting."
        ),
        "paper_id": "The paper sighted: key of `papers`.",
        "title_line": "Line number of the entry's title in the dump file, from 1, blank lines included.",
        "listing_date_id": "Listing date of the dump the sighting is in: key of `dates` (YYYYMMDD).",
        "upvotes": (
            "Upvote count printed after the card date (`2` in `Jun 6 2`); 0 when the card prints none "
            "(the page hides a zero); null when the entry has no card."
        ),
        "author_count": (
            "Number of authors on the card (`• 7 authors`); null when the entry has no card or its card "
            "shows an organization instead."
        ),
        "organization_id": (
            "The organization on the card: key of `organizations`; null when the entry has no card or "
            "its card shows an author count instead."
        ),
        "card_date_text": (
            "The card's date as printed, without the upvote count (`May 21`, `Nov 15, 2023`); null when "
            "the entry has no card."
        ),
        "card_date_id": (
            "The card's date (the paper's arXiv publication date) with its year resolved: one printed "
            "without a year takes the listing year, or the year before when it would fall after the "
            "listing date. Key of `dates` (YYYYMMDD); null when the entry has no card."
        ),
    },
    "links": {
        "link_id": "Key: the first 63 bits of the SHA-256 of the cleaned URL.",
        "url": (
            "The URL as found in an abstract, cleaned: trailing punctuation and unbalanced closing "
            "brackets removed, scheme and host in lowercase."
        ),
        "host": "Host name of the URL, lowercase, without a leading `www.` or a port (`github.com`).",
        "kind": (
            "Kind of link, by host (subdomains included): `code` (github.com, gitlab.com, bitbucket.org, "
            "codeberg.org), `huggingface` (huggingface.co, hf.co), `arxiv` (arxiv.org), `video` "
            "(youtube.com, youtu.be, vimeo.com, bilibili.com), `project_page` (*.github.io, *.gitlab.io, "
            "*.netlify.app, *.vercel.app, *.pages.dev, sites.google.com) or `other`."
        ),
    },
    "paper_links": {
        "paper_id": "The paper whose abstract holds the URL: key of `papers`.",
        "link_id": "The URL: key of `links`.",
        "ordinal": (
            "Where the URL first occurs among the URLs of the abstract: 1 for the first URL, 2 for the "
            "second; a repeated URL keeps its first place."
        ),
    },
    "keywords": {
        "keyword_id": (
            "Key: the first 63 bits of the SHA-256 of the kind and the keyword, joined by the character "
            "U+001F."
        ),
        "keyword": (
            "The keyword: a keyphrase of one to three words in lowercase, or a method name as the title "
            "prints it."
        ),
        "kind": (
            "`keyphrase` (RAKE, from the title and abstract) or `method` (the name a title announces "
            "before its colon)."
        ),
    },
    "paper_keywords": {
        "paper_id": "The paper: key of `papers`.",
        "keyword_id": "The keyword: key of `keywords`.",
        "score": (
            "RAKE score of the keyphrase in this paper: the sum, over its words, of each word's degree "
            "divided by its frequency among the paper's candidate phrases, rounded to 6 decimals; higher "
            "means more characteristic of the paper. Null for a method name."
        ),
        "rank": (
            "Rank of the keyphrase in the paper, 1 (highest score; a tie goes to the phrase that comes "
            "first in the text) to 10; 0 for a method name."
        ),
    },
}

# The column comments revisions 0001 to 0006 left, which the downgrade restores; other columns had none.
EARLIER_COLUMN_COMMENTS = {
    "dates": {
        "date_id": "YYYYMMDD",
        "day_of_week": "ISO: 1 = Monday",
        "year_month": "YYYY-MM",
    },
    "source_files": {
        "listing_date_id": "-> dates",
        "modified_ns": "file mtime (ns) when read: an unchanged (name, size, mtime) is not read again",
        "listing_year_setting": (
            "the configured listing year (--listing-year) the dump was parsed with; null: none. A "
            "rejected dump whose year came from a rule the setting outranks is retried when the setting "
            "changes"
        ),
        "recheck_on": (
            "a rejected dump with a date after today is read again from this day on, when that date is "
            "no longer in the future (a wrong clock, a time zone)"
        ),
    },
    "papers": {
        "title_id": "hash of the normalized title: same title, other abstract",
        "organization_id": "-> organizations",
        "published_date_id": "-> dates",
        "first_seen_date_id": "-> dates",
        "last_seen_date_id": "-> dates",
    },
    "paper_appearances": {
        "file_id": "-> source_files",
        "position": "1-based in the listing",
        "paper_id": "-> papers",
        "listing_date_id": "-> dates",
        "upvotes": "null: no card; 0: card without count",
        "organization_id": "-> organizations",
        "card_date_id": "-> dates",
    },
    "paper_links": {
        "paper_id": "-> papers",
        "link_id": "-> links",
    },
    "paper_keywords": {
        "paper_id": "-> papers",
        "keyword_id": "-> keywords",
    },
}

# Each view's header: revision 0002's first line, then these column entries (0002's body follows).
COLUMN_ENTRIES = {
    "v_papers": """-- paper_id = papers.paper_id
-- title = papers.title
-- abstract = papers.abstract
-- published_date = papers.published_date
-- published_year: Calendar year of `published_date`; null when the paper was never seen with a card.
-- published_year_month: Year and month of `published_date` as text, YYYY-MM (`2025-11`); null when the
--   paper was never seen with a card.
-- organization_handle: Handle of the organization on the card of the paper's most recent sighting
--   whose card shows one (`nvidia`); null when no card showed an organization.
-- organization_name: Display name of that organization (`NVIDIA`); null when no card showed an
--   organization.
-- author_count = papers.author_count
-- upvotes = papers.upvotes
-- sightings = papers.sightings
-- first_seen: Earliest listing date among the paper's sightings.
-- last_seen: Latest listing date among the paper's sightings.
-- link_count: Number of distinct URLs in the abstract (rows of `paper_links`); 0 when it has none.
-- code_url: The first URL of the abstract on a code host (`links.kind` = `code`: github.com,
--   gitlab.com, bitbucket.org, codeberg.org); null when the abstract links to none.
-- title_id = papers.title_id
""",
    "v_paper_appearances": """-- paper_id = paper_appearances.paper_id
-- title = papers.title
-- file_name = source_files.file_name
-- position = paper_appearances.position
-- title_line = paper_appearances.title_line
-- listing_date: Listing date of the dump the sighting is in.
-- upvotes = paper_appearances.upvotes
-- author_count = paper_appearances.author_count
-- organization_handle: Handle of the organization on this sighting's card (`nvidia`); null when the
--   entry has no card or its card shows an author count instead.
-- organization_name: Display name of that organization (`NVIDIA`); null when the entry has no card or
--   its card shows an author count instead.
-- card_date_text = paper_appearances.card_date_text
-- card_date: The card's date (the paper's arXiv publication date) with its year resolved; null when
--   the entry has no card.
-- file_id = paper_appearances.file_id
""",
    "v_papers_with_code": """-- paper_id = v_papers.paper_id
-- title = v_papers.title
-- code_url = v_papers.code_url
-- published_date = v_papers.published_date
-- organization_name = v_papers.organization_name
-- upvotes = v_papers.upvotes
-- sightings = v_papers.sightings
-- last_seen = v_papers.last_seen
""",
    "v_keyword_counts": """-- keyword_id = keywords.keyword_id
-- keyword = keywords.keyword
-- kind = keywords.kind
-- papers: Number of papers that carry the keyword (rows of `paper_keywords`).
-- mean_score: Mean RAKE score of the keyword over those papers; null for a method name, which has no
--   score.
""",
    "v_duplicates": """-- paper_id = papers.paper_id
-- title = papers.title
-- files: Number of dump files the paper is seen in, 2 or more (only the loaded version of a file holds
--   sightings).
-- sightings = papers.sightings
-- file_names: Names of those files, sorted and separated by `, `.
-- first_seen = v_papers.first_seen
-- last_seen = v_papers.last_seen
""",
    "v_title_collisions": """-- title_id = papers.title_id
-- paper_id = papers.paper_id
-- title = papers.title
-- abstract = papers.abstract
-- sightings = papers.sightings
-- papers_with_title: Number of distinct papers with this normalized title, 2 or more.
""",
}


def _described(sql: str, entries: str) -> str:
    """A text of revision 0002 with its column entries inserted after its first line."""
    first, body = sql.split("\n", 1)
    return f"{first}\n--\n-- Columns:\n{entries}{body}"


VIEWS = {name: _described(sql, COLUMN_ENTRIES[name]) for name, sql in ANALYST_VIEWS.VIEWS.items()}
# PostgreSQL's texts of revision 0002 (it had neither arg_min nor QUALIFY), described the same way.
ENGINE_VIEWS = {
    dialect: {name: _described(sql, COLUMN_ENTRIES[name]) for name, sql in views.items()}
    for dialect, views in ANALYST_VIEWS.ENGINE_VIEWS.items()
}


def upgrade() -> None:
    """Describe every table and column, then re-pin every view with its described text."""
    for table, comment in TABLE_COMMENTS.items():
        op.create_table_comment(table, comment, existing_comment=None)
    for table, columns in COLUMN_COMMENTS.items():
        earlier = EARLIER_COLUMN_COMMENTS.get(table, {})
        for column, comment in columns.items():
            op.alter_column(table, column, comment=comment, existing_comment=earlier.get(column))
    apply_views(VIEWS, ENGINE_VIEWS)


def downgrade() -> None:
    """Restore the earlier view texts (without comments), the earlier column comments, and no table comments."""
    restore_views(down_revision, VIEWS, ENGINE_VIEWS)
    for table, columns in COLUMN_COMMENTS.items():
        earlier = EARLIER_COLUMN_COMMENTS.get(table, {})
        for column, comment in columns.items():
            op.alter_column(table, column, comment=earlier.get(column), existing_comment=comment)
    for table, comment in TABLE_COMMENTS.items():
        op.drop_table_comment(table, existing_comment=comment)
