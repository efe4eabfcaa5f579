"""The warehouse schema: the single source of truth that Alembic migrations create.

Keys are content-derived (see `etl.normalize.stable_id`), never sequences, so any order of
loads gives the same rows. Relationships are documented on the columns and checked by
tests and asset checks rather than enforced by DuckDB foreign keys, which block the
delete-and-reinsert merges a warehouse load needs.

The hash-keyed tables that grow with every load (keywords, links, sightings, paper links,
paper keywords) declare their keys to the ORM but carry no PRIMARY KEY in DuckDB: its ART
index cost more than the rest of a backfill's merge, and made every checkpoint of a large
warehouse slow (`bench/`, migration 0005). The merge writes each key once, and the
`row_keys_unique` integrity check, run inside every load's transaction, proves it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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

FILE_STATUSES = ("loaded", "rejected", "superseded", "removed")
HELD_STATUSES = ("loaded", "rejected")  # a version in one of these is not read again while unchanged
# Listing-year rules that the configured year outranks or is: a rejection under them may depend on it.
SETTING_DEPENDENT_YEAR_RULES = ("configured", "inferred_from_cards", "file_mtime")


class Base(DeclarativeBase):
    """Declarative base carrying the warehouse `MetaData`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Date_(Base):
    """Conformed date dimension (Kimball): one row per date any fact refers to."""

    __tablename__ = "dates"

    date_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, comment="YYYYMMDD")
    date: Mapped[date] = mapped_column(Date, nullable=False)
    year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    quarter: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    month: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    month_name: Mapped[str] = mapped_column(String, nullable=False)
    day: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    day_of_week: Mapped[int] = mapped_column(SmallInteger, nullable=False, comment="ISO: 1 = Monday")
    day_name: Mapped[str] = mapped_column(String, nullable=False)
    iso_year: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    iso_week: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    year_month: Mapped[str] = mapped_column(String, nullable=False, comment="YYYY-MM")
    is_weekend: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SourceFile(Base):
    """One version (name + sha256) of a dump file: loaded, rejected, superseded or removed (pruned)."""

    __tablename__ = "source_files"
    __table_args__ = (CheckConstraint(f"status IN {FILE_STATUSES}", name="status"),)

    file_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    file_name: Mapped[str] = mapped_column(String, nullable=False)
    sha256: Mapped[str] = mapped_column(String, nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    listing_date_id: Mapped[int | None] = mapped_column(Integer, comment="-> dates")
    listing_year_rule: Mapped[str | None] = mapped_column(String)
    status: Mapped[str] = mapped_column(String, nullable=False)
    error: Mapped[str | None] = mapped_column(String)
    entries: Mapped[int | None] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    modified_ns: Mapped[int | None] = mapped_column(
        BigInteger, comment="file mtime (ns) when read: an unchanged (name, size, mtime) is not read again"
    )
    listing_year_setting: Mapped[int | None] = mapped_column(
        Integer,
        comment="the configured listing year (--listing-year) the dump was parsed with; null: none. A rejected "
        "dump whose year came from a rule the setting outranks is retried when the setting changes",
    )
    recheck_on: Mapped[date | None] = mapped_column(
        Date,
        comment="a rejected dump with a date after today is read again from this day on, when that date "
        "is no longer in the future (a wrong clock, a time zone)",
    )


class Organization(Base):
    """An organization printed on paper cards (`nvidia NVIDIA`)."""

    __tablename__ = "organizations"

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handle: Mapped[str] = mapped_column(String, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)


class Paper(Base):
    """A distinct paper; card fields come from its most recent sighting that has them."""

    __tablename__ = "papers"

    paper_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title_id: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="hash of the normalized title: same title, other abstract"
    )
    title: Mapped[str] = mapped_column(String, nullable=False)
    abstract: Mapped[str] = mapped_column(String, nullable=False)
    author_count: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(BigInteger, comment="-> organizations")
    published_date: Mapped[date | None] = mapped_column(Date)
    published_date_id: Mapped[int | None] = mapped_column(Integer, comment="-> dates")
    upvotes: Mapped[int | None] = mapped_column(Integer)
    first_seen_date_id: Mapped[int] = mapped_column(Integer, nullable=False, comment="-> dates")
    last_seen_date_id: Mapped[int] = mapped_column(Integer, nullable=False, comment="-> dates")
    sightings: Mapped[int] = mapped_column(Integer, nullable=False)


class PaperAppearance(Base):
    """One sighting of a paper: a position in one dump file; key (file_id, position), unindexed."""

    __tablename__ = "paper_appearances"
    __mapper_args__ = {"primary_key": ["file_id", "position"]}

    file_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> source_files")
    position: Mapped[int] = mapped_column(Integer, nullable=False, comment="1-based in the listing")
    paper_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> papers")
    title_line: Mapped[int] = mapped_column(Integer, nullable=False)
    listing_date_id: Mapped[int] = mapped_column(Integer, nullable=False, comment="-> dates")
    upvotes: Mapped[int | None] = mapped_column(Integer, comment="null: no card; 0: card without count")
    author_count: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(BigInteger, comment="-> organizations")
    card_date_text: Mapped[str | None] = mapped_column(String)
    card_date_id: Mapped[int | None] = mapped_column(Integer, comment="-> dates")


class Link(Base):
    """A distinct URL found in abstracts; key link_id, unindexed."""

    __tablename__ = "links"
    __mapper_args__ = {"primary_key": ["link_id"]}

    link_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    url: Mapped[str] = mapped_column(String, nullable=False)
    host: Mapped[str] = mapped_column(String, nullable=False)
    kind: Mapped[str] = mapped_column(String, nullable=False)


class PaperLink(Base):
    """A URL in a paper's abstract; ordinal is its order of first appearance; key (paper_id, link_id), unindexed."""

    __tablename__ = "paper_links"
    __mapper_args__ = {"primary_key": ["paper_id", "link_id"]}

    paper_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> papers")
    link_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> links")
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)


class Keyword(Base):
    """A keyphrase (kind 'keyphrase') or a method name announced by a title (kind 'method'); key keyword_id, unindexed."""

    __tablename__ = "keywords"
    __mapper_args__ = {"primary_key": ["keyword_id"]}

    keyword_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    keyword: Mapped[str] = mapped_column(String, nullable=False)
    kind: Mapped[str] = mapped_column(String, nullable=False)


class PaperKeyword(Base):
    """A keyword of a paper with its RAKE score and rank (method names: rank 0, no score); key (paper_id, keyword_id), unindexed."""

    __tablename__ = "paper_keywords"
    __mapper_args__ = {"primary_key": ["paper_id", "keyword_id"]}

    paper_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> papers")
    keyword_id: Mapped[int] = mapped_column(BigInteger, nullable=False, comment="-> keywords")
    score: Mapped[float | None] = mapped_column(Double)
    rank: Mapped[int] = mapped_column(SmallInteger, nullable=False)


metadata = Base.metadata
TABLES = {table.name: table for table in metadata.sorted_tables}
DESCRIPTIONS = {mapper.local_table.name: mapper.class_.__doc__ for mapper in Base.registry.mappers}
