"""The warehouse schema: the single source of truth that Alembic migrations create.

Keys are content-derived (see `etl.keys`), never sequences, so any order of
loads gives the same rows. Relationships are documented on the columns and checked by
tests and asset checks rather than enforced by DuckDB foreign keys, which block the
delete-and-reinsert merges a warehouse load needs.

The hash-keyed tables that grow with every load (keywords, links, sightings, paper links,
paper keywords) declare their keys to the ORM but carry no PRIMARY KEY in DuckDB: its ART
index cost more than the rest of a backfill's merge, and made every checkpoint of a large
warehouse slow (`bench/`, migration 0005). The merge writes each key once, and the
`row_keys_unique` integrity check, run inside every load's transaction, proves it.

Descriptions: a model's docstring is its table's description (its comment in the warehouse,
whitespace collapsed to single spaces) and each column's `comment=` is that column's. They
are written for analysts: what the value is, its unit, where it comes from, and which table a
key refers to (`key of dates`). Migrations pin them (0007), `etl.dictionary` renders them as
docs/data_dictionary.md, and Dagster shows them; change them here, then pin them in a new
migration (`alembic check` fails until then).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    Integer,
    MetaData,
    SmallInteger,
    String,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

FILE_STATUSES = ("loaded", "rejected", "superseded", "removed", "suspect")
# A version in one of these is not read again while unchanged (a suspect one is, with --accept-shrink),
# and a newer loaded version of its name, or a prune, replaces it.
HELD_STATUSES = ("loaded", "rejected", "suspect")
# Listing-year rules that the configured year outranks or is: a rejection under them may depend on it.
SETTING_DEPENDENT_YEAR_RULES = ("configured", "inferred_from_cards", "file_mtime")


class Base(DeclarativeBase):
    """Declarative base carrying the warehouse `MetaData`; each model's docstring becomes its table comment."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__doc__:
            raise TypeError(f"model {cls.__name__} has no docstring: it is its table's description")
        cls.__table__.comment = " ".join(cls.__doc__.split())


