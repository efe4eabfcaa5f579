"""The benchmark: the whole pipeline on a generated corpus, stage by stage, beside its comparisons.

    python -m bench.run [--size-mb 100] [--batch-mb 32] [--workdir /tmp/paperhouse-bench] [--skip bare,dlt,baseline]
                        [--engine postgresql]

In one run, each in a fresh process and on the same machine state, so that ratios hold:
  * ours: every stage (read, parse, dedupe, links, keywords, assemble, load, views) with seconds,
    MB/s, entries/s and peak RSS (`bench.measure`);
  * the I/O floor: `cat` of the corpus (warm page cache, as the pipeline reads it);
  * the bare pipeline (`bench.bare`): a line-based Polars parse, alone and then with each title
    and abstract written once into a fresh DuckDB file in one transaction (no links, keywords
    or checks), against our read + parse + identify + links alone (`bench.parse_alone`) and
    our whole load: the two ratios the targets are set in;
  * dlt: the same staging frames, saved as Parquet, merged into DuckDB by dlt (`bench.dlt_merge`)
    and by our loader (`bench.load_frames`), both timed alone (in the pipeline our load stage
    shares the cores with the next batch's transform); the stored results are compared after
    one dump is re-saved with new content; the saved papers also go through keyword
    extraction alone (`bench.keywords_alone`);
  * the baseline: a Python line loop with SQLAlchemy ORM inserts (`bench.baseline`) on the
    first 10 MB, extrapolated linearly when the corpus is larger.
Corpora are generated once per size and kept in --workdir.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from bench.dlt_merge import DATASET, PRIMARY_KEYS
from bench.generate import ENTRIES_PER_DUMP, dumps_for, generate
from etl.settings import Settings

BASELINE_MB = 10
MB = 1e6


def corpus(workdir: Path, size_mb: float) -> Path:
    """The generated corpus of about `size_mb` megabytes (made once, then reused)."""
    folder = workdir / f"corpus_{size_mb:g}mb"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, dumps_for(size_mb), ENTRIES_PER_DUMP, repeat_rate=0.1, seed=7)
        done.touch()
    return folder


def changed_version(folder: Path, out: Path) -> Path:
    """A new version of the corpus's last dump: same name, other papers (it was re-saved later)."""
    last = sorted(folder.glob("*.txt"))[-1]
    fresh = generate(out, 1, ENTRIES_PER_DUMP, repeat_rate=0.0, seed=12345, first_serial=10**9)[0]
    return fresh.rename(out / last.name)


