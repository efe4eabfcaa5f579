"""Generate etl/lexicon's word tables and NOTICE from lemminflect and spacy-lookups-data.

Run once when a source or a rule changes, with the `lexicon` extra installed:
    python scripts/build_lexicon.py [OUTPUT_DIR]   (default: etl/lexicon)
The output is deterministic (sorted, LF, UTF-8); tests/etl/test_lexicon.py rebuilds it and compares bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import defaultdict
from importlib import metadata, resources
from pathlib import Path

from lemminflect.codecs.InflectionLUCodec import InflectionLUCodec

LEMMINFLECT = ("lemminflect", "0.2.3")
LOOKUPS = ("spacy-lookups-data", "1.0.5")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "etl" / "lexicon"

# One token: lowercase letters, optionally joined by single internal hyphens or apostrophes.
WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")

# Penn Treebank tags of lemminflect's inflections, and WordNet's parts of speech, as our letters.
PENN_LETTER = {
    **dict.fromkeys(("NN", "NNS"), "N"),
    **dict.fromkeys(("VB", "VBP"), "V"),
    "VBZ": "Z",
    **dict.fromkeys(("VBD", "VBN"), "D"),
    "VBG": "G",
    **dict.fromkeys(("JJ", "JJR", "JJS"), "A"),
    **dict.fromkeys(("RB", "RBR", "RBS"), "R"),
}
WORDNET_LETTER = {"noun": "N", "verb": "V", "adj": "A", "adv": "R"}

# Plurals with several singulars where lemminflect's preferred lemma is not the reading of technical
# text: coordinate axes (not axes of wood), the leaves of a tree (not leave).
PLURAL_CHOICES = {"axes": "axis", "leaves": "leaf"}

# Plurals kept as written though neither rule in _kept_as_written says so (media is no WordNet lemma
# here), and one that the -ics rule would keep but technical text counts (evaluation metrics).
KEPT_AS_WRITTEN = frozenset({"media"})
SINGULARISED_ANYWAY = frozenset({"metrics"})

# lemminflect's -ize verbs whose -ise spelling is the standard one everywhere (advertise, exercise,
# compromise, surprise...), another word or none (size, seize, prize), or that are half British already
# (glamourize beside glamorize): never derived as variants.
NOT_ISE_VARIANTS = frozenset(
    """
    advertize apprize comprize compromize down-size downsize excize exercize exorcize expertize glamourize
    merchandize oversize prize seize size super-size supersize supervize surprize vapourize
    """.split()
)

# en_lexeme_norm entries that pass the spelling-variant filter but are wrong: gauge is American too,
# busing is the American form, bevvy is another word than bevy, and two map to another word's form.
NOT_SPELLING_VARIANTS = frozenset(
    "bevvies bevvy busing gauge gauged gauges gauging pummelling tranquilly".split()
)


def _check_versions() -> dict[str, str]:
    """The installed source versions, refused unless they are the pinned ones (the output depends on them)."""
    found = {}
    for name, pinned in (LEMMINFLECT, LOOKUPS):
        version = metadata.version(name)
        if version != pinned:
            sys.exit(
                f"{name} {version} is installed; the tables are built from {pinned} (pip install '.[lexicon]')"
            )
        found[name] = version
    return found


def _lookups_json(name: str):
    with resources.files("spacy_lookups_data").joinpath("data", name).open("rb") as raw:
        return json.load(gzip.open(raw))


def _lookups_text(name: str) -> str:
    return resources.files("spacy_lookups_data").joinpath("data", name).read_text(encoding="utf-8")


def _inflection_rows() -> list[tuple[str, str, dict[str, tuple[str, ...]]]]:
    """lemminflect's inflection table, read by its own codec: (lemma, category, {penn tag: spellings}).

    infl_lu.csv (the SPECIALIST lexicon, base forms included) plus the forms of be and the modals that
    lemminflect hard-codes on loading; its infl_overrides.csv is left out, being fixes for a corpus
    (reader as a verb, diner as an adjective) rather than the lexicon's word forms."""
    path = resources.files("lemminflect").joinpath("resources", "infl_lu.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        rows = [InflectionLUCodec.fromString(line) for line in lines]
    rows += [(lemma, "verb", forms) for lemma, forms in InflectionLUCodec.updateForAuxMod({}).items()]
    return rows


def _noun_lemmas() -> dict[str, tuple[str, ...]]:
    """lemminflect's lemma_lu.csv nouns: form -> its lemmas, lemminflect's preferred one first."""
    lemmas = {}
    path = resources.files("lemminflect").joinpath("resources", "lemma_lu.csv.gz")
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            form, category, spellings = line.rstrip("\n").split(",")
            if category == "noun":
                lemmas[form] = tuple(spellings.split("/"))
    return lemmas


class Sources:
    """The raw material, loaded once: lemminflect's inflection table and WordNet's lists from spaCy's lookups."""

    def __init__(self) -> None:
        self.versions = _check_versions()
        self.inflections = _inflection_rows()
        self.noun_lemmas = _noun_lemmas()
        self.wordnet = {pos: set(words) for pos, words in _lookups_json("en_lemma_index.json.gz").items()}
        self.exceptions = _lookups_json("en_lemma_exc.json.gz")
        self.norms = _lookups_json("en_lexeme_norm.json.gz")
        self.wordnet_license = _lookups_text("en_license.txt")
        self.lookups_license = metadata.distribution("spacy-lookups-data").read_text("LICENSE")
        self.lemminflect_license = metadata.distribution("lemminflect").read_text("LICENSE")


def _exception_verb_tag(form: str, lemma: str, known: dict[str, set[str]]) -> str:
    """The tag of an irregular verb form from WordNet's exceptions: lemminflect's when it has one, else by shape."""
    verb_tags = known.get(form, set()) & set("VZDG")
    if verb_tags:
        return "".join(sorted(verb_tags))
    if form.replace("-", "") == lemma.replace("-", ""):
        return "V"  # deep-freeze for deepfreeze
    # In bogging-down or hocus-pocussed the inflected part is the one that differs from the lemma's.
    pairs = (
        zip(form.split("-"), lemma.split("-"), strict=False) if form.count("-") == lemma.count("-") else ()
    )
    inflected = next((part for part, base in pairs if part != base), form)
    if inflected.endswith("ing"):
        return "G"
    if inflected.endswith("s"):
        return "Z"
    return "D"


def build_pos(src: Sources) -> dict[str, str]:
    """word -> sorted tag letters, from lemminflect's inflections and WordNet's lemmas and exceptions."""
    tags: dict[str, set[str]] = defaultdict(set)

    def add(word: str, letters: str) -> None:
        if WORD.fullmatch(word):
            tags[word].update(letters)

    for _, _, forms in src.inflections:
        for tag, spellings in forms.items():
            for form in spellings:
                add(form, PENN_LETTER[tag])
    for pos, words in src.wordnet.items():
        for word in words:
            add(word, WORDNET_LETTER[pos])
    lemminflect_tags = {word: set(letters) for word, letters in tags.items()}
    for pos, table in src.exceptions.items():
        for form, lemmas in table.items():
            # A form listed as its own lemma (attacker -> attacker) guards against over-lemmatising.
            if form in lemmas:
                continue
            letters = (
                _exception_verb_tag(form, lemmas[0], lemminflect_tags)
                if pos == "verb"
                else WORDNET_LETTER[pos]
            )
            add(form, letters)
    return {word: "".join(sorted(letters)) for word, letters in tags.items() if letters != {"N"}}


def _kept_as_written(plural: str, src: Sources) -> bool:
    """A plural that names one thing (physics, data, means): a WordNet noun lemma ending in -ics, or one
    that lemminflect's lemmatiser reads as its own lemma. WordNet lists many ordinary plurals as lemmas
    for a special sense (humans, words, values, years): those are singularised like any other."""
    if plural in KEPT_AS_WRITTEN:
        return True
    if plural not in src.wordnet["noun"] or plural in SINGULARISED_ANYWAY:
        return False
    read_as = src.noun_lemmas.get(plural, (plural,))
    return plural.endswith("ics") or read_as[0] == plural


def build_plural(src: Sources) -> tuple[dict[str, str], dict[str, list[str]], list[str]]:
    """plural -> singular, with the plurals that had several singulars and those kept as written."""
    candidates: dict[str, set[str]] = defaultdict(set)
    for lemma, category, forms in src.inflections:
        if category == "noun" and WORD.fullmatch(lemma):
            for plural in forms.get("NNS", ()):
                if plural != lemma and WORD.fullmatch(plural):
                    candidates[plural].add(lemma)
    for plural, lemmas in src.exceptions["noun"].items():
        for lemma in lemmas:
            if plural != lemma and WORD.fullmatch(plural) and WORD.fullmatch(lemma):
                candidates[plural].add(lemma)
    nouns = src.wordnet["noun"]
    kept = {plural for plural in candidates if _kept_as_written(plural, src)}
    plurals, ambiguous = {}, {}
    for plural, lemmas in candidates.items():
        if plural in kept:
            continue
        # Our reviewed choice, then lemminflect's lemmatiser's order, then a WordNet noun, then by spelling.
        order = src.noun_lemmas.get(plural, ())
        ranked = sorted(
            lemmas,
            key=lambda s: (
                s != PLURAL_CHOICES.get(plural),
                order.index(s) if s in order else len(order),
                s not in nouns,
                s,
            ),
        )
        plurals[plural] = ranked[0]
        if len(lemmas) > 1:
            ambiguous[plural] = ranked
    return plurals, ambiguous, sorted(kept)


def _is_spelling_variant(british: str, american: str) -> bool:
    return (
        british != american
        and british not in NOT_SPELLING_VARIANTS
        and british + "g" != american  # doin -> doing: a dropped g is speech, not spelling
        and british.isalpha()
        and american.isalpha()
        and british.islower()
        and american.islower()
        and british[:2] == american[:2]
        and abs(len(british) - len(american)) <= 2
    )


def _derived_ise_forms(src: Sources) -> dict[str, str]:
    """British -ise/-isation/-iser and -yse spellings of lemminflect's -ize/-yze words, form by form."""
    derived = {}
    verbs = {lemma: forms for lemma, category, forms in src.inflections if category == "verb"}
    for lemma, forms in verbs.items():
        if lemma in NOT_ISE_VARIANTS or not WORD.fullmatch(lemma):
            continue
        if lemma.endswith("ize"):
            swap = ("iz", "is")
        elif lemma.endswith("yze"):
            swap = ("yz", "ys")
        else:
            continue
        stem = lemma[: -len(swap[0]) - 1]
        spellings = [lemma, *(s for spelling in forms.values() for s in spelling)]
        for american in spellings:
            if american.startswith(stem + swap[0]):
                derived[stem + swap[1] + american[len(stem) + len(swap[0]) :]] = american
    for lemma, category, forms in src.inflections:
        if category != "noun" or not WORD.fullmatch(lemma):
            continue
        for suffix in ("ization", "izer"):
            verb = lemma[: -len(suffix)] + "ize"
            if lemma.endswith(suffix) and verb in verbs and verb not in NOT_ISE_VARIANTS:
                for american in (lemma, *forms.get("NNS", ())):
                    cut = len(lemma) - len(suffix)
                    derived[american[:cut] + "is" + american[cut + 2 :]] = american
    return derived


def build_spelling(src: Sources, plurals: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """british -> american spellings, with what was left out and why."""
    dropped: dict[str, list[str]] = defaultdict(list)
    spelling = {}
    # Some keys and values carry a stray trailing space ("judgement "): a data slip, not a different word.
    for british, american in sorted(src.norms.items()):
        british, american = british.strip(), american.strip()
        if british != british.lower():
            continue  # each lowercase entry has a capitalised twin
        if _is_spelling_variant(british, american):
            spelling[british] = american
        else:
            dropped["not a spelling variant"].append(f"{british}->{american}")
    for british, american in sorted(_derived_ise_forms(src).items()):
        if british not in spelling and _is_spelling_variant(british, american):
            spelling[british] = american
    # A form that is also the plural of a noun with one spelling keeps that reading: analyses is the
    # plural of analysis far more often than the British analyses (analyzes).
    for british in sorted(spelling):
        singular = plurals.get(british)
        if singular is not None and singular not in spelling:
            dropped["plural of a noun with one spelling"].append(f"{british}->{spelling.pop(british)}")
    return spelling, dropped


# Words above this log probability in general English are listed: common enough that an
# adjective among them is a generic modifier, and a noun among them too plain to be a keyword alone.
COMMON_LOGP = -13.5


def build_frequency(src: Sources) -> dict[str, str]:
    """How common each common word is in general English: en_lexeme_prob's log probability."""
    prob = _lookups_json("en_lexeme_prob.json.gz")
    return {
        word: f"{value:.2f}" for word, value in prob.items() if WORD.fullmatch(word) and value > COMMON_LOGP
    }


def _header(title: str, src: Sources, columns: str) -> str:
    lines = [
        title,
        f"Columns: {columns}.",
        "Generated by `python scripts/build_lexicon.py`; edit the script, never this file.",
        f"Sources: lemminflect {src.versions['lemminflect']} (MIT; its inflection table is derived from the "
        "NIH/NLM SPECIALIST Lexicon),",
        f"spacy-lookups-data {src.versions['spacy-lookups-data']} (MIT; its English lemma lists and exceptions "
        "are WordNet 3.0, under the WordNet licence).",
        "See NOTICE beside this file.",
    ]
    return "".join(f"# {line}\n" for line in lines)


def _write_table(path: Path, header: str, rows: list[tuple[str, ...]]) -> None:
    body = "".join("\t".join(row) + "\n" for row in sorted(rows))
    path.write_bytes((header + body).encode("utf-8"))


NOTICE_INTRO = """\
The word tables pos.tsv, plural.tsv, spelling.tsv and frequency.tsv in this folder are
generated by scripts/build_lexicon.py from:

- lemminflect 0.2.3, whose inflection table is derived from the SPECIALIST Lexicon of the
  U.S. National Library of Medicine (NIH); MIT licence, reproduced below.
- spacy-lookups-data 1.0.5: its English lemma lists and irregular forms are WordNet 3.0
  (Princeton University; WordNet licence reproduced below, which asks for its notice on all
  copies), its British-to-American norms and English word probabilities are part of the
  MIT-licensed package (reproduced below).

acronyms.tsv, compounds.tsv, generic.tsv, terms.tsv and topics.tsv are written and reviewed by hand.
"""


def _notice(src: Sources) -> str:
    parts = [
        NOTICE_INTRO,
        "=" * 72 + "\nWordNet 3.0 licence (spacy_lookups_data/data/en_license.txt)\n" + "=" * 72 + "\n",
        src.wordnet_license,
        "=" * 72 + "\nlemminflect (LICENSE)\n" + "=" * 72 + "\n",
        src.lemminflect_license,
        "=" * 72 + "\nspacy-lookups-data (LICENSE)\n" + "=" * 72 + "\n",
        src.lookups_license,
    ]
    # One LF line ending, no trailing blanks on a line: the same bytes whatever the sources' line ends.
    lines = [line.rstrip() for part in parts for line in part.strip("\n").splitlines()] + [""]
    return "\n".join(lines)


def build(out: Path, report=print) -> None:
    """Write pos.tsv, plural.tsv, spelling.tsv, frequency.tsv and NOTICE into out, and report the judgement calls."""
    src = Sources()
    out.mkdir(parents=True, exist_ok=True)
    pos = build_pos(src)
    plurals, ambiguous, kept = build_plural(src)
    spelling, dropped = build_spelling(src, plurals)
    _write_table(
        out / "pos.tsv",
        _header(
            "Part-of-speech letters of English words; a word absent here is a noun only (or unknown).",
            src,
            "word, tags: sorted letters of N noun, V verb base, Z verb -s, D verb past or participle, "
            "G verb -ing, A adjective, R adverb",
        ),
        list(pos.items()),
    )
    _write_table(
        out / "plural.tsv",
        _header(
            "Plural nouns to their singular; plurals that name one thing (physics, data, media) are left out.",
            src,
            "plural, singular",
        ),
        list(plurals.items()),
    )
    _write_table(
        out / "spelling.tsv",
        _header(
            "British spellings to American ones: en_lexeme_norm's spelling variants, and -ise/-yse forms "
            "derived from lemminflect's -ize/-yze words.",
            src,
            "british, american",
        ),
        list(spelling.items()),
    )
    frequency = build_frequency(src)
    _write_table(
        out / "frequency.tsv",
        _header(
            f"How common English words are: en_lexeme_prob's log probability, for the words above {COMMON_LOGP}.",
            src,
            "word, log probability (natural log, two decimals)",
        ),
        list(frequency.items()),
    )
    (out / "NOTICE").write_bytes(_notice(src).encode("utf-8"))
    report(
        f"pos.tsv {len(pos)} words; plural.tsv {len(plurals)}; spelling.tsv {len(spelling)}; "
        f"frequency.tsv {len(frequency)}"
    )
    report(f"plurals kept as written ({len(kept)}): {' '.join(kept)}")
    report(f"plurals with several singulars ({len(ambiguous)}), first one chosen:")
    for plural, ranked in sorted(ambiguous.items()):
        report(f"  {plural}: {' '.join(ranked)}")
    for reason, entries in sorted(dropped.items()):
        report(f"spelling entries dropped, {reason} ({len(entries)}): {' '.join(entries)}")


def main(argv: list[str] | None = None) -> None:
    """Command line: the output folder, etl/lexicon by default."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    build(args.out, report=(lambda _: None) if args.quiet else print)


if __name__ == "__main__":
    main()
