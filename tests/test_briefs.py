"""Batch briefs from the real pipeline on the sample corpus, and their rendering."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from index.store import IndexStore
from rag.brief.job import Brief, BriefRequest, BriefWriter, Development, _relevant, _table_names
from rag.brief.render import slugify, to_html, to_markdown
from rag.sources import Passage, Source
from tests.conftest import SAMPLE

TOPICS = "# weekly briefs\nBMW battery production\n\nTesla Cybertruck recalls\nthe of and\nGeneral Motors\n"


def _cited_texts(md: str, store: IndexStore, word: str) -> list[str]:
    """Texts of the articles cited by the key-development bullets that mention `word`."""
    sources = dict(re.findall(r"^(\d+)\. (?:.+? — )?(.+?) \((?:\d{4}-\d{2}-\d{2}|undated)\)", md, re.MULTILINE))
    bullets = [line for line in md.splitlines() if line.startswith("- **") and word in line]
    assert bullets, f"no development mentions {word}:\n{md}"
    texts = []
    for bullet in bullets:
        for sentence in re.split(r"(?<=\])[.!?]?\s+", bullet):
            if word not in sentence:
                continue
            for n in re.findall(r"\[(\d+)\]", sentence):
                title = sources[n]
                row = store._db.execute("SELECT text FROM articles WHERE title = ?", (title,)).fetchone()
                texts.append(row[0])
    return texts


@pytest.mark.slow
def test_batch_writes_briefs_reports_failures_and_skips_existing(sample_index: Path, tmp_path: Path,
                                                                 cli_env: dict[str, str]) -> None:
    topics = tmp_path / "topics.txt"
    topics.write_text(TOPICS)
    out = tmp_path / "briefs"
    cmd = [sys.executable, "-m", "rag.cli", "brief", "--topics", str(topics), "--index", str(sample_index),
           "--out", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, env=cli_env, timeout=1500)
    assert run.returncode == 1, run.stderr  # one topic failed
    assert "newsrag: brief failed: the of and: topic 'the of and' has no searchable words" in run.stderr
    assert "3 written (1 with nothing in the index), 0 skipped, 1 failed" in run.stdout

    bmw = (out / "bmw-battery-production.md").read_text()
    store = IndexStore.open(sample_index)
    for place in ("Parsdorf", "South Carolina"):
        assert place in bmw
        cited = _cited_texts(bmw, store, place)
        assert cited and all(place in text for text in cited), f"{place} is cited to articles that do not say it"
    assert re.search(r"^\*As of 2024-09-12\* · covers \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}", bmw, re.MULTILINE)
    for heading in ("## Overview", "## Key developments", "## Companies, places and figures", "## Sources"):
        assert heading in bmw
    overview = bmw.split("## Overview")[1].split("## Key developments")[0].strip()
    assert 1 <= len(re.findall(r"[.!?](?=\s|$)", overview)) <= 5 and "[" in overview
    assert (out / "bmw-battery-production.html").read_text().count("<li") >= 3

    # Asked "Topic: General Motors" before the articles, the 1.5B answered NONE to its battery plant with TDK.
    gm = (out / "general-motors.md").read_text()
    assert "## Key developments" in gm
    assert re.search(r"^\d+\. .*GM['’]s US-Made Battery Initiative", gm, re.MULTILINE), gm

    absent = (out / "tesla-cybertruck-recalls.md").read_text()
    assert "The indexed articles contain nothing on “Tesla Cybertruck recalls”" in absent
    assert "## Sources" not in absent

    index = (out / "index.md").read_text()
    assert "[BMW battery production](bmw-battery-production.md)" in index
    assert "Tesla Cybertruck recalls" in index and "- the of and: topic 'the of and' has no searchable words" in index

    again = subprocess.run(cmd, capture_output=True, text=True, env=cli_env, timeout=600)
    assert "0 written (0 with nothing in the index), 3 skipped, 1 failed" in again.stdout, again.stdout
    assert (out / "bmw-battery-production.md").read_text() == bmw

    by_flag = cmd[:4] + ["--topic", "BMW battery production", "--topic", "Tesla Cybertruck recalls"] + cmd[6:]
    repeated = subprocess.run(by_flag, capture_output=True, text=True, env=cli_env, timeout=600)
    assert "0 written (0 with nothing in the index), 2 skipped, 0 failed" in repeated.stdout, repeated.stdout

    # Another scope is not "already written": the brief is rewritten and says what it read.
    since = subprocess.run(by_flag[:4] + ["--topic", "Tesla Cybertruck recalls", "--since", "2024-01-01",
                                          "--source", "benzinga"] + cmd[6:],
                           capture_output=True, text=True, env=cli_env, timeout=600)
    assert "1 written (1 with nothing in the index), 0 skipped, 0 failed" in since.stdout, since.stdout + since.stderr
    scoped = (out / "tesla-cybertruck-recalls.md").read_text()
    assert "*As of 2024-09-12 · from Benzinga · since 2024-01-01*" in scoped


def test_gathering_keeps_articles_that_name_the_topic(search_stack) -> None:  # noqa: ANN001
    """What reaches the model, on the real sample index: "General Motors" finds the article that writes only
    "GM" (its Ohio engine plant) and not the ones on electric motors; a topic without names needs its words,
    not one of them ("battery" is in most articles; none is on recycling)."""
    from rag.pipeline import article_reader

    writer = BriefWriter(search_stack.retriever, chat_model=None,  # type: ignore[arg-type]
                         article_text=article_reader(search_stack))
    as_of = search_stack.store.latest_date()

    def titles(topic: str) -> list[str]:
        return [s.title for s in writer._gather(BriefRequest(topic=topic, as_of=as_of), topic)]

    gm = titles("General Motors")
    assert "GM set to invest $920m in Ohio DMAX engine plant" in gm
    assert any(t.startswith("GM's US-Made Battery Initiative") for t in gm)
    assert not [t for t in gm if "motor" in t.lower()], gm
    assert titles("Jaguar Land Rover").count("AMS Summer 2023 – JLR goes electric") == 1
    assert titles("battery recycling") == []
    assert titles("solid-state batteries") == ["Next steps towards solid-state"]
    # A company named as analysts write it, its articles as the news does ("Nissan", "BMW"): both found nothing
    # or little when every word of the topic had to be written.
    assert titles("Nissan Motor") == ["Nissan announces third gigafactory in UK for EV models"]
    assert "BMW begins production at German cell manufacturing competence centre" in titles("BMW Group")


def test_a_name_is_written_by_its_short_form_but_not_by_a_common_word() -> None:
    assert _relevant("Epic Games", "Tim Sweeney on Epic’s victory royale over Google")
    assert _relevant("Sam Bankman-Fried", "The jury found Bankman-Fried guilty on all counts.")
    assert not _relevant("Epic Games", "An epic night of games.")
    assert not _relevant("General Motors", "The Attorney General sued the carmaker.")
    assert not _relevant("South Carolina", "North Carolina gets a battery plant.")
    assert not _relevant("Tata Group and Microvast", "Tata will build a gigafactory.")


def test_the_overview_restates_only_the_checked_facts(search_stack) -> None:  # noqa: ANN001
    """The 1.5B's overview of "electric motors" (recorded: the model is a stand-in for its reply) gave EVR
    Motors' novel design to Jaguar Land Rover and BMW, citing their article, whose words it shares enough to
    pass a check against the whole article; checked against the facts taken from each article, it does not."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from rag.citations import check_sentences
    from rag.pipeline import article_reader

    topic = "electric motors"
    writer = BriefWriter(search_stack.retriever, chat_model=None,  # type: ignore[arg-type]
                         article_text=article_reader(search_stack))
    sources = writer._gather(BriefRequest(topic=topic, as_of=search_stack.store.latest_date()), topic)
    jlr = next(s.n for s in sources if s.title.startswith("BMW, Jaguar Land Rover team up"))
    evr = next(s.n for s in sources if s.title.startswith("New motor technology"))
    facts = [check_sentences(text, sources, given=topic)[0] for text in (
        f"Jaguar Land Rover and BMW are teaming up to develop 'next-generation Electric Drive Units' [{jlr}].",
        f"A novel electric motor design could have a dramatic impact on vehicle production [{evr}].")]
    assert all(f.backed for f in facts)
    conflated = (f"A novel electric motor design, which could have a significant impact on vehicle production and "
                 f"the electric vehicle market, is being developed by Jaguar Land Rover and BMW [{jlr}].")
    assert check_sentences(conflated, sources, given=topic)[0].backed  # the whole article lets it through
    faithful = f"Jaguar Land Rover and BMW are teaming up on next-generation Electric Drive Units [{jlr}]."
    writer.chat_model = FakeListChatModel(responses=[f"{conflated} {faithful}"])
    assert [c.text for c in writer._overview(topic, facts, sources)] == [faithful]