def _python(module: str, *args: str) -> dict:
    """Run `python -m module args` in a fresh process; return the JSON object it prints last."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def io_floor(folder: Path) -> float:
    """Seconds for `cat` to read every dump (second pass: warm page cache, like the pipeline's read)."""
    files = [str(p) for p in sorted(folder.glob("*.txt"))]
    seconds = 0.0
    for _ in range(2):
        started = time.perf_counter()
        subprocess.run(["cat", *files], stdout=subprocess.DEVNULL, check=True)
        seconds = time.perf_counter() - started
    return seconds


def compare_stores(ours: Path, dlt_db: Path) -> dict[str, dict[str, int]]:
    """Per table: rows (by primary key) only in our warehouse, and only in dlt's."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{ours}' AS ours (READ_ONLY)")  # paths of this benchmark's own workdir
    con.execute(f"ATTACH '{dlt_db}' AS dlt (READ_ONLY)")
    diff = {}
    for table, keys in PRIMARY_KEYS.items():
        cols = ", ".join(keys)
        only_ours = f"SELECT {cols} FROM ours.main.{table} EXCEPT SELECT {cols} FROM dlt.{DATASET}.{table}"
        only_dlt = f"SELECT {cols} FROM dlt.{DATASET}.{table} EXCEPT SELECT {cols} FROM ours.main.{table}"
        diff[table] = {
            "only_ours": con.execute(f"SELECT count(*) FROM ({only_ours})").fetchone()[0],
            "only_dlt": con.execute(f"SELECT count(*) FROM ({only_dlt})").fetchone()[0],
        }
    stale = con.execute(
        f"""SELECT count(*) FROM dlt.{DATASET}.paper_appearances a
            WHERE a.file_id IN (SELECT file_id FROM ours.main.source_files WHERE status <> 'loaded')"""
    ).fetchone()[0]
    orphans = con.execute(
        f"""SELECT count(*) FROM dlt.{DATASET}.papers p WHERE p.paper_id NOT IN (
                SELECT a.paper_id FROM dlt.{DATASET}.paper_appearances a
                JOIN ours.main.source_files f USING (file_id) WHERE f.status = 'loaded')"""
    ).fetchone()[0]
    con.close()
    return {"tables": diff, "dlt_stale_sightings": stale, "dlt_papers_without_current_sighting": orphans}


def _row(label: str, seconds: float, mb: float, entries: int, rss: int | None) -> str:
    rate = f"{mb / seconds:9.1f}" if seconds else f"{'-':>9}"
    per = f"{entries / seconds:12,.0f}" if seconds else f"{'-':>12}"
    memory = f"{rss / 2**20:9,.0f}" if rss else f"{'':>9}"
    return f"{label:<34}{seconds:9.2f}{rate}{per}{memory}"


def report(results: dict) -> str:
    """The human-readable table of one benchmark run."""
    ours = results["ours"]
    mb, entries = ours["corpus_bytes"] / MB, ours["entries"]
    lines = [
        f"corpus: {mb:,.1f} MB, {ours['dumps']:,} dumps, {entries:,} entries, {ours['papers']:,} papers; "
        f"batches of {ours['batch_bytes'] / MB:g} MB; warehouse {ours['warehouse_bytes'] / MB:,.0f} MB",
        f"{'':<34}{'seconds':>9}{'MB/s':>9}{'entries/s':>12}{'peak MiB':>9}",
    ]
    for name, stage in ours["stages"].items():
        lines.append(_row(f"  {name}", stage["seconds"], mb, entries, stage["peak_rss"]))
    lines.append(_row("ours, total", ours["total_seconds"], mb, entries, ours["peak_rss"]))
    lines.append(_row("I/O floor: cat", results["cat_seconds"], mb, entries, None))
    if "bare" in results:
        bare, parse_only, alone = results["bare"], results["bare_parse"], results["parse_alone"]
        lines.append(
            _row(
                "bare parse (Polars lines)", parse_only["parse_seconds"], mb, entries, parse_only["peak_rss"]
            )
        )
        lines.append(
            _row("our read+parse+dedupe+links alone", alone["total_seconds"], mb, entries, alone["peak_rss"])
        )
        lines.append(
            f"  ratio to the bare parse: {alone['total_seconds'] / parse_only['parse_seconds']:.2f}x"
        )
        lines.append(
            _row("bare pipeline (parse + texts once)", bare["total_seconds"], mb, entries, bare["peak_rss"])
        )
        lines.append(
            f"  ours, total, to the bare pipeline: {ours['total_seconds'] / bare['total_seconds']:.2f}x"
        )
    fifths = " / ".join(f"{rss / 2**20:,.0f}" for rss in ours["peak_rss_by_fifth"])
    lines.append(f"peak RSS so far, after each fifth of the corpus: {fifths} MiB")
    keyword_seconds = ours["stages"]["keywords"]["seconds"]
    keywords = (
        f"keywords: {ours['batch_papers'] / keyword_seconds:,.0f} papers/s in the pipeline (beside the merge)"
    )
    if "keywords_alone" in results:
        alone = results["keywords_alone"]
        keywords += (
            f"; {alone['papers_per_second']:,.0f} papers/s alone, over the same {alone['papers']:,} papers"
        )
    lines.append(keywords)
    if "dlt" in results:
        dlt, alone = results["dlt"], results["ours_frames"]
        ratio = dlt["seconds"] / alone["seconds"]
        lines.append(_row("our merge of the saved frames", alone["seconds"], mb, entries, alone["peak_rss"]))
        lines.append(_row("dlt merge of the same frames", dlt["seconds"], mb, entries, dlt["peak_rss"]))
        lines.append(f"  our merge is {ratio:.2f}x faster than dlt's merge of the same frames")
        check = results["stores"]
        lines.append(
            "  after one dump is re-saved with new content: dlt keeps "
            f"{check['dlt_stale_sightings']:,} sightings of its replaced version and "
            f"{check['dlt_papers_without_current_sighting']:,} papers no current dump lists; ours keeps 0 of either"
        )
        for table, d in check["tables"].items():
            if d["only_ours"] or d["only_dlt"]:
                lines.append(
                    f"    {table}: {d['only_dlt']:,} rows only in dlt, {d['only_ours']:,} only in ours"
                )
    if "baseline" in results:
        base = results["baseline"]
        base_mb = base["corpus_bytes"] / MB
        scale = mb / base_mb
        lines.append(
            _row(
                f"baseline, measured on {base_mb:.1f} MB",
                base["total_seconds"],
                base_mb,
                base["entries"],
                base["peak_rss"],
            )
        )
        if scale > 1.05:
            lines.append(
                f"  baseline extrapolated linearly to {mb:,.0f} MB: {base['total_seconds'] * scale:,.0f} s"
            )
        ours_rate = mb / ours["total_seconds"]
        lines.append(f"  ours is {ours_rate / (base_mb / base['total_seconds']):.1f}x the baseline's MB/s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100)
    parser.add_argument("--batch-mb", type=float, default=Settings().batch_mb)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/paperhouse-bench"))
    parser.add_argument("--skip", default="", help="comma-separated: bare, dlt, baseline")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "postgresql"),
        default="duckdb",
        help="postgresql: also load the corpus into PostgreSQL beside DuckDB (bench.engines), "
        "at $PAPERHOUSE_BENCH_POSTGRES_URL (a URL of the server's admin database)",
    )
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    args.workdir.mkdir(parents=True, exist_ok=True)
    folder = corpus(args.workdir, args.size_mb)
    run_dir = args.workdir / f"run_{args.size_mb:g}mb"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    results: dict = {"cat_seconds": io_floor(folder)}
    measure_args = [str(folder), str(run_dir / "warehouse.duckdb"), "--batch-mb", str(args.batch_mb)]
    if "dlt" not in skip:
        changed = changed_version(folder, run_dir / "changed")
        measure_args += ["--frames", str(run_dir / "frames"), "--changed", str(changed)]
    results["ours"] = _python("bench.measure", *measure_args)
    if "bare" not in skip:
        results["bare_parse"] = _python("bench.bare", str(folder))
        results["parse_alone"] = _python("bench.parse_alone", str(folder), "--batch-mb", str(args.batch_mb))
        results["bare"] = _python("bench.bare", str(folder), "--load", str(run_dir / "bare.duckdb"))
    if "dlt" not in skip:
        timed = str(results["ours"]["batches"])
        results["ours_frames"] = _python(
            "bench.load_frames",
            str(run_dir / "frames"),
            str(run_dir / "frames.duckdb"),
            "--timed-batches",
            timed,
        )
        results["dlt"] = _python(
            "bench.dlt_merge", str(run_dir / "frames"), str(run_dir / "dlt.duckdb"), "--timed-batches", timed
        )
        results["stores"] = compare_stores(run_dir / "warehouse.duckdb", run_dir / "dlt.duckdb")
        results["keywords_alone"] = _python(
            "bench.keywords_alone", str(run_dir / "frames"), "--timed-batches", timed
        )
        shutil.rmtree(run_dir / "frames")
    if "baseline" not in skip:
        small = folder if args.size_mb <= BASELINE_MB else corpus(args.workdir, BASELINE_MB)
        results["baseline"] = _python("bench.baseline", str(small), str(run_dir / "baseline.duckdb"))
    if args.engine == "postgresql":
        admin = os.environ.get("PAPERHOUSE_BENCH_POSTGRES_URL")
        if not admin:
            parser.error("--engine postgresql needs PAPERHOUSE_BENCH_POSTGRES_URL")
        results["engines"] = _python("bench.engines", str(folder), "--postgres-url", admin)
    print(report(results))
    if "engines" in results:
        print("engines (paperhouse load, wall clock, median of 2 alternating rounds):")
        print(
            json.dumps(results["engines"]["median_seconds"])
            + "  postgresql/duckdb: "
            + json.dumps(results["engines"]["postgresql_over_duckdb"])
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