class SourceFile(Base):
    """Every version of every dump file the loads have seen, one row per version. A dump is a
    saved Daily Papers listing page (a text file in the raw folder); a version is its file name
    plus the sha256 of its content, so a file saved again with new content is a new version.
    The status says whether its entries are in the warehouse (loaded), it was refused whole
    (rejected), it lost entries of the loaded version of its name and is held back
    as a likely cut download until confirmed (suspect), a newer version under the same name
    replaced it (superseded), or it left the folder and a pruning load deleted its sightings
    (removed). A version's row stays when it is superseded or removed; only a full refresh
    empties the table."""

    __tablename__ = "source_files"
    __table_args__ = (CheckConstraint(f"status IN {FILE_STATUSES}", name="status"),)

    file_id: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="Key of the version: the first 53 bits of the SHA-256 of its file name and sha256, "
        "joined by the character U+001F; the same version has the same id on every machine and in every run.",
    )
    file_name: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="Name of the dump file in the raw folder, without the folder (`2025-11-04.txt`).",
    )
    sha256: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="SHA-256 of the file's bytes, 64 lowercase hexadecimal digits; another sha256 under the "
        "same file name is another version.",
    )
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="Size of the file, in bytes.")
    listing_date_id: Mapped[int | None] = mapped_column(
        Integer,
        comment="The page's listing date (the day whose papers it lists), with the year given by "
        "`listing_year_rule`, as YYYYMMDD: key of `dates` while the version is loaded. Null when the "
        "version was rejected.",
    )
    listing_year_rule: Mapped[str | None] = mapped_column(
        String,
        comment="How the listing year was found, as the page prints none; first match wins: `listing_line` "
        "(a year printed on the listing line), `file_name` (a YYYY-MM-DD date in the file name), `configured` "
        "(`--listing-year`, `PAPERHOUSE_LISTING_YEAR` or the Dagster resource), `inferred_from_cards` (one more "
        "than the latest year printed on its cards), `file_mtime` (the latest year in which the listing date "
        "is not after the file's modification time). Null when no rule gave a year (the file was rejected).",
    )
    status: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="`loaded`: its entries are in `paper_appearances`; `rejected`: refused whole (see `error`), none "
        "of its entries is stored; `suspect`: it has fewer entries than the loaded version of "
        "its name (a cut download?), so it is held back (see `error`): none of its entries is stored and "
        "the loaded version stays, until `paperhouse load --accept-shrink` applies it; `superseded`: a newer "
        "version under the same file name was loaded and replaced its sightings; `removed`: the file left "
        "the raw folder and a pruning load (`--prune`) deleted its sightings.",
    )
    error: Mapped[str | None] = mapped_column(
        String,
        comment="Why the version was refused or held back, naming the file and the line or byte offset, e.g. "
        "`x.txt, line 15: title 'Second title' has no abstract (cut off?)`. Null when it was not refused.",
    )
    entries: Mapped[int | None] = mapped_column(
        Integer,
        comment="Number of entries (paper sightings) in the version, 0 for a page without any; null when "
        "rejected. A suspect version's entries were counted but not stored.",
    )
    loaded_at: Mapped[datetime] = mapped_column(
        DateTime,
        nullable=False,
        comment="When the load that recorded the version ran, in UTC (stored without a time zone); a "
        "rejected version read again gets the time of that load.",
    )
    modified_ns: Mapped[int | None] = mapped_column(
        BigInteger,
        comment="The file's modification time when it was read, in nanoseconds since 1970-01-01 UTC: a "
        "load does not read a file again while its name, size and modification time are unchanged. Null "
        "for versions recorded before it was kept (migration 0004).",
    )
    listing_year_setting: Mapped[int | None] = mapped_column(
        Integer,
        comment="The listing year configured (`--listing-year`, `PAPERHOUSE_LISTING_YEAR` or the Dagster "
        "resource) when the version was read; null when none was. A rejected version whose year came "
        "from `configured`, `inferred_from_cards` or `file_mtime` is read again by a load with another setting.",
    )
    recheck_on: Mapped[date | None] = mapped_column(
        Date,
        comment="For a version rejected for a date after today (more than a day ahead): the day from "
        "which loads read it again, when that date is no longer in the future (a wrong clock, a time "
        "zone). Null otherwise.",
    )


class Date_(Base):
    """Date dimension: one row per calendar date that a listing date or a card date in the
    warehouse refers to, with calendar attributes to group by (year, quarter, month, ISO week,
    weekday). Keyed by the date as the integer YYYYMMDD; every `*_date_id` column refers to it.
    A date goes when no paper, sighting or loaded dump version refers to it any more."""

    __tablename__ = "dates"

    date_id: Mapped[int] = mapped_column(
        Integer,
        primary_key=True,
        autoincrement=False,
        comment="Key: the date as the integer YYYYMMDD (`20251104` is 2025-11-04).",
    )
    date: Mapped[date] = mapped_column(Date, nullable=False, comment="The calendar date.")
    year: Mapped[int] = mapped_column(SmallInteger, nullable=False, comment="Calendar year, e.g. 2025.")
    quarter: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Calendar quarter, 1 (January to March) to 4."
    )
    month: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="Month number, 1 (January) to 12 (December)."
    )
    month_name: Mapped[str] = mapped_column(
        String, nullable=False, comment="Month name in English, January to December."
    )
    day: Mapped[int] = mapped_column(SmallInteger, nullable=False, comment="Day of the month, 1 to 31.")
    day_of_week: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, comment="ISO day of the week: 1 = Monday to 7 = Sunday."
    )
    day_name: Mapped[str] = mapped_column(
        String, nullable=False, comment="Day name in English, Monday to Sunday."
    )
    iso_year: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        comment="ISO 8601 week-numbering year: the year of the ISO week the date is in "
        "(2024-12-30 is in ISO year 2025). Group by it together with `iso_week`.",
    )
    iso_week: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        comment="ISO 8601 week number, 1 to 53: weeks start on Monday, and week 1 holds the year's first Thursday.",
    )
    year_month: Mapped[str] = mapped_column(
        String, nullable=False, comment="Year and month as text, YYYY-MM (`2025-11`), to group by month."
    )
    is_weekend: Mapped[bool] = mapped_column(
        Boolean, nullable=False, comment="True on Saturdays and Sundays."
    )