def test_html_is_self_contained_printable_and_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)"> Gigafactory <script>alert(2)</script>'
    source = Source(n=1, article_id="a#1", origin="a.txt", title=hostile, outlet="Wire & Co", author="",
                    published_at="2023-10-27T10:00:00", url="https://example.com/a?x=1&y=2",
                    passages=(Passage(0, 5, "text", ()),), score=1.0)
    brief = Brief(topic="Gigafactories <b>UK</b>", request=BriefRequest(topic="", as_of="2024-09-12"),
                  overview="Plants open [1].",
                  developments=[Development("2023-10-27", "A <script>x</script> plant opens [1].", ("Wire",), ("€1bn",),
                                            (1,))], sources=[source])
    html = to_html(brief)
    assert "<script>" not in html and "<img" not in html and "<b>UK</b>" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<style>" in html and "@media print" in html
    assert not re.search(r"<(link|script)\b", html), "no external stylesheet or script"
    assert 'href="https://example.com/a?x=1&amp;y=2"' in html
    md = to_markdown(brief)
    assert "<script>" not in md and "&lt;img" in md and "Wire & Co — " in md
    assert "*As of 2024-09-12* · covers 2023-10-27 · 1 source" in md and "covers 2023-10-27 · 1 source</p>" in html
    assert slugify("UK gigafactories / 2024!") == "uk-gigafactories-2024"


