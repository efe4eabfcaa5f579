"""Keywords: topic phrases keyed by concept, and announced method names, from each paper's own text only."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import etl.keywords
from etl.dedupe import identify_papers, latest_paper_texts
from etl.keywords import extract_keywords, extractor_version, keyphrases, method_names
from etl.lexicon import read_table
from etl.stopwords import STOPWORDS
from etl.wordclasses import CONNECTIVES
from tests.conftest import SAMPLE_DIR, parse_folder


def papers_of(texts: list[tuple[str, str]]) -> pl.DataFrame:
    """Papers numbered from 0 with these (title, abstract) texts."""
    return pl.DataFrame(
        {"paper_id": range(len(texts)), "title": [t for t, _ in texts], "abstract": [a for _, a in texts]},
        schema={"paper_id": pl.Int64, "title": pl.String, "abstract": pl.String},
    )


def keywords_of(title: str, abstract: str) -> list[tuple[str, str]]:
    """(keyword, form) of one paper's keyphrases, best first."""
    found = keyphrases(papers_of([(title, abstract)])).sort("rank")
    return list(zip(found["keyword"], found["form"], strict=True))


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


@pytest.mark.parametrize(
    "written",
    ["fine-tuning", "fine tuning", "finetuning", "Fine-Tuning", "FineTuning"],
)
def test_a_compound_written_any_way_is_one_keyword(written):
    found = keywords_of("T", f"We study {written}. Our {written} recipe is cheap; {written} matters.")
    assert found[0] == ("fine-tuning", written)


@pytest.mark.parametrize(
    ("abstract", "keyword", "form"),
    [
        ("Large language models (LLMs) are big. LLMs help.", "large language model", "Large language models"),
        ("We probe LLMs. LLMs are big.", "large language model", "LLMs"),
        (
            "We use group relative policy optimization (GRPO). GRPO is stable.",
            "group relative policy optimization",
            "group relative policy optimization",
        ),
        ("We train Foo Bar Nets (FBN). FBN works well.", "foo bar net", "Foo Bar Nets"),
        (
            "Optimisation of colour models. Optimisation of colour models again.",
            "optimization of colour model",
            None,
        ),
        (
            "A mixture-of-experts layer and a mixture of experts router.",
            "mixture of experts",
            "mixture-of-experts",
        ),
        ("Chain-of-Thought (CoT) supervision helps; CoT is long.", "chain of thought", "Chain-of-Thought"),
        ("Reward models and a reward model score outputs.", "reward model", "Reward models"),
    ],
)
def test_variants_of_a_concept_share_one_canonical_keyword(abstract, keyword, form):
    found = dict(keywords_of("T", abstract))
    if form is None:  # a connective outside a listed term ends a phrase
        assert keyword not in found
        assert "optimization" in found and "colour model" not in found and "color model" in found
        return
    assert found.get(keyword) == form, found


def test_verbs_generic_words_and_numbers_end_phrases():
    found = dict(
        keywords_of(
            "Scaling Reinforcement Learning",
            "Language models struggle with complex reasoning tasks. Our novel approach achieves a 1.39dB PSNR gain "
            "and 20x parameter scaling. Reward shaping helps stabilize training; reward shaping is simple.",
        )
    )
    assert "reinforcement learning" in found  # "Scaling" is trimmed when two words follow it
    assert "reasoning" not in found  # "complex" and "tasks" are trimmed; "reasoning" alone is generic
    assert "reward shaping" in found and "reward shaping help" not in found
    assert not any(k.startswith(("1", "20", "novel")) or "struggle" in k for k in found), found


def test_every_keyphrase_obeys_the_phrase_rules_on_the_sample(sample_papers):
    found = keyphrases(sample_papers)
    terms = {term for (term,) in read_table("terms")}  # "out of distribution" is one
    for keyword in found["keyword"]:
        words = keyword.split(" ")  # a prefix joins its word: "non-negligible"
        assert 1 <= len(words) <= 4 and "" not in words, keyword
        assert (
            keyword in terms
            or words[0] not in STOPWORDS | CONNECTIVES
            and words[-1] not in STOPWORDS | CONNECTIVES
        ), keyword
        assert any(ch.isalpha() for ch in keyword) and keyword == keyword.lower(), keyword
    ranks = found.group_by("paper_id").agg("rank")["rank"].to_list()
    assert all(sorted(r) == list(range(1, len(r) + 1)) and len(r) <= 10 for r in ranks)


def test_the_sample_keywords_are_pinned(sample_papers):
    keywords, paper_keywords = extract_keywords(sample_papers)
    phrases = paper_keywords.join(keywords, on="keyword_id").filter(pl.col("kind") == "keyphrase")
    assert phrases["paper_id"].n_unique() == 411
    assert phrases.height == 3823
    assert keywords.filter(pl.col("kind") == "keyphrase").height == 2260
    assert keywords.filter(pl.col("kind") == "method").height == 129
    shared = phrases.group_by("keyword_id").len().filter(pl.col("len") >= 2)
    assert shared.height == 312
    top = phrases.group_by("keyword").len().sort("len", "keyword", descending=[True, False]).head(5).rows()
    assert top == [
        ("reinforcement learning", 133),
        ("large language model", 111),
        ("language model", 58),
        ("fine-tuning", 51),
        ("machine learning", 40),
    ]


