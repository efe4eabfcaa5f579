"""Steps of SQL that describe themselves: the merge's (`sql/merge/`), read by `etl.merge`.

A step is one file, `sql/<folder>/<order>_<name>.sql`, run in order. It opens with a comment:
prose first (what the step does and why, at least one line), then the fields the runner needs,
one per line, as the last lines of that comment:

    -- <prose: what the step does and why>
    -- creates: released_papers
    -- reads: orphan_papers, changed_texts
    -- skipped unless: released

The vocabulary (each key at most once; lists are comma-separated; a step may have no field):

    creates: t, ...       the temporary tables the step creates (`CREATE TEMP TABLE t`), exactly
                          those; each is read by a later step, and all are dropped after the merge
    reads: t, ...         the temporary tables of earlier steps that the step's SQL names, exactly those
    binds: p, ...         the parameters the SQL binds (`:p`), exactly those; each one the runner
                          supplies (`etl.merge.BINDS`)
    skipped unless: c     run only when the counts step's counts for condition `c` are not all zero
                          (`etl.merge.SKIP_UNLESS`: released, unloaded); comes after the counts step
    yields: counts        a SELECT of (what, count) pairs the runner reads; exactly one step
    then: retext          after this step the runner extracts the links and keywords of the papers
                          that now show a text the batch did not extract (`stg_retext_*`); exactly
                          one step, before any step that names `stg_retext_`

Anything else is an error when the step list is loaded, as is a table or parameter the fields and
the SQL disagree on. The order is a number with an optional lowercase letter, compared as
(number, letter): a step goes between `27_count_changes` and `28_create_released_papers` as
`27a_<name>.sql`, renaming nothing. Code and tests name a step by its name alone
(`count_changes`), never by its order. A dialect's own text, `sql/<folder>/<dialect>/<file>.sql`
(`etl.sql`), replaces its shared twin's SQL and declares the same fields.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from etl.sql import SQL_DIR

YIELDS = frozenset({"counts"})
THEN = frozenset({"retext"})
_LISTS = ("creates", "reads", "binds")
_SINGLES = ("skipped unless", "yields", "then")
_FILE = re.compile(r"(\d+)([a-z]?)_([a-z][a-z0-9_]*)")
_FIELD = re.compile(r"-- ([a-z]+(?: [a-z]+)*): (.*)")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_TEMP = re.compile(r"\bCREATE\s+TEMP(?:ORARY)?\s+TABLE\s+(\w+)", re.IGNORECASE)
_BIND = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
_RETEXT_STAGED = re.compile(r"\bstg_retext_")


class StepError(ValueError):
    """A step file whose name, header or SQL breaks the rules above."""


@dataclass(frozen=True)
class Step:
    """One statement, its file `<file>.sql` (`<order>_<name>`), with its header's fields."""

    name: str
    file: str
    sql: str
    binds: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    skipped_unless: str | None = None
    yields: str | None = None
    then: str | None = None


def _order(file: str) -> tuple[int, str]:
    match = _FILE.fullmatch(file)
    if match is None:
        raise StepError(f"{file}.sql: a step file is named <number>[<letter>]_<name>.sql")
    return int(match[1]), match[2]


def _split(file: str, sql: str) -> tuple[dict[str, str], str]:
    """The header's fields (key → raw value), and the SQL without the leading comment."""
    lines = sql.splitlines()
    block = 0
    while block < len(lines) and lines[block].startswith("--"):
        block += 1
    start = block
    while start > 0 and _FIELD.fullmatch(lines[start - 1]):
        start -= 1
    if start == 0:
        raise StepError(f"{file}.sql: no header comment saying what the step does")
    fields: dict[str, str] = {}
    for line in lines[start:block]:
        match = _FIELD.fullmatch(line)
        assert match is not None
        key, value = match[1], match[2].strip()
        if key not in _LISTS and key not in _SINGLES:
            raise StepError(f"{file}.sql: unknown header key {key!r}")
        if key in fields:
            raise StepError(f"{file}.sql: header key {key!r} given twice")
        fields[key] = value
    return fields, "\n".join(lines[block:])


def _names(file: str, key: str, value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(","))
    for name in names:
        if not _NAME.fullmatch(name):
            raise StepError(f"{file}.sql: {key}: {name!r} is not a name")
    if len(set(names)) != len(names):
        raise StepError(f"{file}.sql: {key}: a name given twice")
    return names


def parse_step(file: str, sql: str) -> Step:
    """The step of `<file>.sql` holding `sql`: its fields read, its SQL checked against them alone."""
    _order(file)
    fields, body = _split(file, sql)
    lists = {key: _names(file, key, fields[key]) if key in fields else () for key in _LISTS}
    step = Step(
        name=file.split("_", 1)[1],
        file=file,
        sql=sql,
        binds=lists["binds"],
        creates=lists["creates"],
        reads=lists["reads"],
        skipped_unless=fields.get("skipped unless"),
        yields=fields.get("yields"),
        then=fields.get("then"),
    )
    if step.yields is not None and step.yields not in YIELDS:
        raise StepError(f"{file}.sql: yields: {step.yields!r} is not one of {sorted(YIELDS)}")
    if step.then is not None and step.then not in THEN:
        raise StepError(f"{file}.sql: then: {step.then!r} is not one of {sorted(THEN)}")
    bound = set(_BIND.findall(body))
    if bound != set(step.binds):
        raise StepError(f"{file}.sql: binds: declares {sorted(step.binds)}, the SQL binds {sorted(bound)}")
    created = _TEMP.findall(body)
    if sorted(created) != sorted(step.creates):
        raise StepError(
            f"{file}.sql: creates: declares {sorted(step.creates)}, the SQL creates {sorted(created)}"
        )
    return step


