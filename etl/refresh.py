"""A full refresh's paper figures: the papers before it compared with those after, not what each batch staged.

A refresh empties every table in its first transaction, so each batch sees every paper as new;
the keys held before are kept in a temporary table of the load's one connection instead.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from etl.sql import sql_file


def remember_papers(connection: Connection) -> None:
    """Keep the keys of the papers the warehouse holds, for `compare_papers` (inside the refresh's first transaction)."""
    connection.execute(text(sql_file("refresh", "forget_papers")))
    connection.execute(text(sql_file("refresh", "remember_papers")))


def compare_papers(connection: Connection) -> tuple[int, int, int]:
    """(new, already known, removed) papers since `remember_papers`, which it then forgets."""
    with connection.begin():
        new, known, removed = connection.execute(text(sql_file("refresh", "compare_papers"))).one()
        connection.execute(text(sql_file("refresh", "forget_papers")))
    return int(new), int(known), int(removed)