class Organization(Base):
    """Organizations named on paper cards, one row per handle. A card shows either an author
    count or an organization line such as `nvidia NVIDIA`: the handle, then the display name."""

    __tablename__ = "organizations"

    organization_id: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="Key: the first 53 bits of the SHA-256 of the handle.",
    )
    handle: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The organization's handle: the first word of its card line (`nvidia` in `nvidia NVIDIA`).",
    )
    name: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="Display name: the rest of the card line (`NVIDIA` in `nvidia NVIDIA`). When cards print "
        "other names for the same handle, the most recent sighting that shows the handle gives it.",
    )


class Paper(Base):
    """One row per distinct paper. Two entries are the same paper when their titles, and their
    abstracts, are equal after Unicode NFKC normalization, case folding and whitespace
    collapsing, wherever and however often they are listed. The title and abstract are as
    printed in the paper's most recent sighting, and each card field (author count,
    organization, published date, upvotes) comes from the most recent sighting that shows it;
    recency orders sightings by listing date, then file name, then position. Whenever a paper's
    sightings change, these are taken again from the sightings it has then. A paper left
    without any sighting (its dumps changed or were pruned) is deleted with its links and
    keywords."""

    __tablename__ = "papers"

    paper_id: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="Key of the paper: the first 53 bits of the SHA-256 of its normalized title and "
        "normalized abstract (NFKC, case folded, whitespace collapsed), joined by the character "
        "U+001F; the same on every machine, in every run and in any load order, and below 2^53, so JavaScript "
        "and JSON clients read it exactly.",
    )
    title_id: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="The first 53 bits of the SHA-256 of the normalized title alone: papers with the same "
        "title and different abstracts share it (see `v_title_collisions`).",
    )
    title: Mapped[str] = mapped_column(
        String, nullable=False, comment="Title as printed in the paper's most recent sighting (Unicode NFC)."
    )
    abstract: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="Abstract as printed in the paper's most recent sighting (Unicode NFC); its URLs are in `paper_links`.",
    )
    author_count: Mapped[int | None] = mapped_column(
        Integer,
        comment="Number of authors shown on the card (`• 7 authors`) of the paper's most recent "
        "sighting whose card shows one; null when no card showed an author count.",
    )
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger,
        comment="The organization on the card of the paper's most recent sighting whose card shows one: "
        "key of `organizations`; null when no card showed an organization.",
    )
    published_date: Mapped[date | None] = mapped_column(
        Date,
        comment="Publication date shown on the card of the paper's most recent sighting that has a card "
        "(the arXiv date; one printed without a year takes the listing year, or the year before when it "
        "would fall after the listing date); null when never seen with a card.",
    )
    published_date_id: Mapped[int | None] = mapped_column(
        Integer, comment="`published_date` as a key of `dates` (YYYYMMDD); null when never seen with a card."
    )
    upvotes: Mapped[int | None] = mapped_column(
        Integer,
        comment="Upvotes shown on the card of the paper's most recent sighting that has a card; 0 when "
        "the card shows none; null when never seen with a card.",
    )
    first_seen_date_id: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Earliest listing date among the paper's sightings: key of `dates` (YYYYMMDD).",
    )
    last_seen_date_id: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Latest listing date among the paper's sightings: key of `dates` (YYYYMMDD).",
    )
    sightings: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Number of sightings (rows of `paper_appearances`); a paper listed twice in one dump counts twice.",
    )

    text_id: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="The printed text shown (`title` and `abstract`, those of the most recent sighting): the first "
        "63 bits of the SHA-256 of the title and the abstract as printed, joined by the character U+001F; "
        "the `text_id` of that sighting in `paper_appearances`.",
    )


