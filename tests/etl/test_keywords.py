"""Keywords: RAKE keyphrases and announced method names, from each paper's own text only."""

from __future__ import annotations

import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import generate
from etl.dedupe import identify_papers, latest_paper_texts
from etl.keywords import CHUNK_PAPERS, extract_keywords, keyphrases, method_names
from etl.stopwords import STOPWORDS
from tests.conftest import SAMPLE_DIR, parse_folder
from tests.etl.keywords_oracle import keyphrases as oracle_keyphrases


def papers_of(texts: list[tuple[str, str]]) -> pl.DataFrame:
    """Papers numbered from 0 with these (title, abstract) texts."""
    return pl.DataFrame(
        {"paper_id": range(len(texts)), "title": [t for t, _ in texts], "abstract": [a for _, a in texts]},
        schema={"paper_id": pl.Int64, "title": pl.String, "abstract": pl.String},
    )


@pytest.fixture(scope="module")
def sample_papers() -> pl.DataFrame:
    return latest_paper_texts(identify_papers(parse_folder(SAMPLE_DIR).entries))


@pytest.mark.parametrize(
    ("title", "method"),
    [
        ("RAFT: Reward rAnked FineTuning for Generative Foundation Model Alignment", "RAFT"),
        ("TÜLU 3: Pushing Frontiers in Open Language Model Post-Training", "TÜLU 3"),
        ("Dr-LLaVA: Visual Instruction Tuning with Symbolic Clinical Grounding", "Dr-LLaVA"),
        ("Kimi k1.5: Scaling Reinforcement Learning with LLMs", "Kimi k1.5"),
        ("Train Once, Get a Family: State-Adaptive Balances", None),
        ("A Comprehensive Survey of Continual Learning: Theory, Method and Application", None),
        ("Diving into Self-Evolving Training for Multimodal Reasoning", None),
    ],
)
def test_method_names(title, method):
    found = method_names(pl.DataFrame({"paper_id": [1], "title": [title]}))
    assert found["keyword"].to_list() == ([method] if method else [])


def test_every_sample_paper_has_keyphrases(sample_papers):
    keywords, paper_keywords = extract_keywords(sample_papers)
    phrases = paper_keywords.join(keywords, on="keyword_id").filter(pl.col("kind") == "keyphrase")
    assert phrases["paper_id"].n_unique() == sample_papers.height
    assert phrases.group_by("paper_id").len()["len"].max() <= 10
    assert keywords.filter(pl.col("kind") == "method").height == 129


def test_keyphrases_never_start_or_end_with_a_stopword_nor_are_only_digits(sample_papers):
    keywords, _ = extract_keywords(sample_papers)
    phrases = keywords.filter(pl.col("kind") == "keyphrase")["keyword"].to_list()
    for phrase in phrases:
        words = phrase.split(" ")
        assert words[0] not in STOPWORDS and words[-1] not in STOPWORDS, phrase
        assert any(ch.isalpha() for ch in phrase), phrase


def test_keywords_depend_only_on_the_papers_own_text(sample_papers):
    _, together = extract_keywords(sample_papers)
    one = sample_papers.slice(7, 1)
    _, alone = extract_keywords(one)
    expected = together.filter(pl.col("paper_id") == one["paper_id"][0]).sort("keyword_id")
    assert alone.sort("keyword_id").equals(expected)


def test_rake_scores_prefer_repeated_multiword_phrases():
    paper = pl.DataFrame(
        {
            "paper_id": [1],
            "title": ["Graph neural networks"],
            "abstract": ["We study graph neural networks. Graph neural networks learn. Results vary."],
        }
    )
    keywords, paper_keywords = extract_keywords(paper)
    top = paper_keywords.join(keywords, on="keyword_id").sort("rank")["keyword"][0]
    assert top == "graph neural networks"


@pytest.mark.parametrize(
    ("abstract", "phrase"),
    [
        ("We tune Qwen2.5-Math on proofs.", "tune qwen2.5-math"),
        ("Built on Llama-3.1-70B-Instruct weights.", "llama-3.1-70b-instruct weights"),
        ("Future researchhttps://github.com/a/b shows more.", "future research"),
    ],
)
def test_version_numbers_and_glued_urls_do_not_split_words(abstract, phrase):
    keywords, _ = extract_keywords(pl.DataFrame({"paper_id": [1], "title": ["T"], "abstract": [abstract]}))
    phrases = keywords["keyword"].to_list()
    assert phrase in phrases, phrases
    assert not any("http" in p for p in phrases)


