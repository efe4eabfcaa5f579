"""Deterministic synthetic dumps in exactly the real format.

    python -m bench.generate OUT_DIR (--size-mb 100 | --dumps 500) [--entries 116] [--repeat-rate 0.1] [--seed 7]

The defaults give dumps like the real ones: about 200 KB and 116 entries each, so 1 GB is
about 5,000 dumps and 580,000 entries.

Every card shape appears (author count, organization line, year-less and dated card dates,
with and without an upvote count), as do URLs with the trailing punctuation and brackets real
abstracts glue to them. A share `repeat_rate` of entries repeats a paper of an earlier dump.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nbyAK and the research community\n\n"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WORDS = (
    "model models learning language large reasoning reinforcement reward policy training data dataset "
    "benchmark evaluation multimodal vision video image diffusion generation transformer attention "
    "agent agents planning retrieval augmented instruction tuning alignment preference optimization "
    "efficient scaling inference memory graph neural network robust adversarial privacy federated "
    "speech audio code program synthesis mathematical proof theorem chain thought supervision "
    "contrastive representation embedding token context window long sparse mixture experts"
).split()
STOP = "we the of a to and in for with on that by this our is are from as an".split()
URLS = (
    "https://github.com/{a}/{b}.",
    "https://{a}.github.io/{b}/.",
    "(https://github.com/{a}/{b})",
    "https://huggingface.co/{a}/{b}.",
    "https://arxiv.org/abs/24{n:02d}.{m:05d},",
    "https://{a}.github.io/{b}{{here}}.",
    "https://sites.google.com/view/{b}.",
    "https://www.youtube.com/watch?v={b};",
)
ENTRIES_PER_DUMP = 116
ABSTRACT_WORDS = 250  # about 1.7 KB per entry, like the real dumps
DUMP_BYTES = 200_000  # what one dump of ENTRIES_PER_DUMP entries weighs, about


def dumps_for(size_mb: float, entries: int = ENTRIES_PER_DUMP) -> int:
    """How many dumps of `entries` entries make about `size_mb` megabytes."""
    return max(1, round(size_mb * 1e6 / (DUMP_BYTES * entries / ENTRIES_PER_DUMP)))


ORGS = (
    ("nvidia", "NVIDIA"),
    ("qualcomm", "Qualcomm"),
    ("TIGER-Lab", "TIGER-Lab"),
    ("google", "Google DeepMind"),
)


# Drawing from one weighted pool with `random.choices` is ~20x faster than a draw per word:
# about a third of the words are stopwords, as in real abstracts.
POOL = WORDS * (len(STOP) * 13) + STOP * (len(WORDS) * 7)  # 65% content words, 35% stopwords


def _abstract_text(rng: random.Random, words: int) -> list[str]:
    """Sentences of 12 to 24 words drawn from the pool, about `words` words in all."""
    drawn = rng.choices(POOL, k=words)
    sentences, start = [], 0
    while start < len(drawn):
        end = start + rng.randint(12, 24)
        chunk = drawn[start:end]
        sentences.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
        start = end
    return sentences


def paper(rng: random.Random, serial: int, abstract_words: int) -> tuple[str, str]:
    """A title and an abstract, unique by `serial`."""
    name = "".join(rng.choices("ABCDEFGHIKLMNOPRSTVXZ", k=rng.randint(3, 6))) + f"{serial}"
    title = f"{name}: " + " ".join(w.capitalize() for w in rng.choices(WORDS, k=rng.randint(4, 9)))
    parts = _abstract_text(rng, abstract_words)
    if rng.random() < 0.25:
        url = rng.choice(URLS).format(
            a=f"lab{serial % 97}", b=f"{name.lower()}-{serial}", n=serial % 12 + 1, m=serial % 99999
        )
        parts.insert(rng.randint(0, len(parts)), f"Code: {url}")
    return title, " ".join(parts)


def card(rng: random.Random, year: int) -> str:
    """One of the card shapes of the real pages."""
    head = f"  • {rng.randint(1, 30)} authors" if rng.random() > 0.02 else "{} {}".format(*rng.choice(ORGS))
    month, day = rng.choice(MONTHS), rng.randint(1, 28)
    date = f"{month} {day}" if rng.random() < 0.5 else f"{month} {day}, {rng.randint(year - 8, year - 1)}"
    if rng.random() < 0.4:
        date += f" {rng.randint(1, 400)}"
    return f"{head}\n·\n{date}"


def generate(
    out: Path,
    dumps: int,
    entries: int,
    repeat_rate: float = 0.1,
    seed: int = 7,
    abstract_words: int = ABSTRACT_WORDS,
    first_serial: int = 0,
) -> list[Path]:
    """Write `dumps` files of `entries` entries each into `out`; return their paths."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    seen: list[tuple[str, str]] = []
    paths, serial = [], first_serial
    for d in range(dumps):
        # Listing dates cycle through 2022-2025: even 5 GB of dumps has none in the future, and
        # none before the site existed (the parser refuses both).
        month, day, year = d // 28 % 12 + 1, d % 28 + 1, 2022 + d // 336 % 4
        blocks = []
        for _ in range(entries):
            if seen and rng.random() < repeat_rate:
                title, abstract = rng.choice(seen)
            else:
                title, abstract = paper(rng, serial, abstract_words)
                serial += 1
                if len(seen) < 50_000:
                    seen.append((title, abstract))
            block = f"{title}\n\n{abstract}"
            if rng.random() < 0.6:
                block += "\n\n" + card(rng, year)
            blocks.append(block)
        path = out / f"{year:04d}-{month:02d}-{day:02d}_synthetic_{d:05d}.txt"
        path.write_text(
            HEADER + f"{MONTHS[month - 1]} {day}\n\n" + "\n\n".join(blocks) + "\n", encoding="utf-8"
        )
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    size = parser.add_mutually_exclusive_group(required=True)
    size.add_argument("--size-mb", type=float, help="about this many megabytes of dumps")
    size.add_argument("--dumps", type=int, help="exactly this many dumps")
    parser.add_argument("--entries", type=int, default=ENTRIES_PER_DUMP)
    parser.add_argument("--repeat-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    dumps = args.dumps or dumps_for(args.size_mb, args.entries)
    paths = generate(args.out, dumps, args.entries, args.repeat_rate, args.seed)
    print(f"{len(paths)} dumps, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