class PaperAppearance(Base):
    """Every sighting of a paper: one row per entry of a loaded dump version, keyed by the
    version and the entry's position, with the card as shown there. It holds no text, only the
    key of the text the entry prints (`text_id`): the text is in `papers` (the most recent
    sighting's) or `paper_texts` (any other). The sightings of a version go when a newer version of the same file
    is loaded or the file is pruned."""

    __tablename__ = "paper_appearances"
    __mapper_args__ = {"primary_key": ["file_id", "position"]}

    file_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The dump version the sighting is in: key of `source_files`."
    )
    position: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Position of the entry in the listing, 1 for the first; with `file_id`, the key of the sighting.",
    )
    paper_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The paper sighted: key of `papers`."
    )
    title_line: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Line number of the entry's title in the dump file, from 1, blank lines included.",
    )
    listing_date_id: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Listing date of the dump the sighting is in: key of `dates` (YYYYMMDD).",
    )
    upvotes: Mapped[int | None] = mapped_column(
        Integer,
        comment="Upvote count printed after the card date (`2` in `Jun 6 2`); 0 when the card prints none "
        "(the page hides a zero); null when the entry has no card.",
    )
    author_count: Mapped[int | None] = mapped_column(
        Integer,
        comment="Number of authors on the card (`• 7 authors`); null when the entry has no card or its "
        "card shows an organization instead.",
    )
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger,
        comment="The organization on the card: key of `organizations`; null when the entry has no card or "
        "its card shows an author count instead.",
    )
    card_date_text: Mapped[str | None] = mapped_column(
        String,
        comment="The card's date as printed, without the upvote count (`May 21`, `Nov 15, 2023`); null "
        "when the entry has no card.",
    )
    card_date_id: Mapped[int | None] = mapped_column(
        Integer,
        comment="The card's date (the paper's arXiv publication date) with its year resolved: one printed "
        "without a year takes the listing year, or the year before when it would fall after the listing "
        "date. Key of `dates` (YYYYMMDD); null when the entry has no card.",
    )

    text_id: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="The title and abstract as this entry prints them: the first 53 bits of the SHA-256 of both, "
        "joined by the character U+001F; the text is `papers`' when it is `papers.text_id`, else in `paper_texts`.",
    )
    organization_name: Mapped[str | None] = mapped_column(
        String,
        comment="The organization's display name as this card prints it (`NVIDIA` in `nvidia NVIDIA`); null "
        "when the entry has no card or its card shows an author count instead.",
    )


class PaperText(Base):
    """Printed texts of sightings that differ from the text their paper shows: a paper listed
    again with another case or spacing of its title or abstract. One row per text. Kept so that
    when the most recent sighting goes (its dump changed or was pruned), the paper takes the text
    of the sighting that is now the most recent without reading any dump again. A paper whose
    sightings all print the same text has no row here."""

    __tablename__ = "paper_texts"

    text_id: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        autoincrement=False,
        comment="Key: the first 53 bits of the SHA-256 of the title and the abstract as printed, joined by "
        "the character U+001F (`paper_appearances.text_id`).",
    )
    paper_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The paper whose sightings print this text: key of `papers`."
    )
    title: Mapped[str] = mapped_column(String, nullable=False, comment="Title as printed (Unicode NFC).")
    abstract: Mapped[str] = mapped_column(
        String, nullable=False, comment="Abstract as printed (Unicode NFC)."
    )


class Link(Base):
    """Every distinct http(s) URL found in the papers' abstracts, cleaned of what prose glues to
    it, with its host and a kind told by the host. One row per URL."""

    __tablename__ = "links"
    __mapper_args__ = {"primary_key": ["link_id"]}

    link_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="Key: the first 53 bits of the SHA-256 of the cleaned URL."
    )
    url: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The URL as found in an abstract, cleaned: trailing punctuation and unbalanced closing "
        "brackets removed, scheme and host in lowercase.",
    )
    host: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="Host name of the URL, lowercase, without a leading `www.` or a port (`github.com`).",
    )
    kind: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="Kind of link, by host (subdomains included): `code` (github.com, gitlab.com, bitbucket.org, "
        "codeberg.org), `huggingface` (huggingface.co, hf.co), `arxiv` (arxiv.org), `video` (youtube.com, "
        "youtu.be, vimeo.com, bilibili.com), `project_page` (*.github.io, *.gitlab.io, *.netlify.app, "
        "*.vercel.app, *.pages.dev, sites.google.com) or `other`.",
    )


