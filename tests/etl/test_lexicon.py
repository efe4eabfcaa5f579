"""etl/lexicon's word tables: the generator reproduces them byte for byte, and pinned words read as reviewed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from etl.lexicon import read_table
from tests.conftest import ROOT

LEXICON = ROOT / "etl" / "lexicon"
FILES = ("pos.tsv", "plural.tsv", "spelling.tsv", "frequency.tsv", "NOTICE")  # generated
BY_HAND = ("acronyms.tsv", "compounds.tsv", "generic.tsv", "terms.tsv", "topics.tsv")


@pytest.fixture(scope="module")
def pos() -> dict[str, str]:
    return dict(read_table("pos"))


@pytest.fixture(scope="module")
def plural() -> dict[str, str]:
    return dict(read_table("plural"))


@pytest.fixture(scope="module")
def spelling() -> dict[str, str]:
    return dict(read_table("spelling"))


def test_the_generator_rebuilds_the_shipped_files_byte_for_byte(tmp_path):
    script = ROOT / "scripts" / "build_lexicon.py"
    subprocess.run([sys.executable, script, tmp_path, "--quiet"], check=True, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (LEXICON / name).read_bytes(), (
            f"{name} drifted: rerun the script"
        )


def test_plurals(plural):
    assert plural["models"] == "model"
    assert plural["analyses"] == "analysis"
    assert plural["capabilities"] == "capability"
    assert plural["matrices"] == "matrix"
    assert plural["humans"] == "human" and plural["metrics"] == "metric"
    assert plural["axes"] == "axis" and plural["leaves"] == "leaf"  # reviewed choices among several singulars
    for kept in ("llms", "physics", "dynamics", "data", "media", "news", "graphics", "statistics", "means"):
        assert kept not in plural


def test_spellings(spelling):
    assert spelling["colour"] == "color"
    assert spelling["modelling"] == "modeling"
    assert spelling["behaviour"] == "behavior"
    assert spelling["optimise"] == "optimize"
    assert spelling["optimisation"] == "optimization"  # derived: en_lexeme_norm lacks it
    assert spelling["generalising"] == "generalizing"
    assert "cos" not in spelling  # slang, not a spelling
    assert "analyses" not in spelling  # the plural of analysis, not analyzes
    assert "advertise" not in spelling and "exercise" not in spelling  # -ise everywhere
    assert "doin" not in spelling and "gauge" not in spelling


def test_parts_of_speech(pos):
    assert "Z" in pos["improves"]
    assert "Z" in pos["outperforms"]
    assert "R" in pos["significantly"]
    assert {"G", "N"} <= set(pos["learning"])
    assert "D" in pos["trained"]
    assert "A" in pos["robust"]
    assert pos["embed"] == "V"
    assert pos["was"] == "D" and pos["is"] == "Z" and "G" in pos["being"]  # lemminflect's forms of be
    for noun_only in ("transformer", "attention", "embeddings", "data", "llm"):
        assert noun_only not in pos
    assert all(tags == "".join(sorted(set(tags))) and set(tags) <= set("ADGNRVZ") for tags in pos.values())
    assert all(tags != "N" for tags in pos.values())


def test_the_tables_sizes_are_pinned():
    # Measured from lemminflect 0.2.3 and spacy-lookups-data 1.0.5; a change means a rule or source changed.
    sizes = {name: len(read_table(name)) for name in ("pos", "plural", "spelling", "frequency")}
    assert sizes == {"pos": 54327, "plural": 17237, "spelling": 1883, "frequency": 14946}
    assert {name: (LEXICON / name).stat().st_size for name in FILES} == {
        "pos.tsv": 653324,
        "plural.tsv": 322402,
        "spelling.tsv": 43734,
        "frequency.tsv": 222891,
        "NOTICE": 4977,
    }


def test_frequencies():
    frequency = {word: float(logp) for word, logp in read_table("frequency")}
    assert frequency["the"] > frequency["image"]
    assert (
        -9.5 < frequency["image"] < -9.0 and "grokking" not in frequency and "hallucination" not in frequency
    )
    assert all(-13.5 <= logp <= 0 for logp in frequency.values())  # rounded to two decimals


def test_the_hand_tables_parse_and_name_known_roles_and_kinds():
    roles = {role for _, role in read_table("generic")}
    assert roles == {"break", "lead", "tail", "single", "prefix", "topic"}
    assert {kind for _, _, kind in read_table("compounds")} == {"noun", "modifier", "verb"}
    assert dict(read_table("acronyms"))["llm"] == "large language model"
    assert all(len(term.split(" ")) == 3 for (term,) in read_table("terms"))
    for name in BY_HAND:
        rows = [
            line for line in (LEXICON / name).read_text().splitlines() if line and not line.startswith("#")
        ]
        assert rows == sorted(set(rows)), f"{name}: keep the rows sorted and unique"
