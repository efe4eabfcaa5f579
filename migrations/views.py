"""Views as replaceable objects (Alembic cookbook): each revision pins the SQL text it applies.

A revision that creates or changes views declares `VIEWS = {name: sql}` (in dependency
order) and calls `apply_views(VIEWS)`; its downgrade calls `restore_views(down_revision, VIEWS)`,
which puts back the text the nearest earlier revision applied, or drops a view that is new.
Editing `sql/views/<name>.sql` therefore never changes an old migration: a new one pins the new text.
"""

from __future__ import annotations

from alembic import context, op


def apply_views(views: dict[str, str]) -> None:
    """Create or replace each view with its pinned text."""
    for name, sql in views.items():
        op.execute(f"CREATE OR REPLACE VIEW {name} AS\n{sql}")  # vetted identifier, pinned SQL


def view_text_at(revision: str | None, name: str) -> str | None:
    """The text of view `name` as of `revision`, walking down the revision history."""
    scripts = context.script
    while revision is not None:
        script = scripts.get_revision(revision)
        text = getattr(script.module, "VIEWS", {}).get(name)
        if text is not None:
            return text
        revision = script.down_revision  # linear history
    return None


def restore_views(down_revision: str | None, views: dict[str, str]) -> None:
    """Undo `apply_views(views)`: restore each view's earlier text, or drop it."""
    previous = {name: view_text_at(down_revision, name) for name in views}
    for name in reversed(list(views)):
        if previous[name] is None:
            op.execute(f"DROP VIEW IF EXISTS {name}")
    apply_views({name: text for name, text in previous.items() if text is not None})