def test_a_few_real_papers_keep_their_keywords(sample_papers):
    """Variants merged: `RLHF`, `SFT`, `State Space Models`, `Rationales` keyed by their concept."""

    def top(title_start: str) -> list[tuple[str, str]]:
        paper = sample_papers.filter(pl.col("title").str.starts_with(title_start))
        assert paper.height == 1
        found = keyphrases(paper).sort("rank").head(6)
        return list(zip(found["keyword"], found["form"], strict=True))

    assert top("Reward Shaping to Mitigate") == [
        ("reward shaping", "Reward Shaping"),
        ("reward hacking", "Reward Hacking"),
        ("reinforcement learning", "Reinforcement Learning"),
        ("rlhf", "RLHF"),
        ("human feedback", "Human Feedback"),
        ("large language model", "large language models"),
    ]
    assert top("Blending Supervised and Reinforcement") == [
        ("reinforcement fine-tuning", "Reinforcement Fine-Tuning"),
        ("fine-tuning", "Fine-Tuning"),
        ("supervised fine-tuning", "SFT"),
        ("post-training", "post-training"),
        ("large language model", "large language models"),
        ("blending", "Blending"),
    ]
    assert top("Graph Mamba") == [
        ("state space model", "State Space Models"),
        ("graph neural network", "Graph Neural Networks"),
        ("mamba", "Mamba"),
        ("space model", "Space Models"),
        ("neural network", "Neural Networks"),
        ("transformer", "Transformers"),
    ]
    assert top("Data-Centric Human Preference") == [
        ("rationale", "Rationales"),
        ("preference learning", "preference learning"),
        ("preference optimization", "Preference Optimization"),
        ("optimization", "Optimization"),
        ("reinforcement learning", "Reinforcement learning"),
        ("human feedback", "human feedback"),
    ]


def test_keywords_are_the_same_on_every_run(sample_papers):
    first = extract_keywords(sample_papers)[1]
    for _ in range(3):
        assert extract_keywords(sample_papers)[1].equals(first)


def test_the_version_names_the_algorithm_and_the_tables():
    version = extractor_version()
    assert version.startswith(f"topics-{etl.keywords.ALGORITHM}-") and len(version) == len("topics-1-") + 12


_TOKENS = [
    "graph",
    "neural",
    "networks",
    "Large",
    "Language",
    "Models",
    "(LLMs)",
    "LLMs",
    "fine-tuning",
    "mixture-of-experts",
    "Qwen2.5-Math",
    "don't",
    "état",
    "x",
    "2024",
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
    "\x01",
    "\x02",
    "|",
]
_SEPARATORS = [" ", "  ", ", ", ". ", "; ", " - ", "-", "\t", " (", ") ", ": ", "\u00a0", "\n"]
_texts = st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from(_SEPARATORS)), max_size=40).map(
    lambda parts: "".join(token + sep for token, sep in parts)
) | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_texts, _texts), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_a_papers_keywords_depend_only_on_its_own_text(texts, rng):
    """Alone, among others, in any order, across chunk boundaries: the same keywords and forms."""
    papers = papers_of(texts)
    together = keyphrases(papers)
    shuffled = papers.sample(fraction=1.0, shuffle=True, seed=rng.randint(0, 1000))
    assert keyphrases(shuffled).sort("paper_id", "rank").equals(together.sort("paper_id", "rank"))
    for paper_id in papers["paper_id"]:
        alone = keyphrases(papers.filter(pl.col("paper_id") == paper_id))
        assert alone.sort("rank").equals(together.filter(pl.col("paper_id") == paper_id).sort("rank"))


@pytest.mark.parametrize(("chunk_papers", "threads"), [(37, 2), (100, 3), (4096, 1)])
def test_chunks_and_threads_do_not_change_keywords(sample_papers, monkeypatch, chunk_papers, threads):
    whole = keyphrases(sample_papers)
    monkeypatch.setattr(etl.keywords, "CHUNK_PAPERS", chunk_papers)
    monkeypatch.setattr(etl.keywords, "THREADS", threads)
    assert keyphrases(sample_papers).equals(whole)


@pytest.mark.parametrize("scores", [[1.0, 2.0, 3.0, 7.0], [1.0, 2.5, 3.0]])
def test_phrases_rank_as_a_lexsort_would_rank_them(scores):
    """Paper, then score, then position, ties in their order: packed into one key only when exact."""
    rng = np.random.default_rng(7)
    paper = np.sort(rng.integers(0, 40, 3000)).astype(np.int32)
    score, position = rng.choice(scores, 3000), rng.integers(0, 200, 3000)
    expected = np.lexsort((position, -score, paper))
    assert etl.keywords._rank_order(paper, score, position).tolist() == expected.tolist()


def test_recombined_real_text_obeys_the_rules(sample_papers):
    """Real vocabulary in new orders: no crash, at most 10 phrases of 1 to 4 canonical words each."""
    words = " ".join(sample_papers["abstract"]).split(" ")
    rng = random.Random(11)
    texts = [" ".join(rng.choices(words, k=rng.randint(5, 400))) for _ in range(600)]
    found = keyphrases(papers_of([(t[:80], t) for t in texts]))
    assert found.group_by("paper_id").len()["len"].max() <= 10
    assert found["keyword"].str.split(" ").list.len().max() <= 4
