"""Parse dump texts into one row per listing entry, vectorized with Polars.

A dump is a page header, right after it a listing date without a year ("Nov 4"), then entries:
a title line, an abstract line and optionally a three-line card
(`• N authors` or an organization line `handle Name`, then `·`, then a date such as
`Nov 15, 2023` or `May 21`, optionally followed by an upvote count). Titles and abstracts pair
by their order alone, so a line in a title's place that reads like abstract text is an error.
A dump with any structural error, or with a date that cannot be right (in the future, or before
the site or arXiv existed), is refused whole; the error names the file and line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from etl import clock
from etl.normalize import nfc
from etl.years import EARLIEST_CARD_YEAR, EARLIEST_LISTING_YEAR

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "(" + "|".join(MONTHS) + ")"
LISTING_DATE_RE = rf"^{_MONTH}\s+(\d{{1,2}})(?:,\s*(\d{{4}}))?$"
CARD_DATE_RE = rf"^({_MONTH}\s+(\d{{1,2}})(?:,\s*(\d{{4}}))?)(?:\s+(\d+))?$"
AUTHORS_RE = r"^•\s*(\d+)\s+authors?$"
ORGANIZATION_RE = r"^(\S+)\s+(\S.*)$"
CARD_DOT = "·"
HEADER_MARKERS = (
    "byAK and the research community",
    "Daily Papers",
    "Get trending papers in your email inbox!",
)
# Lines of the page header that no title or abstract is: met again in the body, they start a second dump.
SECOND_HEADER_MARKERS = ("Get trending papers in your email inbox!", "byAK and the research community")
# Every line a page header may hold, from its first marker to the listing date.
HEADER_LINES = (*HEADER_MARKERS, "new", "Subscribe")
MAX_HEADER_LINES = 12
# No title is longer: arXiv's longest run to about 250 characters; a longer line is a paragraph.
MAX_TITLE_CHARS = 400

# A date may be this far after today: clocks and time zones disagree by up to a day.
CLOCK_SKEW = timedelta(days=1)
INT32_MAX = 2**31 - 1

# The listing year rules, first match wins, and how an error message names each.
_YEAR_RULE_WORDS = {
    "listing_line": "year printed on the listing line",
    "file_name": "year from the file name",
    "configured": "configured listing year",
    "inferred_from_cards": "one more than the latest year printed on its cards",
    "file_mtime": "year from the file's modification time",
}
# A file name that starts with an ISO date gives the listing year. Only at the start: a date
# elsewhere (`export-2021-05-01 listing.txt`) may be an export or a version date, and docs/input.md
# promises `YYYY-MM-DD*.txt`.
FILE_NAME_DATE_RE = r"^(\d{4})-\d{2}-\d{2}"
# What to do about a wrong listing year, by the rule that gave it: only a rule that outranks it helps.
_YEAR_RULE_ADVICE = {
    "listing_line": "the page prints that year, and nothing outranks it",
    "file_name": "rename the file: its leading YYYY-MM-DD gives the year, and outranks --listing-year",
    "configured": "pass another --listing-year, or name the file YYYY-MM-DD*.txt",
    "inferred_from_cards": "name the file YYYY-MM-DD*.txt or pass --listing-year",
    "file_mtime": "name the file YYYY-MM-DD*.txt or pass --listing-year",
}
# A line with nothing but whitespace and invisible format characters (U+200B, U+FEFF, U+00AD...) is blank.
_VISIBLE = r"[^\p{Cf}\s]"

ENTRY_SCHEMA = {
    "file_id": pl.Int64,
    "file_name": pl.String,
    "position": pl.Int32,
    "title_line": pl.Int32,
    "title": pl.String,
    "abstract": pl.String,
    "has_card": pl.Boolean,
    "author_count": pl.Int32,
    "organization_handle": pl.String,
    "organization_name": pl.String,
    "card_date_text": pl.String,
    "card_date": pl.Date,
    "upvotes": pl.Int32,
    "listing_date": pl.Date,
}


@dataclass(frozen=True)
class ParsedDumps:
    """Entries of the dumps that parsed, and one status row per dump."""

    entries: pl.DataFrame
    files: pl.DataFrame


def _month_number(expr: pl.Expr) -> pl.Expr:
    return expr.replace_strict(list(MONTHS), list(range(1, 13)), return_dtype=pl.Int32)


def _is_leap(year: pl.Expr) -> pl.Expr:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def _latest_year_on_or_before(ref: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """The latest year Y with date(Y, month, day) <= `ref`; for Feb 29 the latest such leap year."""
    ref_key = ref.dt.month().cast(pl.Int32) * 100 + ref.dt.day().cast(pl.Int32)
    year = ref.dt.year() - (month * 100 + day > ref_key).cast(pl.Int32)
    # The latest multiple of 4 up to `year` is a leap year unless it is a century not divisible by 400
    # (1900): then the leap year before it is 4 years earlier (1896).
    fourth = year - year % 4
    leap = fourth - ((fourth % 100 == 0) & (fourth % 400 != 0)).cast(pl.Int32) * 4
    return pl.when((month == 2) & (day == 29)).then(leap).otherwise(year)


def _patched(texts: pl.Series, needs: pl.Expr, fix: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """`texts` with `fix` applied to the rows where `needs` holds, and only to those."""
    rows = texts.to_frame("text").select(needs.arg_true()).to_series()
    return texts.scatter(rows, fix(texts.gather(rows))) if rows.len() else texts


def _texts(dumps: pl.DataFrame) -> pl.DataFrame:
    """File ids and texts in file id order: no byte-order mark, newlines as LF, no-break spaces as spaces."""
    # Most dumps need none of these fixes: each is made only on the texts that need it.
    text = pl.col("text")
    dumps = dumps.sort("file_id", maintain_order=True)
    texts = _patched(dumps["text"], text.str.starts_with("\ufeff"), lambda t: t.str.strip_prefix("\ufeff"))
    texts = _patched(
        texts, text.str.contains("\r", literal=True), lambda t: t.str.replace_all("\r\n|\r", "\n")
    )
    # Saved pages turn some spaces into no-break spaces: they are plain spaces here.
    texts = _patched(
        texts,
        text.str.contains("\u00a0", literal=True),
        lambda t: t.str.replace_all("\u00a0", " ", literal=True),
    )
    return dumps.select("file_id", text=texts)


def _row_in_file() -> pl.Expr:
    """0-based row number within the file, for a frame that holds each file's rows together."""
    row = pl.int_range(pl.len(), dtype=pl.Int32)
    return row - pl.when(_file_starts()).then(row).forward_fill()