def _check_flow(
    steps: tuple[Step, ...], binds: Collection[str], conditions: Mapping[str, Iterable[str]]
) -> None:
    """Check what passes between the steps: temp tables, counts, the retext point, the binds."""
    creator: dict[str, int] = {}
    for index, step in enumerate(steps):
        for table in step.creates:
            if table in creator:
                raise StepError(
                    f"{step.file}.sql: creates: {table} is created by {steps[creator[table]].file} too"
                )
            creator[table] = index
    counts = [i for i, s in enumerate(steps) if s.yields == "counts"]
    retext = [i for i, s in enumerate(steps) if s.then == "retext"]
    if len(counts) != 1 or len(retext) != 1:
        raise StepError(
            f"exactly one step yields: counts and one has then: retext (found {len(counts)}, {len(retext)})"
        )
    for index, step in enumerate(steps):
        body = _split(step.file, step.sql)[1]
        named = {t for t in creator if re.search(rf"\b{t}\b", body)}
        for table in named:
            if creator[table] > index:
                raise StepError(
                    f"{step.file}.sql: names {table} before {steps[creator[table]].file} creates it"
                )
        earlier = {t for t in named if creator[t] < index}
        if earlier != set(step.reads):
            raise StepError(
                f"{step.file}.sql: reads: declares {sorted(step.reads)}, the SQL reads {sorted(earlier)}"
            )
        for name in step.binds:
            if name not in binds:
                raise StepError(
                    f"{step.file}.sql: binds: the runner supplies no {name!r} (only {sorted(binds)})"
                )
        if step.skipped_unless is not None:
            if step.skipped_unless not in conditions:
                raise StepError(
                    f"{step.file}.sql: skipped unless: {step.skipped_unless!r} is not one of {sorted(conditions)}"
                )
            if index < counts[0]:
                raise StepError(f"{step.file}.sql: skipped unless: comes before the counts step")
        if _RETEXT_STAGED.search(body) and index <= retext[0]:
            raise StepError(
                f"{step.file}.sql: names stg_retext_ tables, staged only after {steps[retext[0]].file}"
            )
    for table, index in creator.items():
        if not any(table in s.reads for s in steps[index + 1 :]):
            raise StepError(f"{steps[index].file}.sql: creates: {table}, which no later step reads")
    counted = _split(steps[counts[0]].file, steps[counts[0]].sql)[1]
    for condition, names in conditions.items():
        for name in names:
            if f"'{name}'" not in counted:
                raise StepError(
                    f"{steps[counts[0]].file}.sql: yields no count {name!r} (skipped unless: {condition})"
                )


def parse_steps(
    texts: Mapping[str, str],
    *,
    binds: Collection[str],
    conditions: Mapping[str, Iterable[str]],
    overrides: Mapping[str, str] | None = None,
) -> tuple[Step, ...]:
    """The steps of the files `texts` (file name without `.sql` → text), in order, with `overrides`
    (a dialect's own texts, by the same file names) in place of their shared twins.

    `binds` are the parameters the runner supplies; `conditions` maps each `skipped unless:`
    condition to the counts that must not all be zero for the step to run.
    """
    shared = tuple(parse_step(f, texts[f]) for f in sorted(texts, key=_order))
    names = [s.name for s in shared]
    orders = [_order(s.file) for s in shared]
    for seen in (names, orders):
        twice = sorted({str(x) for x in seen if seen.count(x) > 1})
        if twice:
            raise StepError(f"two step files share a name or an order: {twice}")
    _check_flow(shared, binds, conditions)
    if not overrides:
        return shared
    unknown = set(overrides) - set(texts)
    if unknown:
        raise StepError(f"a dialect's own text has no shared twin: {sorted(unknown)}")
    steps = []
    for step in shared:
        if step.file not in overrides:
            steps.append(step)
            continue
        own = parse_step(step.file, overrides[step.file])
        if replace(own, sql="") != replace(step, sql=""):
            raise StepError(
                f"{step.file}.sql: a dialect's own text declares other fields than its shared twin"
            )
        steps.append(own)
    _check_flow(tuple(steps), binds, conditions)
    return tuple(steps)


def _texts(folder) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        entry.name.removesuffix(".sql"): entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".sql") and entry.is_file()
    }


def load_steps(
    folder: str, dialect: str, *, binds: Collection[str], conditions: Mapping[str, Iterable[str]]
) -> tuple[Step, ...]:
    """The steps of `sql/<folder>/` for `dialect` (see `parse_steps`); raises `StepError`."""
    return parse_steps(
        _texts(SQL_DIR / folder),
        binds=binds,
        conditions=conditions,
        overrides=_texts(SQL_DIR / folder / dialect),
    )


def temp_tables(steps: Iterable[Step]) -> tuple[str, ...]:
    """The temporary tables `steps` create, in the order they are created."""
    return tuple(table for step in steps for table in step.creates)