class PaperLink(Base):
    """The URLs in each paper's abstract: one row per paper and distinct URL, with the URL's
    order in the abstract: the abstract of its most recent sighting (`papers.abstract`), found again
    whenever that text changes."""

    __tablename__ = "paper_links"
    __mapper_args__ = {"primary_key": ["paper_id", "link_id"]}

    paper_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The paper whose abstract holds the URL: key of `papers`."
    )
    link_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="The URL: key of `links`.")
    ordinal: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Where the URL first occurs among the URLs of the abstract: 1 for the first URL, 2 for "
        "the second; a repeated URL keeps its first place.",
    )


class Keyword(Base):
    """Every distinct keyword of the papers: a topic that titles and abstracts name, one row per
    concept however papers write it (kind `keyphrase`: `large language model` also for `LLMs`), or a
    method name that a title announces before its colon (kind `method`: `RAFT: Reward rAnked
    FineTuning` names `RAFT`). One row per kind and keyword."""

    __tablename__ = "keywords"
    __mapper_args__ = {"primary_key": ["keyword_id"]}

    keyword_id: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Key: the first 53 bits of the SHA-256 of the kind and the keyword, joined by the character U+001F.",
    )
    keyword: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The keyword. A keyphrase in its canonical form, the same for every way of writing the concept: "
        "one to four lowercase words, singular, in American spelling, a listed compound written one way "
        "(`fine-tuning` for `fine tuning` and `finetuning`) and an acronym as its expansion (`large "
        "language model` for `LLMs`); a method name as the title prints it.",
    )
    kind: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="`keyphrase` (a topic of the title and abstract) or `method` (the name a title announces before "
        "its colon).",
    )


class PaperKeyword(Base):
    """The keywords of each paper: its (at most) 10 best topic keyphrases, ranked 1 to 10 with their
    scores, and the method name its title announces, with rank 0 and no score. Computed from the
    title and abstract of its most recent sighting (`papers`), again whenever that text changes, and
    for every paper when the keyword extractor changes (`extractor_versions`)."""

    __tablename__ = "paper_keywords"
    __mapper_args__ = {"primary_key": ["paper_id", "keyword_id"]}

    paper_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="The paper: key of `papers`.")
    keyword_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The keyword: key of `keywords`."
    )
    score: Mapped[float | None] = mapped_column(
        Double,
        comment="How much the keyphrase matters to this paper: its occurrences in the title and abstract (one "
        "inside a longer phrase counts: `online reinforcement learning` is an occurrence of "
        "`reinforcement learning`), plus 2 when the title holds it. Null for a method name.",
    )
    rank: Mapped[int] = mapped_column(
        SmallInteger,
        nullable=False,
        comment="Rank of the keyphrase in the paper, 1 (highest score; a tie goes to the phrase that "
        "comes first in the text) to 10; 0 for a method name.",
    )
    # Last, where migration 0013 added it to the table.
    form: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The keyword as this paper first writes it (its own case, spelling, number, hyphens or acronym: "
        "`LLMs` for `large language model`); a method name as the title prints it.",
    )


class ExtractorVersion(Base):
    """Which version of each extractor derived the rows the warehouse draws from the papers'
    texts: one row per extractor. `keywords` is the keyword extractor, which fills `keywords`
    and `paper_keywords`. A load run by another version of it first derives every paper's
    keywords again, then records its own version here."""

    __tablename__ = "extractor_versions"

    extractor: Mapped[str] = mapped_column(
        String,
        primary_key=True,
        comment="Key: what the extractor derives; `keywords` (the rows of `keywords` and `paper_keywords`).",
    )
    version: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The version of the extractor that derived every paper's rows, as it names itself "
        "(`etl.keywords.EXTRACTOR_VERSION`: `topics-`, its algorithm's number and a digest of its word "
        "tables).",
    )
    derived_at: Mapped[datetime] = mapped_column(
        DateTime,
        nullable=False,
        comment="When a load last derived every paper's rows with this version (or recorded it for a "
        "warehouse without papers, or rebuilt every table), in UTC (stored without a time zone).",
    )