def test_keywords_are_the_same_on_every_run(sample_papers):
    """Ties are broken exactly: float sums that vary with thread order are rounded before ranking."""
    first = extract_keywords(sample_papers)[1]
    for _ in range(5):
        assert extract_keywords(sample_papers)[1].equals(first)


_TOKENS = [
    "graph",
    "neural",
    "networks",
    "Qwen2.5-Math",
    "LLaMA-3",
    "don't",
    "état",
    "Übersicht",
    "x",
    "2024",
    "1.5",
    "the",
    "of",
    "and",
    "we",
    "novel",
    "https://github.com/a/b.",
    "(see",
    "e.g.",
    "--",
    "—",
    "“quoted”",
]
_SEPARATORS = [" ", "  ", ", ", ". ", "; ", " - ", "\t", " (", ") ", ": ", "\u00a0"]
_texts = st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(_SEPARATORS)), max_size=40).map(
    lambda parts: "".join(token + sep for token, sep in parts)
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_texts, _texts), min_size=1, max_size=6))
def test_keyphrase_rules_hold_for_any_text(texts):
    papers = papers_of(texts)
    found = keyphrases(papers)
    for phrase in found["keyword"]:
        words = phrase.split(" ")
        assert 1 <= len(words) <= 3 and "" not in words, phrase
        assert words[0] not in STOPWORDS and words[-1] not in STOPWORDS, phrase
        assert any(ch.isalpha() for ch in phrase) and "http" not in phrase, phrase
    for paper_id, ranks in found.group_by("paper_id").agg("rank").iter_rows():
        assert sorted(ranks) == list(range(1, len(ranks) + 1)) and len(ranks) <= 10
        alone = keyphrases(papers.filter(pl.col("paper_id") == paper_id))
        assert alone.sort("rank").equals(found.filter(pl.col("paper_id") == paper_id).sort("rank"))


# The oracle: the Polars-only RAKE this module replaced, kept in tests/etl/keywords_oracle.py.
def assert_same_as_oracle(papers: pl.DataFrame) -> None:
    """Every paper's top 10 (phrase, score, rank) equals the oracle's."""
    key = ["paper_id", "rank"]
    ours, oracle = keyphrases(papers).sort(key), oracle_keyphrases(papers).sort(key)
    assert ours.height == oracle.height
    assert ours.equals(oracle), ours.join(oracle, on=key, how="full").filter(
        (pl.col("keyword") != pl.col("keyword_right")) | (pl.col("score") != pl.col("score_right"))
    )


def test_the_sample_keyphrases_equal_the_oracles(sample_papers):
    assert_same_as_oracle(sample_papers)
    assert keyphrases(sample_papers).height == 4110


def test_a_generated_corpus_over_several_chunks_equals_the_oracle(tmp_path):
    generate(tmp_path, 45, 200, repeat_rate=0.0, seed=3)
    papers = latest_paper_texts(identify_papers(parse_folder(tmp_path).entries))
    assert papers.height == 9000 > 2 * CHUNK_PAPERS  # two chunk boundaries are crossed
    assert_same_as_oracle(papers)


def test_papers_recombined_from_real_abstracts_equal_the_oracle(sample_papers):
    """Real vocabulary (about 10k distinct words), real punctuation, in new orders and lengths."""
    words = " ".join(sample_papers["abstract"]).split(" ")
    rng = random.Random(11)
    texts = [" ".join(rng.choices(words, k=rng.randint(5, 400))) for _ in range(CHUNK_PAPERS + 500)]
    papers = papers_of([(t[:80], t) for t in texts])
    assert_same_as_oracle(papers)


_unicode_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.lists(
    st.sampled_from([*_TOKENS, "ΔΣ", "日本語", "ǅemal", "İstanbul", "ﬁne", "Straße", "\u200b", "🙂"]),
    max_size=60,
).map(" ".join)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_unicode_text, _unicode_text), min_size=1, max_size=8))
def test_any_unicode_text_gives_the_oracles_keyphrases(texts):
    papers = papers_of(texts)
    assert_same_as_oracle(papers)
