"""The straightforward version a user might write first: a Python line loop and ORM inserts.

    python -m bench.baseline CORPUS DATABASE

Reads each dump line by line with a small state machine, deduplicates papers in a dict,
finds URLs with `re`, ranks RAKE keyphrases word by word, and adds one ORM object per row
to a SQLAlchemy session on a DuckDB file, committed once at the end. Prints one JSON object.
It is the comparison point of `bench.run`, not part of the product.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import time
from pathlib import Path

from sqlalchemy import BigInteger, Float, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from etl.stopwords import STOPWORDS

LISTING = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}$")
AUTHORS = re.compile(r"^•\s*(\d+)\s+authors?$")
URL = re.compile(r"https?://[^\s<>\"{}|\\^`\[\]]+")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


class Base(DeclarativeBase):
    """Baseline schema."""


class Paper(Base):
    """One paper."""

    __tablename__ = "papers"
    paper_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String)
    abstract: Mapped[str] = mapped_column(String)


class Appearance(Base):
    """One sighting of a paper in a dump."""

    __tablename__ = "paper_appearances"
    file_name: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    paper_id: Mapped[int] = mapped_column(BigInteger)
    author_count: Mapped[int | None] = mapped_column(Integer)
    card_date: Mapped[str | None] = mapped_column(String)


class PaperLink(Base):
    """A URL of a paper's abstract."""

    __tablename__ = "paper_links"
    paper_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String, primary_key=True)


class PaperKeyword(Base):
    """A keyphrase of a paper."""

    __tablename__ = "paper_keywords"
    paper_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    keyword: Mapped[str] = mapped_column(String, primary_key=True)
    score: Mapped[float] = mapped_column(Float)


def paper_key(title: str, abstract: str) -> int:
    """A 63-bit key of the paper's text."""
    digest = hashlib.sha256(f"{title.lower()}\x1f{abstract.lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def parse_file(path: Path) -> list[dict]:
    """Entries of one dump, by a line-by-line state machine."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    start = next(i for i, line in enumerate(lines) if LISTING.match(line)) + 1
    entries, i = [], start
    while i < len(lines):
        entry = {"title": lines[i], "abstract": lines[i + 1], "author_count": None, "card_date": None}
        i += 2
        if i + 1 < len(lines) and lines[i + 1] == "·":
            match = AUTHORS.match(lines[i])
            entry["author_count"] = int(match.group(1)) if match else None
            entry["card_date"] = lines[i + 2]
            i += 3
        entries.append(entry)
    return entries


def rake(text: str, top_n: int = 10) -> list[tuple[str, float]]:
    """RAKE keyphrases of one text, word by word."""
    phrases, current = [], []
    for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9'\-]*|[^\sA-Za-z0-9]", text.lower()):
        if not WORD.fullmatch(token) or token in STOPWORDS or len(token) < 2 or token.isdigit():
            if current:
                phrases.append(current)
            current = []
        else:
            current.append(token)
    if current:
        phrases.append(current)
    phrases = [p for p in phrases if len(p) <= 3]
    frequency: dict[str, int] = {}
    degree: dict[str, int] = {}
    for phrase in phrases:
        for word in phrase:
            frequency[word] = frequency.get(word, 0) + 1
            degree[word] = degree.get(word, 0) + len(phrase)
    scored: dict[str, float] = {}
    for phrase in phrases:
        scored.setdefault(" ".join(phrase), sum(degree[w] / frequency[w] for w in phrase))
    return sorted(scored.items(), key=lambda item: -item[1])[:top_n]


def run(corpus: Path, database: Path) -> dict:
    """Load every dump of `corpus` into `database` the straightforward way; return figures."""
    started = time.perf_counter()
    papers: dict[int, tuple[str, str]] = {}
    appearances = []
    for path in sorted(corpus.glob("*.txt")):
        for position, entry in enumerate(parse_file(path), start=1):
            key = paper_key(entry["title"], entry["abstract"])
            papers[key] = (entry["title"], entry["abstract"])
            appearances.append(
                Appearance(
                    file_name=path.name,
                    position=position,
                    paper_id=key,
                    author_count=entry["author_count"],
                    card_date=entry["card_date"],
                )
            )
    parsed = time.perf_counter()
    engine = create_engine(f"duckdb:///{database}")
    Base.metadata.create_all(engine)
    rows = len(appearances)
    with Session(engine) as session:
        session.add_all(appearances)
        for key, (title, abstract) in papers.items():
            session.add(Paper(paper_id=key, title=title, abstract=abstract))
            for url in dict.fromkeys(u.rstrip(".,;:)") for u in URL.findall(abstract)):
                session.add(PaperLink(paper_id=key, url=url))
                rows += 1
            for keyword, score in rake(f"{title}. {abstract}"):
                session.add(PaperKeyword(paper_id=key, keyword=keyword, score=score))
                rows += 1
            rows += 1
        session.commit()
    engine.dispose()
    finished = time.perf_counter()
    return {
        "corpus_bytes": sum(p.stat().st_size for p in corpus.glob("*.txt")),
        "entries": len(appearances),
        "papers": len(papers),
        "rows_inserted": rows,
        "parse_seconds": parsed - started,
        "insert_seconds": finished - parsed,
        "total_seconds": finished - started,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("database", type=Path)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.corpus, args.database)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