def test_a_dateline_and_byline_is_not_a_development() -> None:
    """A scraped page keeps "2023-06-28T00:14:00+01:00By Christopher Ludwig" as text, so citing it passes
    the support check; the brief must not list it. The model is a stand-in: the 1.5B rarely copies such
    a line, the 0.5B did (a fast-preset brief on "BMW battery production")."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    text = ("BMW batteries: made and trained in South Carolina\n\n2023-06-28T00:14:00+01:00By Christopher Ludwig\n\n"
            "BMW’s battery plant in South Carolina will use regionally sourced cells to power EV production in "
            "Spartanburg.")
    article = Source(n=1, article_id="bmw#1", origin="000.txt", title="BMW batteries", outlet="AMS", author="",
                     published_at="2023-06-28", url="", passages=(Passage(0, len(text), text, ()),), score=1.0)
    reply = ("2023-06-28T00:14:00+01:00By Christopher Ludwig [1]. BMW’s battery plant in South Carolina will use "
             "regionally sourced cells [1].")
    writer = BriefWriter(retriever=None, chat_model=FakeListChatModel(responses=[reply]),  # type: ignore[arg-type]
                         article_text=lambda _: text)
    facts = writer._facts("BMW battery production", [article])
    assert [f.text for f in facts] == ["BMW’s battery plant in South Carolina will use regionally sourced cells [1]."]


def test_a_headline_that_asks_does_not_vouch_for_a_development() -> None:
    """MultiHop-RAG's article under the question "Is Sam Bankman-Fried a bad ‘man’ or a good ‘boy’?…": the
    1.5B's brief stated the question as a fact, citing it, and the check passed it on the headline's words.
    The reply is the one recorded; the control sentence is one its text supports."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    title = ("Is Sam Bankman-Fried a bad ‘man’ or a good ‘boy’? Lawyers swap opening statements before first "
             "witnesses take the stand")
    text = ("That answer ultimately lies with the jury, which was selected on Wednesday morning before lawyers for "
            "the government and then Bankman-Fried swapped two very different stories of the former crypto mogul’s "
            "sudden rise and almost instantaneous fall.\n\nAnd after Bankman-Fried left Jane Street, the "
            "high-frequency trading firm where the former billionaire got his start in finance after MIT, he "
            "persuaded Yedidia to join him as a trader at Alameda and then as a developer at FTX.")
    article = Source(n=1, article_id="mh-70808d4f68bc#1", origin="corpus.jsonl", title=title, outlet="Fortune",
                     author="", published_at="2023-10-04", url="", passages=(Passage(0, len(text), text, ()),),
                     score=1.0)
    control = "Bankman-Fried persuaded Yedidia to join him as a trader at Alameda [1]."
    reply = f"Sam Bankman-Fried is a bad 'man' or a good 'boy' [1]. {control}"
    writer = BriefWriter(retriever=None, chat_model=FakeListChatModel(responses=[reply]),  # type: ignore[arg-type]
                         article_text=lambda _: text)
    assert [f.text for f in writer._facts("Sam Bankman-Fried", [article])] == [control]

    # With only the headline's sentence, no brief; but the page does not claim the index holds nothing on it.
    writer.chat_model = FakeListChatModel(responses=["Sam Bankman-Fried is a bad 'man' or a good 'boy' [1]."])
    writer._gather = lambda request, topic: [article]  # type: ignore[method-assign]
    brief = writer.write(BriefRequest(topic="Sam Bankman-Fried", as_of="2023-12-24"))
    assert brief.empty and brief.unconfirmed == [article]
    md = to_markdown(brief)
    assert "1 indexed article mentions “Sam Bankman-Fried”, but no statement drawn from it passed the check" in md
    assert "- Fortune — Is Sam Bankman-Fried a bad ‘man’" in md and "contain nothing" not in md


