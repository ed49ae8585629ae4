"""What the model reads: whole sentences that state something, each once, from a real index.

A RealTimeQA answer said Saturn has 82 moons: of the twelve sentences the model read, four were an
older article's subheadings ("How many moons does Neptune have?") and the 274 of the newer article came
last. News style also writes days as "Sept. 12", where the sentence splitter used to cut: the fact lost
its date and "12." took a slot of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

from index.textrules import sentence_spans
from rag import evidence
from rag.pipeline import article_reader, ingest, open_search, sentence_similarity
from rag.settings import AnswerSettings
from rag.sources import build_sources
from tests.conftest import make_settings

SHARED = "Saturn has more moons than any other planet in the solar system."
ARTICLES = [
    {"id": "moons-2022", "title": "How many moons does each planet have?", "source": "usatoday.com",
     "published_at": "2022-08-12",
     "text": "How many moons does Saturn have? Saturn has 82 moons, according to NASA. " + SHARED + " "
             "How many moons does Jupiter have? Jupiter has 80 moons. How many moons does Neptune have? "
             "Neptune has 14 moons. The count was last updated on Wednesday, Sept.\n12.\n11.\n"
             "Astronomers expect more."},
    {"id": "moons-2025", "title": "Saturn is the moon king", "source": "cnn.com", "published_at": "2025-03-12",
     "text": SHARED + " Astronomers announced on March 11 that they had found 128 new moons orbiting Saturn. "
             "The findings, confirmed on Aug. 21, 2024, push Saturn's moon count to 274."},
]


def test_the_model_reads_whole_statements_once_and_no_subheadings(tmp_path: Path) -> None:
    corpus = tmp_path / "moons.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    settings = make_settings(tmp_path / "index")
    assert not ingest(settings, [corpus]).problems
    stack = open_search(settings)
    question = "How many moons does Saturn have?"
    sources = build_sources(stack.retriever.retrieve(question, k=6), article_reader(stack))
    assert {s.article_id for s in sources} == {"moons-2022", "moons-2025"}

    read = [s.text for s in evidence.select(question, sources, sentence_similarity(stack.embedder), 12, 1800)]

    assert not [t for t in read if t.rstrip().endswith("?")], read  # subheadings ask, they do not state
    assert sum(t == SHARED for t in read) == 1, read  # the syndicated sentence, read once
    assert "The findings, confirmed on Aug. 21, 2024, push Saturn's moon count to 274." in read
    assert "The count was last updated on Wednesday, Sept.\n12." in read  # the day stays with its sentence
    assert "11." not in read, read  # a lone figure states nothing


def test_a_month_abbreviation_before_a_day_does_not_end_the_sentence() -> None:
    text = "It will be seen on Aug. 23, 2044. Then none. It came in May. 5 people died. He left in Jan. Then she came."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "It will be seen on Aug. 23, 2044.", "Then none.", "It came in May.", "5 people died.", "He left in Jan.",
        "Then she came."]


def test_a_where_question_reads_the_line_that_names_a_place(search_stack) -> None:  # noqa: ANN001
    """fu-008 on an AMX host: of the twelve sentences read for where JLR will make its drive units with BMW, five
    went to the best line of every article and the rest to partnership headlines; "For JLR, this will be at its
    engine plant in Wolverhampton" came thirteenth, and the answer was refused. A line that puts something in a
    place the question does not name answers where: it is chosen ninth of twelve now."""
    question = "Where will JLR make the electric drive units JLR is developing with BMW?"
    settings = AnswerSettings()  # what the answerer reads by default
    sources = build_sources(search_stack.retriever.retrieve(question), article_reader(search_stack))
    similarity = sentence_similarity(search_stack.embedder)

    read = evidence.select(question, sources, similarity, settings.max_sentences, settings.max_context_chars)
    assert any("Wolverhampton" in s.text for s in read), [s.text for s in read]
