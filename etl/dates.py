"""The conformed date dimension."""

from __future__ import annotations

import polars as pl

DATE_DIMENSION_SCHEMA = {
    "date_id": pl.Int32,
    "date": pl.Date,
    "year": pl.Int16,
    "quarter": pl.Int16,
    "month": pl.Int16,
    "month_name": pl.String,
    "day": pl.Int16,
    "day_of_week": pl.Int16,
    "day_name": pl.String,
    "iso_year": pl.Int16,
    "iso_week": pl.Int16,
    "year_month": pl.String,
    "is_weekend": pl.Boolean,
}


def date_id(expr: pl.Expr) -> pl.Expr:
    """The YYYYMMDD integer key of a date expression."""
    year, month, day = (part.cast(pl.Int32) for part in (expr.dt.year(), expr.dt.month(), expr.dt.day()))
    return year * 10000 + month * 100 + day


def date_dimension(dates: pl.Series) -> pl.DataFrame:
    """One dimension row per distinct non-null date."""
    day = pl.col("date")
    frame = pl.DataFrame({"date": dates.cast(pl.Date)}).drop_nulls().unique().sort("date")
    return frame.select(
        date_id=date_id(day),
        date=day,
        year=day.dt.year(),
        quarter=day.dt.quarter(),
        month=day.dt.month(),
        month_name=day.dt.strftime("%B"),
        day=day.dt.day(),
        day_of_week=day.dt.weekday(),
        day_name=day.dt.strftime("%A"),
        iso_year=day.dt.iso_year(),
        iso_week=day.dt.week(),
        year_month=day.dt.strftime("%Y-%m"),
        is_weekend=day.dt.weekday() >= 6,
    ).cast(DATE_DIMENSION_SCHEMA)