def test_the_table_lists_the_subject_and_no_common_nouns() -> None:
    """A development the 1.5B wrote for "REE Automotive" (sample index): its table row was "REE Automotive; EV;
    Lithium-ion", without Microvast, the company that opens the sentence."""
    text = next(p for p in sorted(SAMPLE.iterdir()) if "Microvast" in p.read_text()).read_text()
    article = Source(n=2, article_id="ree#1", origin="sample", title="", outlet="", author="", published_at="",
                     url="", passages=(Passage(0, len(text), text, ()),), score=1.0)
    development = ("Microvast will supply battery packs for REE Automotive commercial EV platforms using Lithium-ion "
                   "batteries [2].")
    assert _table_names(development, [article]) == ("Microvast", "REE Automotive")
    gm = "General Motors (GM) has set a new push for US-made batteries, aiming to revolutionize the EV supply [2]."
    assert _table_names(gm, [article]) == ("General Motors", "GM", "US")
    assert _table_names("Ford Insider Reveals Insane Mustang Stat Amid Big Change [1].", [article]) == ()  # a headline


def test_a_fact_given_to_the_topic_from_another_subject_is_dropped() -> None:
    """The 1.5B's reply (recorded) to MultiHop-RAG's "In the end, the FTX trial was about the friends screwed
    along the way", for "Sam Bankman-Fried": Ellison's post, given to him. The second sentence is a control."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from tests.test_citations import FTX_TRIAL

    article = Source(n=1, article_id="mh-ftx#1", origin="corpus.jsonl",
                     title="In the end, the FTX trial was about the friends screwed along the way", outlet="The Verge",
                     author="", published_at="2023-10-26", url="",
                     passages=(Passage(0, len(FTX_TRIAL), FTX_TRIAL, ()),), score=1.0)
    control = "Wang heard Bankman-Fried tell another trader that it was okay to continue withdrawing money [1]."
    reply = ("Sam Bankman-Fried was the CEO of Alameda Research, and his tenure was an exercise in optics [1]. "
             + control)
    writer = BriefWriter(retriever=None, chat_model=FakeListChatModel(responses=[reply]),  # type: ignore[arg-type]
                         article_text=lambda _: FTX_TRIAL)
    assert [f.text for f in writer._facts("Sam Bankman-Fried", [article])] == [control]