def _file_starts() -> pl.Expr:
    """True on the first row of each file, for a frame that holds each file's rows together."""
    return (pl.col("file_id") != pl.col("file_id").shift(1)).fill_null(True)


def _shift_in_file(expr: pl.Expr, n: int) -> pl.Expr:
    """`expr.shift(n)`, null where that value would come from another file."""
    return pl.when(pl.col("file_id").shift(n) == pl.col("file_id")).then(expr.shift(n))


def _cum_sum_in_file(expr: pl.Expr) -> pl.Expr:
    """Running sum of an integer expression, restarting at each file."""
    total = expr.cum_sum()
    return total - pl.when(_file_starts()).then(total - expr).forward_fill()


def _lines(dumps: pl.DataFrame) -> pl.DataFrame:
    """One row per non-blank line in file id order: file, 1-based line number, stripped text, 0-based index."""
    return (
        _texts(dumps)
        .select("file_id", line=pl.col("text").str.split("\n"))
        .explode("line")
        .with_columns(line_no=_row_in_file() + 1)
        .filter(pl.col("line").str.contains(_VISIBLE))
        .with_columns(pl.col("line").str.strip_chars(), idx=_row_in_file())
    )


def _locate_listing(lines: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per file: the listing date line, and the files whose page header no listing date follows.

    The listing date is the first line after the page header's lines, from its first marker on.
    A file with no marker in its first lines has no header (neither frame holds it).
    """
    header = lines.filter(pl.col("idx") <= MAX_HEADER_LINES)
    first_marker = (
        header.filter((pl.col("idx") < MAX_HEADER_LINES) & pl.col("line").is_in(HEADER_MARKERS))
        .group_by("file_id")
        .agg(marker_idx=pl.col("idx").min())
    )
    after = header.join(first_marker, on="file_id").filter(pl.col("idx") > pl.col("marker_idx"))
    candidate = (
        after.filter(~pl.col("line").is_in(HEADER_LINES))
        .group_by("file_id")
        .agg(pl.all().sort_by("idx").first())
    )
    is_listing = pl.col("line").str.contains(LISTING_DATE_RE)
    parts = pl.col("line").str.extract_groups(LISTING_DATE_RE)
    listing = candidate.filter(is_listing).select(
        "file_id",
        listing_idx="idx",
        listing_line_no="line_no",
        listing_text="line",
        listing_month=_month_number(parts.struct.field("1")),
        listing_day=parts.struct.field("2").cast(pl.Int32),
        listing_printed_year=parts.struct.field("3").cast(pl.Int32),
    )
    # Without the listing line, the first card date would pass for it and the first entry for header.
    expected = "expected a listing date such as 'Nov 4' after the page header, found"
    wrong = candidate.filter(~is_listing).select(
        "file_id", "line_no", message=pl.format(f"{expected} '{{}}'", pl.col("line").str.slice(0, 60))
    )
    ended = (
        header.join(first_marker.join(candidate, on="file_id", how="anti"), on="file_id", how="semi")
        .group_by("file_id")
        .agg(line_no=pl.col("line_no").max())
        .with_columns(message=pl.lit(f"{expected} none"))
    )
    return listing, pl.concat([wrong, ended])


def _classify(body: pl.DataFrame) -> pl.DataFrame:
    """Give each body line a role (text, card_head, card_dot, card_date) and an entry number."""
    is_dot = pl.col("line") == CARD_DOT
    next_is_dot = _shift_in_file(is_dot, -1).fill_null(False)
    prev_is_dot = _shift_in_file(is_dot, 1).fill_null(False)
    role = (
        pl.when(is_dot)
        .then(pl.lit("card_dot"))
        .when(next_is_dot)
        .then(pl.lit("card_head"))
        .when(prev_is_dot)
        .then(pl.lit("card_date"))
        .otherwise(pl.lit("text"))
    )
    is_text = pl.col("role") == "text"
    texts_so_far = _cum_sum_in_file(is_text.cast(pl.Int32))
    return (
        body.with_columns(role=role)
        .with_columns(
            texts_so_far=texts_so_far,
            prev_role=_shift_in_file(pl.col("role"), 1),
            next_role=_shift_in_file(pl.col("role"), -1),
            # An abstract never ends on a colon; a paragraph that does was split from its next one.
            after_colon=_shift_in_file(pl.col("line").str.ends_with(":"), 1).fill_null(False),
        )
        .with_columns(
            entry=pl.when(is_text)
            .then((pl.col("texts_so_far") - 1) // 2)
            .otherwise(pl.col("texts_so_far") // 2 - 1),
            is_title=is_text & (pl.col("texts_so_far") % 2 == 1),
        )
    )


def _reads_like_abstract(line: pl.Expr) -> pl.Expr:
    """True on a line that no title is: it ends with a full stop, holds a URL or is paragraph-long.

    Titles and abstracts are paired by their order alone; a second paragraph of an abstract
    shifts every pairing after it, and it shows where a title should be.
    """
    return (
        line.str.contains(r"[^.]\.$")
        | line.str.contains("://", literal=True)
        | (line.str.len_chars() > MAX_TITLE_CHARS)
    )


def _line_rules() -> list[tuple[str | None, pl.Expr, pl.Expr]]:
    """(kind, condition, message) of each structural error of a classified body line; the first that holds wins.

    The condition holds only for lines of that kind (`_line_kind`), or of any kind for None.
    """
    role, line = pl.col("role"), pl.col("line")
    quoted = pl.format("'{}'", line.str.slice(0, 60))
    card_entry_ok = (pl.col("texts_so_far") % 2 == 0) & (pl.col("texts_so_far") >= 2)
    return [
        (
            None,
            line.is_in(SECOND_HEADER_MARKERS),
            pl.format("a second page header ({}): two dumps in one file?", quoted),
        ),
        (
            "card_dot",
            (role == "card_dot") & (pl.col("prev_role") != "card_head").fill_null(True),
            pl.lit("'·' with no author or organization line before it"),
        ),
        (
            "card_dot",
            (role == "card_dot") & (pl.col("next_role") != "card_date").fill_null(True),
            pl.lit("card cut off: no date line after '·'"),
        ),
        (
            "card_head",
            (role == "card_head") & ~card_entry_ok,
            pl.format("card {} does not follow a title and an abstract", quoted),
        ),
        (
            "card_head",
            (role == "card_head")
            & ~line.str.contains(AUTHORS_RE)
            & (line.str.starts_with("•") | ~line.str.contains(ORGANIZATION_RE)),
            pl.format("expected '• N authors' or an organization line, found {}", quoted),
        ),
        (
            "card_date",
            (role == "card_date") & ~line.str.contains(CARD_DATE_RE),
            pl.format("expected a card date such as 'May 21' or 'Nov 15, 2023', found {}", quoted),
        ),
        (
            "title",
            pl.col("is_title") & line.str.contains(AUTHORS_RE),
            pl.format("card {} has no '·' and date lines (cut off?)", quoted),
        ),
        (
            "title",
            pl.col("is_title") & _reads_like_abstract(line),
            pl.format(
                "expected a title, found {}, which reads like abstract text: an abstract split into "
                "paragraphs? (titles and abstracts cannot be paired)",
                quoted,
            ),
        ),
        (
            "title",
            pl.col("is_title") & pl.col("after_colon"),
            pl.format(
                "expected a title, found {} after a paragraph that ends with ':': an abstract split into "
                "paragraphs? (titles and abstracts cannot be paired)",
                quoted,
            ),
        ),
        (
            "title",
            pl.col("is_title") & (pl.col("next_role").is_null() | (pl.col("next_role") != "text")),
            pl.format("title {} has no abstract (cut off?)", quoted),
        ),
    ]


def _may_be_wrong() -> pl.Expr:
    """Cheap test true on every non-title body line that a rule of `_line_rules` may hold for (abstracts seldom)."""
    marker_lengths = sorted({len(marker.encode()) for marker in SECOND_HEADER_MARKERS})
    return (pl.col("role") != "text") | pl.col("line").str.len_bytes().is_in(marker_lengths)


def _title_may_be_wrong() -> pl.Expr:
    """Cheap test true on every title that a rule of `_line_rules` may hold for."""
    line = pl.col("line")
    return (
        line.str.starts_with("•")
        | line.str.ends_with(".")
        | line.str.contains("://", literal=True)
        | (line.str.len_bytes() > MAX_TITLE_CHARS)
        | (pl.col("next_role") != "text").fill_null(True)
        | pl.col("after_colon")
        | _may_be_wrong()
    )


def _line_kind() -> pl.Expr:
    """What a classified body line is, for the rules: its role, or "title" for a text line that is a title."""
    return pl.when(pl.col("is_title")).then(pl.lit("title")).otherwise(pl.col("role"))


def _line_errors(body: pl.DataFrame) -> pl.DataFrame:
    """The structural error of each wrong body line, as (file_id, line_no, message)."""
    rules = _line_rules()
    # The rules' regexes and messages run only on the few lines that may be wrong, and the title
    # tests only on titles (short lines), not on every abstract.
    title = pl.col("is_title")
    suspects = pl.concat(
        [body.filter(~title & _may_be_wrong()), body.filter(title).filter(_title_may_be_wrong())]
    )
    # Each line is tested by the rules of its kind only, in their order: the others cannot hold
    # for it, so the first that holds is the same, and no regex runs on lines of another kind.
    found = [suspects.select("file_id", "line_no", message=pl.lit(None, dtype=pl.String)).clear()]
    for (kind,), lines in suspects.with_columns(kind=_line_kind()).partition_by("kind", as_dict=True).items():
        held = [(condition, text) for rule_kind, condition, text in rules if rule_kind in (None, kind)]
        message = pl.when(held[0][0]).then(held[0][1])
        for condition, text in held[1:]:
            message = message.when(condition).then(text)
        found.append(
            lines.filter(pl.any_horizontal([condition for condition, _ in held])).select(
                "file_id", "line_no", message=message
            )
        )
    return pl.concat(found)


def _listing_years(files: pl.DataFrame, cards: pl.DataFrame, listing_year: int | None) -> pl.DataFrame:
    """Resolve each file's listing year and record the rule that gave it."""
    inferred = cards.group_by("file_id").agg(inferred_year=pl.col("printed_year").max() + 1)
    name_year = pl.col("file_name").str.extract(FILE_NAME_DATE_RE, 1).cast(pl.Int32)
    candidates = [
        ("listing_line", pl.col("listing_printed_year")),
        ("file_name", name_year),
        ("configured", pl.lit(listing_year, dtype=pl.Int32)),
        ("inferred_from_cards", pl.col("inferred_year").cast(pl.Int32)),
        ("file_mtime", pl.col("mtime_year")),
    ]
    assert [name for name, _ in candidates] == list(_YEAR_RULE_WORDS) == list(_YEAR_RULE_ADVICE)
    year = pl.coalesce([expr for _, expr in candidates])
    rule = pl.when(candidates[0][1].is_not_null()).then(pl.lit(candidates[0][0]))
    for name, expr in candidates[1:]:
        rule = rule.when(expr.is_not_null()).then(pl.lit(name))
    # A page cannot be saved before its listing date: the latest such date up to the file's
    # modification time, plus the clock skew.
    mtime_year = _latest_year_on_or_before(
        pl.col("modified_date") + pl.duration(days=CLOCK_SKEW.days),
        pl.col("listing_month"),
        pl.col("listing_day"),
    )
    return (
        files.join(inferred, on="file_id", how="left")
        .with_columns(mtime_year=mtime_year.cast(pl.Int32))
        .with_columns(listing_year=year, listing_year_rule=rule)
    )


def _to_date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """Build a date, null when it does not exist (Feb 30)."""
    return pl.format("{}-{}-{}", year, month, day).str.to_date("%Y-%m-%d", strict=False)


def _listing_problem(today: date) -> pl.Expr:
    """Expression naming what is wrong with a file's resolved listing date, or null."""
    year, text, resolved = pl.col("listing_year"), pl.col("listing_text"), pl.col("listing_date")
    latest = today + CLOCK_SKEW
    rule = pl.col("listing_year_rule").replace_strict(_YEAR_RULE_WORDS, default=None, return_dtype=pl.String)
    advice = pl.col("listing_year_rule").replace_strict(
        _YEAR_RULE_ADVICE, default=None, return_dtype=pl.String
    )
    after_today = pl.lit(f"which is after today ({today.isoformat()})")
    return (
        pl.when(year.is_null())
        .then(
            pl.format(
                "listing date '{}' has no year: name the file YYYY-MM-DD*.txt or pass --listing-year", text
            )
        )
        .when(year < EARLIEST_LISTING_YEAR)
        .then(
            pl.format(
                "listing date '{}' resolves to year {} ({}), before {}, when Daily Papers did not exist; {}",
                text,
                year,
                rule,
                pl.lit(EARLIEST_LISTING_YEAR),
                advice,
            )
        )
        .when(resolved.is_null() & (year > latest.year))  # Feb 29 or year 10000: no date to show
        .then(pl.format("listing date '{}' resolves to year {} ({}), {}", text, year, rule, after_today))
        .when(resolved.is_null())
        .then(pl.format("listing date '{}' does not exist in {}", text, year))
        .when(resolved > latest)
        .then(pl.format("listing date '{}' resolves to {} ({}), {}", text, resolved, rule, after_today))
    )


def _card_problem(today: date) -> pl.Expr:
    """Expression naming what is wrong with a card date line (date or upvote count), or null."""
    text = pl.col("card_date_text")
    return (
        pl.when(pl.col("printed_year") < EARLIEST_CARD_YEAR)
        .then(
            pl.format(
                "card date '{}' is before {}; card dates are arXiv publication dates, and arXiv began in 1991",
                text,
                pl.lit(EARLIEST_CARD_YEAR),
            )
        )
        .when(pl.col("card_date").is_null())
        .then(pl.format("card date '{}' does not exist", text))
        .when(pl.col("card_date") > today + CLOCK_SKEW)
        .then(pl.format("card date '{}' is after today ({})", text, pl.lit(today.isoformat())))
        .when(pl.col("upvotes_text").is_not_null() & pl.col("upvotes").is_null())
        .then(pl.format("upvote count {} is out of range (at most {})", "upvotes_text", pl.lit(INT32_MAX)))
    )


def _first_error_per_file(errors: pl.DataFrame) -> pl.DataFrame:
    return (
        errors.sort("line_no", maintain_order=True)
        .group_by("file_id")
        .agg(pl.col("line_no").first(), pl.col("message").first())
    )


def parse_dumps(
    dumps: pl.DataFrame, listing_year: int | None = None, today: date | None = None
) -> ParsedDumps:
    """Parse decoded dumps (see `etl.extract.read_dumps`) into entries and per-file status."""
    today = clock.today() if today is None else today
    lines = _lines(dumps.filter(pl.col("text").is_not_null()))
    listing, header_errors = _locate_listing(lines)
    body = lines.join(listing.select("file_id", "listing_idx"), on="file_id", maintain_order="left").filter(
        pl.col("idx") > pl.col("listing_idx")
    )
    body = _classify(body)
    heads = _card_heads(body)
    card_dates = _card_date_parts(body)
    files = _listing_years(
        dumps.select("file_id", "file_name", "modified_date").join(listing, on="file_id", how="left"),
        card_dates,
        listing_year,
    ).with_columns(
        listing_date=_to_date(pl.col("listing_year"), pl.col("listing_month"), pl.col("listing_day"))
    )
    card_dates = _resolve_card_dates(card_dates, files)
    errors = pl.concat([_parse_errors(body, heads, card_dates, files, today), header_errors])
    files = _file_errors(files, _first_error_per_file(errors), dumps)
    good = files.filter(pl.col("error").is_null()).select("file_id", "file_name", "listing_date")
    entries = _assemble_entries(
        body.join(good, on="file_id", how="semi"),
        heads.join(good, on="file_id", how="semi"),
        card_dates,
        good,
    )
    return ParsedDumps(entries=entries, files=_file_rows(files, entries, card_dates, today))


def _card_heads(body: pl.DataFrame) -> pl.DataFrame:
    """The first line of each card: its author count and organization."""
    return (
        body.filter(pl.col("role") == "card_head")
        .select(
            "file_id",
            "entry",
            "idx",
            "line_no",
            authors_text=pl.col("line").str.extract(AUTHORS_RE, 1),
            org=pl.col("line").str.extract_groups(ORGANIZATION_RE),
        )
        .with_columns(authors=pl.col("authors_text").cast(pl.Int32, strict=False))
    )


def _card_date_parts(body: pl.DataFrame) -> pl.DataFrame:
    """Each card's date line, split into its printed parts (month, day, year if printed, upvotes)."""
    card_dates = body.filter(pl.col("role") == "card_date").with_columns(
        parts=pl.col("line").str.extract_groups(CARD_DATE_RE)
    )
    return card_dates.select(
        "file_id",
        "entry",
        "line_no",
        card_date_text=pl.col("parts").struct.field("1"),
        card_month=_month_number(pl.col("parts").struct.field("2")),
        card_day=pl.col("parts").struct.field("3").cast(pl.Int32),
        printed_year=pl.col("parts").struct.field("4").cast(pl.Int32),
        upvotes_text=pl.col("parts").struct.field("5"),
    )


def _resolve_card_dates(card_dates: pl.DataFrame, files: pl.DataFrame) -> pl.DataFrame:
    """Card dates with their year and the upvotes as a number.

    A year-less card date is on or before the listing date: the listing year or the year before.
    """
    listing_key = pl.col("listing_month") * 100 + pl.col("listing_day")
    year_before = (pl.col("card_month") * 100 + pl.col("card_day") > listing_key) | (
        (pl.col("card_month") == 2) & (pl.col("card_day") == 29) & ~_is_leap(pl.col("listing_year"))
    )
    return card_dates.join(
        files.select("file_id", "listing_year", "listing_month", "listing_day"), on="file_id"
    ).with_columns(
        card_date=_to_date(
            pl.coalesce(
                "printed_year",
                pl.when(year_before).then(pl.col("listing_year") - 1).otherwise(pl.col("listing_year")),
            ),
            pl.col("card_month"),
            pl.col("card_day"),
        ),
        upvotes=pl.when(pl.col("upvotes_text").is_null())
        .then(0)
        .otherwise(pl.col("upvotes_text").cast(pl.Int32, strict=False)),
    )


def _parse_errors(
    body: pl.DataFrame, heads: pl.DataFrame, card_dates: pl.DataFrame, files: pl.DataFrame, today: date
) -> pl.DataFrame:
    """Every problem found, as (file_id, line_no, message): lines, counts, dates, repeated cards, headers."""
    return pl.concat(
        [
            _line_errors(body),
            heads.filter(pl.col("authors_text").is_not_null() & pl.col("authors").is_null()).select(
                "file_id",
                "line_no",
                message=pl.format(
                    "author count {} is out of range (at most {})", "authors_text", pl.lit(INT32_MAX)
                ),
            ),
            card_dates.select("file_id", "line_no", message=_card_problem(today)).filter(
                pl.col("message").is_not_null()
            ),
            heads.filter(pl.col("entry").is_duplicated().over("file_id"))
            .filter(pl.col("idx") != pl.col("idx").min().over("file_id", "entry"))
            .select("file_id", "line_no", message=pl.lit("a second card for the same entry")),
            files.filter(pl.col("listing_idx").is_not_null())
            .select("file_id", line_no="listing_line_no", message=_listing_problem(today))
            .filter(pl.col("message").is_not_null()),
        ]
    )


def _file_errors(files: pl.DataFrame, first_error: pl.DataFrame, dumps: pl.DataFrame) -> pl.DataFrame:
    """Each file with the one reason it is refused, if any: unreadable, its first bad line, or no header."""
    header_error = pl.format(
        "{}: not a Daily Papers dump: no page header with a listing date such as 'Nov 4' "
        "in its first {} non-blank lines",
        "file_name",
        pl.lit(MAX_HEADER_LINES),
    )
    files = files.join(first_error, on="file_id", how="left").join(
        dumps.select("file_id", read_error="error"), on="file_id"
    )
    return files.with_columns(
        error=pl.when(pl.col("read_error").is_not_null())
        .then(pl.format("{}: {}", "file_name", "read_error"))
        .when(pl.col("message").is_not_null())
        .then(pl.format("{}, line {}: {}", "file_name", "line_no", "message"))
        .when(pl.col("listing_idx").is_null())
        .then(header_error)
    )


def _file_rows(
    files: pl.DataFrame, entries: pl.DataFrame, card_dates: pl.DataFrame, today: date
) -> pl.DataFrame:
    """The per-file result: listing date and entry count if accepted, else the error and a recheck day."""
    counts = entries.group_by("file_id").agg(entries=pl.len().cast(pl.Int32))
    accepted = pl.col("error").is_null()
    return (
        files.join(counts, on="file_id", how="left")
        .join(_recheck_dates(files, card_dates, today), on="file_id", how="left")
        .select(
            "file_id",
            # A refused dump has no listing date: the one resolved may be the very thing that is wrong.
            listing_date=pl.when(accepted).then(pl.col("listing_date")),
            listing_year_rule="listing_year_rule",
            entries=pl.when(accepted).then(pl.col("entries").fill_null(0)),
            error="error",
            recheck_on=pl.when(~accepted).then(pl.col("recheck_on")),
        )
        .sort("file_id")
    )


def _recheck_dates(files: pl.DataFrame, card_dates: pl.DataFrame, today: date) -> pl.DataFrame:
    """Per file with a date after today: the day on which that date stops being in the future.

    A dump refused only for its future dates is then read again (a wrong clock, a time zone).
    """
    latest = today + CLOCK_SKEW
    future = pl.concat(
        [
            files.select("file_id", day=pl.col("listing_date")),
            card_dates.select("file_id", day=pl.col("card_date")),
        ]
    ).filter(pl.col("day") > latest)
    return future.group_by("file_id").agg(recheck_on=pl.col("day").max() - pl.duration(days=CLOCK_SKEW.days))


def _assemble_entries(
    body: pl.DataFrame, heads: pl.DataFrame, card_dates: pl.DataFrame, good: pl.DataFrame
) -> pl.DataFrame:
    """Join titles, abstracts and card lines into one row per entry."""
    key = ["file_id", "entry"]
    texts = body.filter(pl.col("role") == "text")
    titles = texts.filter(pl.col("is_title")).select(*key, title_line="line_no", title=nfc(pl.col("line")))
    abstracts = texts.filter(~pl.col("is_title")).select(*key, abstract=nfc(pl.col("line")))
    heads = heads.select(
        *key,
        has_card=pl.lit(True),
        author_count="authors",
        organization_handle=pl.when(pl.col("authors").is_null()).then(pl.col("org").struct.field("1")),
        organization_name=pl.when(pl.col("authors").is_null()).then(nfc(pl.col("org").struct.field("2"))),
    )
    dates = card_dates.join(good, on="file_id", how="semi").select(
        *key, "card_date_text", "card_date", "upvotes"
    )
    return (
        titles.join(abstracts, on=key, how="left")
        .join(heads.unique(key, keep="first"), on=key, how="left")
        .join(dates.unique(key, keep="first"), on=key, how="left")
        .join(good, on="file_id")
        .with_columns(position=pl.col("entry") + 1, has_card=pl.col("has_card").fill_null(False))
        .select(list(ENTRY_SCHEMA))
        .cast(ENTRY_SCHEMA)
        .sort("file_id", "position")
    )
