"""Any sequence of incremental loads gives the tables of one fresh load of the dumps they hold.

A hypothesis state machine changes a small folder (add, change, revert, rename and remove dumps)
and loads it after every change, with or without pruning. The dumps list three papers whose
sightings differ in title case and spacing, organization name, link case and card fields, so
every field drawn from "the most recent sighting" changes as sightings come and go.

What the warehouse must hold: the dumps the loads have kept, which are the folder's dumps plus,
as no prune removed them, the last loaded version of each dump deleted since the last prune
(a load without `--prune` keeps a deleted dump's sightings), and for a version held back as
suspect (fewer entries than its predecessor), the predecessor. The machine keeps a copy of those
(`held`, with their modification times), and after every load the warehouse must equal a fresh
load of that copy: every table, `source_files` only in its loaded versions (`warehouse_state`:
superseded and removed versions are history a fresh load cannot have). The fresh load is a full
refresh of a second warehouse of the same engine, which empties every table first.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine

from etl.checks import audit
from etl.merge import clear_warehouse
from etl.pipeline import load_folder
from tests.conftest import dump_text, fresh_warehouse, warehouse_state, write_dump

TODAY = date(2026, 12, 1)  # the `clock` fixture's
NAMES = ("2025-01-01_a.txt", "2025-01-01_b.txt", "2025-01-01_c.txt")
LISTINGS = ("Jan 1", "Jan 2", "Jan 3")
TITLES = ("Net{p}: Learning Things", "NET{p}: LEARNING THINGS", "net{p}:  learning things")
ABSTRACTS = (
    "We study thing {p}. Code at https://github.com/Org/Repo{p}.",
    "We study  thing {p}. Code at https://github.com/org/repo{p}.",
    "WE STUDY THING {p}. CODE AT https://github.com/ORG/REPO{p}.",
)
CARD_LINES = ("• 3 authors", "• 4 authors", "acme ACME Inc", "acme ACME Corp", "beta Beta Lab")
CARD_DATES = ("Jan 1", "Dec 30", "Jan 2, 2024")
UPVOTES = ("", " 3", " 7")

cards = st.none() | st.tuples(
    st.sampled_from(CARD_LINES), st.sampled_from(CARD_DATES), st.sampled_from(UPVOTES)
)
entries = st.builds(
    lambda p, t, a, card: (
        TITLES[t].format(p=p)
        + "\n\n"
        + ABSTRACTS[a].format(p=p)
        + ("" if card is None else f"\n\n{card[0]}\n·\n{card[1]}{card[2]}")
    ),
    st.integers(0, 2),
    st.integers(0, len(TITLES) - 1),
    st.integers(0, len(ABSTRACTS) - 1),
    cards,
)
dumps = st.builds(
    lambda listing, blocks: dump_text(listing, blocks),
    st.sampled_from(LISTINGS),
    st.lists(entries, max_size=3),
)


class FolderLoads(RuleBasedStateMachine):
    """Folder changes, each followed by a load; the warehouse is compared with a fresh load after each."""

    engine: Engine
    fresh: Engine
    root: Path

    @initialize()
    def start(self) -> None:
        self.raw, self.held = self.root / "raw", self.root / "held"
        for folder in (self.raw, self.held):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        with self.engine.begin() as connection:
            clear_warehouse(connection)

    def load(self, prune: bool) -> None:
        report = load_folder(self.raw, self.engine, prune=prune, batch_bytes=1)  # one dump per batch
        # A version with fewer entries than its loaded predecessor is held back (a cut
        # download?): the warehouse keeps the predecessor, so the copy does too.
        suspect = {r["file"] for r in report.files_suspect}
        if prune:
            for path in self.held.iterdir():
                if path.name not in suspect:
                    path.unlink()
        for path in self.raw.iterdir():
            if path.name not in suspect:
                shutil.copy2(path, self.held / path.name)

    @rule(name=st.sampled_from(NAMES), content=dumps, prune=st.booleans())
    def write(self, name: str, content: str, prune: bool) -> None:
        write_dump(self.raw, name, content)
        self.load(prune)

    @rule(name=st.sampled_from(NAMES), prune=st.booleans())
    def remove(self, name: str, prune: bool) -> None:
        (self.raw / name).unlink(missing_ok=True)
        self.load(prune)

    @rule(old=st.sampled_from(NAMES), new=st.sampled_from(NAMES), prune=st.booleans())
    def rename(self, old: str, new: str, prune: bool) -> None:
        if (self.raw / old).exists():
            (self.raw / old).rename(self.raw / new)
        self.load(prune)

    @invariant()
    def equals_a_fresh_load(self) -> None:
        load_folder(
            self.held, self.fresh, full_refresh=True, accept_shrink=True
        )  # every held version as it is
        assert warehouse_state(self.engine) == warehouse_state(self.fresh)
        with self.engine.connect() as connection:
            broken = {name: o.details for name, o in audit(connection, TODAY).items() if not o.passed}
            connection.rollback()
        assert broken == {}  # and `paperhouse check` finds nothing wrong


def test_incremental_loads_equal_a_fresh_load(engine, tmp_path, clock):
    with fresh_warehouse(engine.dialect.name, tmp_path) as fresh:
        FolderLoads.engine, FolderLoads.fresh, FolderLoads.root = engine, fresh, tmp_path / "folders"
        run_state_machine_as_test(
            FolderLoads,
            settings=settings(
                max_examples=8,  # about 50 loads and as many fresh loads: seconds, not minutes
                stateful_step_count=5,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