class SearchStopword(Base):
    """The words full-text search leaves out, as PostgreSQL's English text search does: its 127
    stop words (`the`, `of`, `and`, ...). A query word among them is ignored, and a paper's
    words among them are not indexed, though they keep their place, so a quoted phrase skips
    them as PostgreSQL's does. Written by migration 0017; loads never change it."""

    __tablename__ = "search_stopwords"

    word: Mapped[str] = mapped_column(
        String, primary_key=True, comment="Key: the stop word, in lowercase (`the`)."
    )


# PostgreSQL's 127 English stop words: the rows of `search_stopwords` (migration 0017 froze this list).
SEARCH_STOPWORDS = (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself "
    "she her hers herself it its itself they them their theirs themselves what which who whom "
    "this that these those am is are was were be been being have has had having do does did doing "
    "a an the and but if or because as until while of at by for with about against between into "
    "through during before after above below to from up down in out on off over under again "
    "further then once here there when where why how all any both each few more most other some "
    "such no nor not only own same so than too very s t can will just don should now"
).split()


class SearchDocument(Base):
    """The full-text search index's documents: one row per paper, with the number of words of its
    title and abstract that the index holds, for BM25's length normalization
    (`search_papers`). Written by the merge whenever a paper's shown text changes, and
    deleted with the paper."""

    __tablename__ = "search_documents"
    __mapper_args__ = {"primary_key": ["paper_id"]}

    paper_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="The paper: key of `papers`.")
    terms: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="Number of indexed words in the paper's title and abstract (`papers`), stop words left "
        "out: its document length for BM25.",
    )


class SearchPosting(Base):
    """The full-text search index's postings: one row per term and paper whose title or abstract
    holds it, with how often and where, and the paper's length. A paper's words are its title then
    its abstract (`papers`), split on every character that is not a letter or a digit and
    lowercased; a stop word (`search_stopwords`) is not indexed; a plural is folded into its singular by a light rule
    (`studies` to `study`, `models` to `model`; not after `ss`, `us` or `is`). The same rule
    splits queries (`search_papers`). Counted by the load (`etl.search`) and written by the merge
    whenever a paper's shown text changes, ordered by term within each load, and deleted with the
    paper."""

    __tablename__ = "search_postings"
    __mapper_args__ = {"primary_key": ["term", "paper_id"]}

    term: Mapped[str] = mapped_column(
        String,
        nullable=False,
        comment="The term: a word as the index folds it (lowercase, a plural in its singular: `model` for "
        "`Models`).",
    )
    paper_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="The paper whose title or abstract holds it: key of `papers`."
    )
    tf: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="How often the paper's title and abstract hold the term (BM25's term frequency).",
    )
    length: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        comment="The paper's document length for BM25: its `search_documents.terms`, kept on each of its "
        "postings so that `search_papers` scores them without joining `search_documents`.",
    )
    positions: Mapped[list[int]] = mapped_column(
        ARRAY(Integer),
        nullable=False,
        comment="The places of the term in the paper's title and abstract, ascending, from 1, stop words "
        "counted (`tf` of them): a quoted phrase matches where its words' places follow each other.",
    )


metadata = Base.metadata
# What the loads record about themselves, not rows drawn from the dumps: no staging frame, no
# Dagster asset, and a full refresh, which empties the tables, keeps them.
LOAD_STATE_TABLES = ("extractor_versions",)
# The full-text search index (docs/search.md): the documents and postings are staged from the
# batch (`etl.batch.StagingFrames`, after the tables of `TABLES`) but are no Dagster asset; a full
# refresh empties them with the papers (`SEARCH_INDEX_TABLES`), and the stop words, written by
# their migration, stay.
SEARCH_TABLES = ("search_stopwords", "search_documents", "search_postings")
SEARCH_INDEX_TABLES = {name: metadata.tables[name] for name in SEARCH_TABLES[1:]}
# In the order a dump's data flows into them (the classes' order): the CLI and Dagster list them so.
TABLES = {
    name: table
    for name, table in metadata.tables.items()
    if name not in LOAD_STATE_TABLES and name not in SEARCH_TABLES
}
DESCRIPTIONS = {name: table.comment for name, table in TABLES.items()}
