"""Citation handling on real retrieved sources: numbering, spans, support flags, refusal."""

from __future__ import annotations

import pytest

from index.textrules import numbers
from rag.citations import Renumberer, verify
from rag.prompts import REFUSAL
from rag.sources import build_sources
from rag.support import SUPPORT_THRESHOLD, borrowed_subject, joint_support, support_score


@pytest.fixture(scope="module")
def sources(search_stack):  # noqa: ANN001, ANN201
    hits = search_stack.retriever.retrieve("Where will Jaguar Land Rover manufacture its electric drive units?", k=6)

    def article_text(article_id: str) -> str | None:
        article = search_stack.store.get_article(article_id)
        return article.text if article else None

    built = build_sources(hits, article_text)
    assert len({s.article_id for s in built}) == len(built), "one number per article"
    return built


def _n(sources, prefix: str) -> int:  # noqa: ANN001
    return next(s.n for s in sources if s.article_id.startswith(prefix))


def test_streamed_renumbering_equals_whole_text_renumbering() -> None:
    draft = "Alpha holds [3]. Beta holds [1][3]. Gamma [2, 1] and an invented source [9]."
    whole = Renumberer({1, 2, 3}).rewrite(draft)
    assert whole == "Alpha holds [1]. Beta holds [2][1]. Gamma [3][2] and an invented source ."
    streamed = Renumberer({1, 2, 3})
    pieces = [streamed.feed(draft[i : i + 2]) for i in range(0, len(draft), 2)] + [streamed.flush()]
    assert "".join(pieces) == whole


def test_supported_sentence_cites_the_span_that_supports_it(sources) -> None:  # noqa: ANN001
    jlr = _n(sources, "004_")
    draft = f"Jaguar Land Rover will build the units at its Wolverhampton-based engine manufacturing centre [{jlr}]."
    result = verify(draft, sources)
    assert not result.refused
    assert result.text.endswith("centre [1].")
    (citation,) = result.citations
    assert citation.n == 1 and citation.origin == "004_e8da01d87820f55e.txt"
    assert "Wolverhampton-based engine manufacturing centre" in citation.quote
    source = next(s for s in sources if s.n == jlr)
    passage = next(p for p in source.passages if p.start <= citation.start < p.end)
    assert passage.text[citation.start - passage.start : citation.end - passage.start] == citation.quote
    assert citation.chunk_id.startswith("004_e8da01d87820f55e.txt::")
    assert result.sentences[0].flag is None


def test_wrong_citation_is_corrected_to_the_supporting_article(sources) -> None:  # noqa: ANN001
    wrong, right = _n(sources, "004_"), _n(sources, "001_")
    draft = f"JLR's engine plant in Wolverhampton employs 1,600 people [{wrong}]."
    result = verify(draft, sources)
    assert result.sentences[0].flag == "corrected"
    assert result.citations[0].origin == "001_f9b53cb2c1151317.txt" and right != wrong
    assert "1,600 people" in result.citations[0].quote


def test_unsupported_sentence_is_flagged_and_numbers_follow_first_use(sources) -> None:  # noqa: ANN001
    jlr, other = _n(sources, "004_"), _n(sources, "001_")
    draft = (f"BMW will bring its 5th generation electric drive to the collaboration [{other}]. "
             f"The EDUs will be manufactured by each partner in their own production facilities [{jlr}]. "
             f"Tesla will supply 900,000 batteries from Giga Berlin [{jlr}].")
    result = verify(draft, sources)
    assert [s.flag for s in result.sentences] == [None, None, "unsupported"]
    assert [c.n for c in result.citations] == [1, 2]
    assert result.citations[0].origin.startswith("001_") and result.citations[1].origin.startswith("004_")
    assert "[1]" in result.text.split(".")[0]


def test_unbacked_answer_becomes_a_refusal(sources) -> None:  # noqa: ANN001
    result = verify("Tesla's Giga Berlin makes 500,000 cars a year [1].", sources)
    assert result.refused and result.text == REFUSAL and result.citations == []
    assert result.sentences[0].flag == "unsupported"
    assert verify(REFUSAL, sources).refused
    assert verify("The sources do not mention Giga Berlin.", sources).refused


def test_support_check_rules_on_question_context() -> None:
    bmw = ("BMW batteries: made and trained in South Carolina\nBMW’s battery plant in South Carolina will use "
           "regionally sourced cells to power EV production in Spartanburg.")
    rivian_q = "What battery chemistry will Rivian use in the R2?"
    # a claim about the question's subject on an article that never names it: not supported
    assert support_score("Rivian will use regionally sourced cells to power EV production in Spartanburg.",
                         bmw, rivian_q) == 0.0
    # nor, in an answer about Rivian, what an article that never names Rivian says of BMW
    assert support_score("BMW will use regionally sourced cells in Spartanburg.", bmw, rivian_q) == 0.0
    assert support_score("BMW will use regionally sourced cells in Spartanburg.", f"{bmw} Rivian builds in Illinois.",
                         rivian_q) == 1.0
    # restating an on-topic question is context, the new fact must be in the passage
    age = "The Age\n2023-10-22\nGoogle manipulated search results to maximise ad revenue, Megan Grey wrote."
    question = "Which company manipulated search results according to Megan Grey in The Age?"
    assert support_score("Google manipulated search results according to Megan Grey in The Age.", age, question) == 1.0
    assert support_score("Bing manipulated search results according to Megan Grey in The Age.", age, question) == 0.0
    # a sentence that only restates the question must be supported in full
    two = "In which two places is BMW building battery production, one in Germany and one in the US?"
    parsdorf = "BMW has started production of battery cells at its centre in Parsdorf, Germany."
    assert support_score("BMW is building battery production in Germany and the US.", parsdorf, two) == 0.0
    # a deed the passage words otherwise is found ("began" on "has started": index/same_deed.py); another is not
    began = "When did BMW commence production of battery cells in Parsdorf?"
    dated = f"{parsdorf}\n2023-10-27T14:58:00+01:00"
    assert support_score("BMW began production of battery cells in Parsdorf in 2023.", dated, began) == 1.0
    assert support_score("BMW halted production of battery cells in Parsdorf in 2023.", dated, began) == 0.0
    # figures: separators, leading zeros and month names
    acc = "ACC opens first gigafactory in France\n2023-06-01T16:10:00+01:00"
    assert support_score("ACC opened its first gigafactory in France on June 1, 2023.", acc) == 1.0
    assert support_score("ACC opened its first gigafactory in France on June 2, 2023.", acc) == 0.0


def test_a_percentage_is_a_share_or_a_change_as_its_article_says() -> None:
    """`newsrag ask "What share of UK car production was electrified in the first half of 2023?"` answered "70%",
    the growth in the headline "Electrified vehicle production in UK soars 70%"; the share is "more than a third"."""
    headline = "Electrified vehicle production in UK soars 70% in first half of 2023 to new record"
    share_q = "What share of UK car production was electrified in the first half of 2023?"
    assert support_score("70%.", headline, share_q) == 0.0
    assert support_score("Electrified vehicles made up 70% of UK car production.", headline) == 0.0
    assert support_score("Electrified vehicle production in the UK grew 70%.", headline) >= SUPPORT_THRESHOLD
    assert support_score("70%.", headline, "By how much did UK electrified vehicle production grow?") == 1.0
    assert support_score("Electric car sales rose 34%.", "Electric cars made up 34% of sales.") == 0.0
    assert support_score("Electric cars took 34% of sales.", "Electric cars took 34% of sales.") == 1.0


def test_a_share_is_quoted_from_the_sentence_giving_it_not_a_change(search_stack) -> None:  # noqa: ANN001
    """Once "70%" fails the check, the evidence is quoted: its headline ("… soars 70% …") answers another
    question, the sentence after it ("representing more than a third of all cars made in the UK") this one."""
    from rag.grounded import ground

    question = "What share of UK car production was electrified in the first half of 2023?"
    sources = _retrieved(search_stack, question)
    evidence = [_evidence_sentence(sources, words) for words in ("soars 70%", "more than a third")]
    grounded = ground("70%", evidence, sources, question, False)
    assert grounded.mode == "quoted", grounded.verified.text
    assert [c.quote for c in grounded.verified.citations] == [evidence[1].text], grounded.verified.text


def test_a_count_is_backed_only_by_a_count_of_the_same_thing() -> None:
    """`newsrag ask "How many gigafactories does Nissan plan in the UK?"` answered "Nissan plans three
    gigafactories in the UK", passed on "The carmaker will make three EV models": the article's "three" counts
    models. Its gigafactory is the "third", a count of nothing."""
    article = ("Nissan announces third gigafactory in UK for EV models. The carmaker will make three EV models - "
               "the Qashqai and JUKE crossovers and its next-generation LEAF - at its EV36Zero hub in Sunderland.")
    plants = "How many gigafactories does Nissan plan in the UK?"
    models = "How many EV models will Nissan make in Sunderland?"
    assert support_score("Nissan plans three gigafactories in the UK for EV models.", article, plants) == 0.0
    assert support_score("3.", article, plants) == 0.0
    assert support_score("Nissan will make three EV models in Sunderland.", article, models) >= SUPPORT_THRESHOLD
    assert support_score("3.", article, models) == 1.0
    # "five times" counts events, whatever the article calls them (RealTimeQA: "How many times did he lead his team to
    # the Final Four?" on "… a Syracuse program that made five Final Four trips …")
    trips = "Boeheim became synonymous with a Syracuse program that made five Final Four trips."
    assert support_score("Boeheim led Syracuse to the Final Four five times.", trips,
                         "How many times did Boeheim lead his team to the Final Four?") >= SUPPORT_THRESHOLD
    # a figure counting nothing on either side is left to the word check
    assert support_score("GM will invest $920m in Ohio.", "GM set to invest $920m in its Ohio plant.") == 1.0
    assert support_score("GM will hire 300 workers.", "GM will hire 300 in Ohio.") >= SUPPORT_THRESHOLD


def test_a_claimed_count_is_not_backed_by_the_name_of_a_month() -> None:
    """A RealTimeQA answer, "5 years [1]", was cited to "The runoff is May 7.": May is the fifth month.
    A month matches a month in any spelling, a figure only a figure."""
    runoff = "Le Pen and Macron meet in the runoff. Le Pen was barred from running for office on May 7, 2017."
    assert support_score("Le Pen was barred from running for office for 5 years.", runoff) == 0.0
    assert support_score("Le Pen and Macron meet in the runoff on 2017-05-07.", runoff) == 1.0
    assert support_score("Le Pen and Macron meet in the runoff on 5/7/2017.", runoff) == 1.0
    over = "13 Dec 2023 00.58 GMT 12th over: West Indies 102-4 (Hope 26, Hetmyer 1)"
    assert support_score("West Indies were 102-4 in the 12th over on 2023-12-13.", over) == 1.0
    assert support_score("West Indies were 102-4 in the 12th over in November.", over) == 0.0
    # "may" the verb is no month; the 2011-12 season is no December
    assert support_score("Ford may add 5 jobs.", "Ford may add jobs.") == 0.0
    season = "The club signed players in the 2011-12 season."
    assert support_score("The club signed players in the 2011-12 season.", season) == 1.0
    assert "month:12" not in numbers(season) and "12" in numbers(season)
    # nor does its "12" count players: a count is backed by a count of the same thing
    assert support_score("The club signed 12 players.", season) == 0.0


def test_a_count_the_passage_spells_out_backs_the_claimed_figure() -> None:
    """News style writes small counts in words ("a five-year ban", "three plants"); a model's answer
    often writes the figure. Either way round, the same count supports the claim, and another does not."""
    ban = "Le Pen was handed an immediate five-year ban from public office on Monday."
    assert support_score("Le Pen was handed a 5-year ban from public office.", ban) == 1.0
    assert support_score("Le Pen was handed a 15-year ban from public office.", ban) == 0.0
    plants = "Stellantis will build 3 battery plants and hire 2,500 workers in Indiana."
    assert support_score("Stellantis will build three battery plants in Indiana.", plants) == 1.0
    assert support_score("Stellantis will build four battery plants in Indiana.", plants) == 0.0
    assert support_score("Stellantis will hire twenty workers in Indiana.", plants) == 0.0
    # "one" is a pronoun as often as a count: "one of" claims nothing about a figure
    assert support_score("Stellantis will hire workers in Indiana, at one of its battery plants.", plants) == 1.0


def test_a_sentence_joining_two_articles_takes_each_figure_from_the_article_it_is_about() -> None:
    """seed-038's answer: the date of the GM–TDK article given to the BMW–JLR partnership."""
    jlr = "Jaguar Land Rover will team up with BMW to develop electric drive units.\n2019-06-05"
    gm = "General Motors has set its sights on a deal with TDK to build a battery plant.\n2024-09-12"
    wrong = "The BMW and Jaguar Land Rover electric drive partnership was announced first, on 2024-09-12"
    right = "BMW and Jaguar Land Rover teamed up in 2019, while GM and TDK plan a battery plant, on 2024-09-12"
    assert joint_support(wrong, [jlr, gm]) == 0.0
    assert joint_support(right, [jlr, gm]) >= SUPPORT_THRESHOLD


def test_a_sentence_joining_two_articles_names_each_company_beside_what_it_says_of_it() -> None:
    """The 1.5B answered "Which companies are investing in US battery production?" on the sample with
    "General Motors and Tata are investing in US battery production [1][2]": Tata's gigafactory is in
    the UK, and only the GM article writes "US". Listed names are each said the same of, so need not
    share an article; a name that is said with a place must be written beside it."""
    question = "Which companies are investing in US battery production?"
    gm = "General Motors has set its sights on a deal with TDK to establish a new battery plant in the US."
    tata = "Tata invests £4bn in UK battery cell gigafactory to supply JLR as anchor client."
    assert joint_support("General Motors and Tata are investing in US battery production", [gm, tata], question) == 0.0
    assert joint_support("General Motors and Tata are investing in battery production", [gm, tata],
                         question) >= SUPPORT_THRESHOLD
    assert joint_support("General Motors is investing in the US, while Tata invests in the UK", [gm, tata],
                         question) >= SUPPORT_THRESHOLD


# MultiHop-RAG's texts, as indexed, and RealTimeQA's Tony Awards story (2025), in part.
FTX_TRIAL = ("Wang testified that he heard Bankman-Fried tell another trader that it was okay to continue withdrawing "
             "money from the account as long as the amount was less than FTX’s total trading revenue.\n\nEllison’s "
             "tenure as CEO of Alameda Research was an exercise in optics, she testified.")
CHATGPT_AT_ONE = ("Indeed, ChatGPT became priority number one at OpenAI — not simply a one-off product but a "
                  "development platform to build upon.\n\nDeepMind, Google’s premier AI research lab, is expected to "
                  "debut a next-gen chatbot, Gemini, before the end of the year.")
TONYS = ("Cole Escola makes Tony Awards history as first nonbinary best leading actor in a play.\n\nMeanwhile, "
         "Hollywood A-listers Sarah Snook and Nicole Scherzinger joined the Tonys club with their first wins. "
         "\"Succession\" star Snook won best leading actress in a play for \"The Picture of Dorian Gray.\"")


def test_what_an_article_says_of_one_subject_is_not_said_of_another() -> None:
    """Both misattributions came from the 1.5B's briefs: every word is in the article, which names the brief's
    subject too, so only `borrowed_subject` tells them from what the article says; `support_score` uses it."""
    misattributed = "Sam Bankman-Fried was the CEO of Alameda Research, and his tenure was an exercise in optics."
    assert borrowed_subject(misattributed, FTX_TRIAL) == "Ellison"
    assert support_score(misattributed, FTX_TRIAL, "Sam Bankman-Fried") == 0.0
    assert support_score("Ellison was the CEO of Alameda Research.", FTX_TRIAL, "Sam Bankman-Fried") == 1.0
    assert borrowed_subject("OpenAI is developing a chatbot called Gemini.", CHATGPT_AT_ONE) == "DeepMind"
    # What the article does say of each, and a claim whose subject's own sentence says nearly as much.
    assert borrowed_subject("Ellison was the CEO of Alameda Research.", FTX_TRIAL) == ""
    assert borrowed_subject("Google's DeepMind is expected to debut a chatbot, Gemini.", CHATGPT_AT_ONE) == ""
    assert borrowed_subject("Bankman-Fried told a trader it was okay to continue withdrawing money.", FTX_TRIAL) == ""
    assert borrowed_subject("Sarah Snook won her first Tony Award for best leading actress in a play.", TONYS) == ""
    assert borrowed_subject("Unfortunately, it was a tenure in optics.", FTX_TRIAL) == ""


# MultiHop-RAG's texts, as indexed, with the outlet, date and headline a source's evidence holds.
SBF_PLEA = ("TechCrunch\n2023-10-02\nSBF, riding high on FTX, reportedly offered $5B to Trump to cancel President "
            "re-run\nSBF, as he’s known, has pleaded not-guilty to some seven charges of fraud and conspiracy.")
ZHAO_PLEA = ("Cnbc\n2023-11-30\nCoinbase rallies more than 60% in same month that FTX and Binance founders brace for "
             "prison\nUnlike FTX, which filed for bankruptcy in late 2022, Binance is still standing, though now "
             "without Zhao, who agreed to step down as CEO as part of the plea deal.")
ALTMAN_TIMELINE = ("TechCrunch\n2023-11-18\nA timeline of Sam Altman’s firing from OpenAI — and the fallout\nAltman "
                   "has been telling investors that he’s planning to launch a new venture, according to The "
                   "Information.")


def test_an_answer_naming_none_of_the_question_s_subjects_stands_on_an_article_about_them() -> None:
    """`newsrag ask "What did Changpeng Zhao plead guilty to?"` on MultiHop-RAG answered "fraud and conspiracy",
    citing Bankman-Fried's plea: an article that never names Zhao. A claim that leaves its subject to the
    question (a phrase, a bare name, "It …") needs an article naming what the question is about, and so does one
    naming someone else; where the question is set ("Which US holiday …?", "European") is not what it is about."""
    question = "What did Changpeng Zhao plead guilty to?"
    assert support_score("Fraud and conspiracy.", SBF_PLEA, question) == 0.0
    assert support_score("He agreed to step down as CEO as part of the plea deal.", ZHAO_PLEA, question) == 1.0
    # RealTimeQA, right answers from articles that do not write the US or "European"
    holiday = "When is Presidents Day? Here's when and why we celebrate\nPresidents Day falls on February 19."
    assert support_score("Presidents Day.", holiday, "Which US holiday takes place on the third Monday of February?") \
        == 1.0
    venice = "Venice doubles its entry fee for day trippers\nVenice will charge day trippers €10 this summer."
    assert support_score("Venice.", venice, "Which popular European tourist destination doubled its entry fee?") == 1.0
    # nor one with a subject of its own, on an article that is not about the question's: `newsrag ask "Where is
    # BMW's battery assembly plant in the US?"` answered with GM's plant, from an article that never names BMW
    assert support_score("SBF has pleaded not-guilty to charges of fraud and conspiracy.", SBF_PLEA, question) == 0.0
    gm_plant = ("Benzinga\nGM's US-Made Battery Initiative\nGeneral Motors (NYSE:GM) has set its sights on a "
                "groundbreaking deal with Japanese company TDK to establish a new battery plant in the United States.")
    claim = "General Motors has set its sights on a deal with TDK to establish a new battery plant in the US."
    assert support_score(claim, gm_plant, "Where is BMW's battery assembly plant in the US?") == 0.0
    assert support_score(claim, gm_plant, "Where will GM's battery plant with TDK be?") == 1.0
    # nor do two articles together stand in for one naming the subject: RealTimeQA's "Qatar [1][2]" cited a CNN
    # story on unpaid wages in Qatar beside one on North Korean hackers
    riots = "North Koreans working where have rioted over unpaid wages?"
    wages = "CNN\nThe company did not respond to questions about protests over unpaid wages in Qatar."
    hackers = "CNN\nThe US Justice Department charged three North Koreans for conspiring to steal $1.3 billion."
    assert joint_support("Qatar.", [wages, hackers], riots) == 0.0
    assert joint_support("Qatar.", ["CNN\nNorth Koreans working in Qatar rioted over pay.", hackers], riots) == 1.0


def test_an_answer_does_not_say_of_the_question_s_subject_what_its_article_says_of_another() -> None:
    """`newsrag ask "What did Elon Musk say about OpenAI?"` answered "Elon Musk has been telling investors that
    he's planning to launch a new venture", citing what the article says of Altman. The question names Musk
    and the article OpenAI, so the question's context excused the name; the check now refuses it."""
    question = "What did Elon Musk say about OpenAI?"
    claim = "Elon Musk has been telling investors that he's planning to launch a new venture."
    assert borrowed_subject(claim, ALTMAN_TIMELINE) == "Altman"
    assert support_score(claim, ALTMAN_TIMELINE, question) == 0.0
    assert support_score("Altman has been telling investors about a new venture.", ALTMAN_TIMELINE, question) == 1.0
    # newsrag's own quote of an article says who said it: it borrows no subject, and leaves none to the question
    quote = ("TechCrunch (2023-11-18) reports: “Altman has been telling investors that he’s planning to launch a new "
             "venture”")
    assert borrowed_subject(quote, ALTMAN_TIMELINE) == "" and support_score(quote, ALTMAN_TIMELINE, question) == 1.0
    quote = "Cnbc reports: “Binance is still standing, though now without Zhao”"
    assert support_score(quote, ZHAO_PLEA, "Did Sam Bankman-Fried plead guilty?") == 1.0


def test_a_yes_does_not_stand_on_what_its_evidence_says_of_someone_else() -> None:
    """`newsrag ask "Was Sam Bankman-Fried the CEO of Alameda Research?"` on MultiHop-RAG: the 1.5B answered
    "Yes", pointing at Ellison's tenure; the article names him elsewhere, so every other check passed."""
    from rag.evidence import Sentence
    from rag.grounded import ground

    from rag.retrieval.types import Hit, RetrievedChunk

    title = "In the end, the FTX trial was about the friends screwed along the way"
    chunk = RetrievedChunk(1, "mh-b503d71472f2::0", "mh-b503d71472f2", 0, 0, len(FTX_TRIAL), FTX_TRIAL,
                           "corpus.jsonl", title, "The Verge", "", "2023-10-26", "")
    [article] = build_sources([Hit(chunk, 1.0)], lambda _: FTX_TRIAL)
    start = FTX_TRIAL.index("Ellison")
    ellison = Sentence(1, article.n, start, len(FTX_TRIAL), FTX_TRIAL[start:], 1.0)
    question = "Was Sam Bankman-Fried the CEO of Alameda Research?"
    assert _refused(ground("Yes", [ellison], [article], question, True))
    assert ground("Yes", [ellison], [article], "Was Ellison the CEO of Alameda Research?", True).mode == "yes_no"


def test_a_yes_on_the_one_thing_asked_placed_in_another_country_is_no(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h3-007 "Correct me if I'm wrong, but ACC's first gigafactory is in Germany?": the 1.5B said
    "Yes" on "ACC opens first gigafactory in France", refused (no report names ACC and Germany). There is one first
    gigafactory: "No". A gigafactory of many ("Is ACC building a gigafactory in Germany?") stays unanswered."""
    from rag.grounded import ground

    question = "ACC's first gigafactory is in Germany, right?"
    sources = _retrieved(search_stack, question)
    headline = _evidence_sentence(sources, "ACC opens first gigafactory in France")
    grounded = ground("Yes", [headline], sources, question, True)
    assert grounded.mode == "yes_no" and grounded.verified.text.startswith("No:")
    assert ground("Yes", [headline], sources, "ACC's first gigafactory is in France, right?", True
                  ).verified.text.startswith("Yes:")
    assert _refused(ground("Yes", [headline], sources, "Is ACC building a gigafactory in Germany?", True))


def test_only_questions_that_lean_on_the_conversation_are_condensed() -> None:
    from rag.follow_up import needs_context

    assert needs_context("And where will they build them?")
    assert needs_context("What about Nissan?")
    assert needs_context("How much did the centre cost?")  # names nothing of its own
    assert needs_context("Which plant's EV production will its batteries power?")  # "EV" names no one
    assert needs_context("For which of REE's platforms?")  # opens on a preposition: continues a question
    assert not needs_context("Where will Jaguar Land Rover manufacture its electric drive units?")
    assert not needs_context("Which company did Honda agree to collaborate with on lithium-ion batteries?")
    assert not needs_context("Is Tesla building a gigafactory in the UK?")


def test_a_follow_up_is_read_with_the_last_answer_s_name_for_its_pronouns() -> None:
    from rag.follow_up import answer_read_in

    client = "Who is the anchor client of Tata's UK battery gigafactory?"
    assert answer_read_in("Where will it make the units it is developing with BMW?", client, "JLR [1].") == \
        "Where will JLR make the units JLR is developing with BMW?"
    assert answer_read_in("What will its output be?", client, "JLR [1].") == "What will JLR's output be?"
    tie_up = "Which companies are reported to be exploring a $35bn tie-up?"
    assert answer_read_in("When will they complete their tie-up?", tie_up, "FiatChrysler and Renault [1].") == \
        "When will FiatChrysler and Renault complete FiatChrysler and Renault's tie-up?"
    # "they" is not one company; a place, a figure or a refusal is no name to read in
    assert answer_read_in("By when do they aim to establish a joint venture?", "Which company did Honda agree with?",
                          "GS Yuasa [1].") == ""
    assert answer_read_in("How much is it investing?", "Where is Tata building?", "In Somerset, England [1].") == ""
    assert answer_read_in("How much is it investing?", client, REFUSAL) == ""


def test_a_rewrite_that_is_not_a_question_is_dropped_for_the_question_typed() -> None:
    from rag.follow_up import standalone_or_typed

    assert standalone_or_typed("Which country is TDK from?", "Which country is that company from?") == \
        "Which country is TDK from?"
    assert standalone_or_typed("TDK is from Japan.", "Which country is that company from?") == \
        "Which country is that company from?"


def test_unsupported_sentences_can_be_dropped_and_stay_listed(sources) -> None:  # noqa: ANN001
    jlr = _n(sources, "004_")
    draft = (f"Jaguar Land Rover will build the units in Wolverhampton [{jlr}]. "
             f"Tesla will also build 900,000 units in Texas [{jlr}].")
    kept = verify(draft, sources, drop_unsupported=True)
    assert not kept.refused and "Tesla" not in kept.text and "Wolverhampton" in kept.text
    assert [s.flag for s in kept.sentences] == [None, "removed"]
    flagged = verify(draft, sources)
    assert "Tesla" in flagged.text and flagged.sentences[-1].flag == "unsupported"


def test_quote_is_the_sentence_that_holds_the_answer_when_the_evidence_does_not(sources) -> None:  # noqa: ANN001
    """The model may point at one sentence and answer from another of the same article (a name only
    the headline gives): the reader's quote must be the one that holds the answer, both highlighted."""
    from index.textrules import sentence_spans
    from rag.evidence import Sentence
    from rag.grounded import ground

    jlr = next(s for s in sources if s.n == _n(sources, "004_"))
    sentences = {(p.start + a, p.start + b): p.text[a:b] for p in jlr.passages for a, b in sentence_spans(p.text)}
    holds = next(span for span, text in sentences.items() if "Wolverhampton" in text)
    other = next(span for span, text in sentences.items() if "manufactured by each partner" in text)
    evidence = Sentence(1, jlr.n, *other, sentences[other], 1.0)
    grounded = ground("Jaguar Land Rover will build them at its Wolverhampton-based engine manufacturing centre.",
                      [evidence], sources, "Where will Jaguar Land Rover manufacture its electric drive units?", False)
    (citation,) = grounded.verified.citations
    assert "Wolverhampton" in citation.quote and (citation.start, citation.end) == holds
    assert set(citation.spans) == {holds, other}


def test_a_question_about_the_us_is_answered_from_articles_that_write_u_s(tmp_path) -> None:  # noqa: ANN001
    """News style dots acronyms ("U.S. airports"); questions and answers write "US". A RealTimeQA question
    ("Which federal personnel were sent to major US airports this week?") was refused although the
    model's answer quoted its evidence: the articles seemed not to name the US at all."""
    from index.textrules import sentence_spans
    from rag.evidence import Sentence
    from rag.grounded import ground

    stack = _stack_over(tmp_path, ({
        "id": "tsa-1", "title": "TSA callouts strain airports", "source": "usatoday.com", "published_at": "2026-03-25",
        "text": "Security lines at major airports have grown during the shutdown. In response to the growing number "
                "of callouts from TSA officers, President Donald Trump deployed immigration agents to major U.S. "
                "airports. The U.K. has seen no such delays."},))
    question = "Which federal personnel were sent to major US airports this week?"
    sources = _retrieved(stack, question, k=3)
    (passage,) = sources[0].passages
    start, end = next((a, b) for a, b in sentence_spans(passage.text) if "deployed" in passage.text[a:b])
    evidence = [Sentence(1, sources[0].n, passage.start + start, passage.start + end, passage.text[start:end], 1.0)]

    answered = ground("Immigration agents were deployed to major US airports.", evidence, sources, question, False)
    assert answered.mode == "answer" and not answered.verified.refused
    assert support_score("Immigration agents were deployed to major US airports.", passage.text) == 1.0
    # the dots are an acronym's, not a licence: a country the articles do not name is still refused
    elsewhere = "Which federal personnel were sent to major EU airports this week?"
    assert ground("Immigration agents were deployed to major EU airports.", evidence, sources, elsewhere,
                  False).verified.refused


def _refused(grounded) -> bool:  # noqa: ANN001
    """A refusal in what the reader sees, not only in the mode's name."""
    return grounded.mode == "refused" and grounded.verified.refused and grounded.verified.text == REFUSAL


def _retrieved(search_stack, question: str, k: int = 6):  # noqa: ANN001, ANN202
    """The sources the answerer would build for `question` from the sample index (or another index's stack)."""
    hits = search_stack.retriever.retrieve(question, k=k)
    return build_sources(hits, lambda a: search_stack.store.get_article(a).text)


def _stack_over(tmp_path, articles: tuple[dict[str, str], ...]):  # noqa: ANN001, ANN202
    """A real index of these articles (a JSONL corpus ingested), searched as the answerer searches it."""
    import json

    from rag.pipeline import ingest, open_search
    from tests.conftest import make_settings

    corpus = tmp_path / "articles.jsonl"
    corpus.write_text("\n".join(json.dumps(article) for article in articles) + "\n")
    settings = make_settings(tmp_path / "index")
    assert not ingest(settings, [corpus]).problems
    return open_search(settings)


def _evidence_sentence(sources, words: str):  # noqa: ANN001, ANN202
    """The retrieved sentence holding `words`, as the model would have pointed at it."""
    from index.textrules import sentence_spans
    from rag.evidence import Sentence

    for source in sources:
        for passage in source.passages:
            for a, b in sentence_spans(passage.text):
                if words in passage.text[a:b]:
                    return Sentence(1, source.n, passage.start + a, passage.start + b, passage.text[a:b], 1.0)
    raise AssertionError(f"no retrieved sentence holds {words!r}")


def _quoting_it_answers_only_the_other(search_stack, words: str, refused: str, answered: str) -> None:  # noqa: ANN001
    """The retrieved sentence holding `words`, given as the answer, is refused for one question and answers
    the other: true and cited either way, it gives the kind of thing only the second asks for."""
    from rag.grounded import ground

    sources = _retrieved(search_stack, refused)
    sentence = _evidence_sentence(sources, words)
    assert _refused(ground(sentence.text, [sentence], sources, refused, False)), refused
    assert ground(sentence.text, [sentence], sources, answered, False).mode == "answer", answered


def test_a_verdict_or_a_quote_about_something_else_is_refused(search_stack) -> None:  # noqa: ANN001
    """Both questions retrieve articles naming their subjects, but the real 1.5B pointed at sentences that
    do not: a chipmaker's German fab for a verdict on BMW in Hungary, a French gigafactory's opening for
    France's capital (after its "Paris" failed the support check); "Yes" to Nidec in Hungary on its
    Serbian factories; "No" to Volkswagen in Spain on an article's diesel engines. Evidence that names the
    subjects, and says something of what is asked, is still shown."""
    from rag.grounded import ground

    hungary = "Is BMW building a battery plant in Hungary?"
    sources = _retrieved(search_stack, hungary)
    fab = _evidence_sentence(sources, "Chipmaker JV to build")
    carolina = _evidence_sentence(sources, "BMW’s battery plant in South Carolina")
    assert "BMW" in "\n".join(s.evidence for s in sources)
    assert _refused(ground("No", [fab], sources, hungary, True))
    assert ground("No", [carolina], sources, hungary, True).mode == "yes_no"
    # nor is a "No" backed by a name alone: the article names Volkswagen, its sentence no gigafactory (holdout-015)
    spain = "Is Volkswagen building a gigafactory in Spain?"
    sources = _retrieved(search_stack, spain)
    diesel = _evidence_sentence(sources, "relied heavily on diesel engines")
    assert _refused(ground("No", [diesel], sources, spain, True))
    # a question weighing two reports words its evidence otherwise ("antitrust battle", "restrains competition")
    assert ground("No", [diesel], sources, spain, True, weighs_reports=True).mode == "yes_no"

    # a "Yes" must have every name of a short question behind it, a "No" need not
    hungary = "Did Nidec open a factory in Hungary?"
    sources = _retrieved(search_stack, hungary)
    serbia = _evidence_sentence(sources, "Nidec has opened two new factories in Novi Sad")
    assert _refused(ground("Yes", [serbia], sources, hungary, True))
    assert ground("No", [serbia], sources, hungary, True).mode == "yes_no"
    assert ground("Yes", [serbia], sources, "Did Nidec open factories in Serbia?", True).mode == "yes_no"
    # … in one report: ACC's French gigafactory and a chipmaker's German plant are no German gigafactory of ACC's
    # (held-out chat probe chat-h4-003, "I heard ACC opened a gigafactory in Germany. True?")
    germany = "ACC opened a gigafactory in Germany. True?"
    sources = _retrieved(search_stack, germany)
    france = _evidence_sentence(sources, "ACC opens first gigafactory in France")
    chips = _evidence_sentence(sources, "Chipmaker JV to build")
    assert france.source_n != chips.source_n
    assert _refused(ground("Yes", [france, chips], sources, germany, True))
    assert ground("Yes", [france, chips], sources, "ACC opened a gigafactory in France. True?", True).mode == "yes_no"

    capital = "What is the capital of France?"
    sources = _retrieved(search_stack, capital)
    opening = _evidence_sentence(sources, "inauguration of its new gigafactory in France")
    assert _refused(ground("Paris", [opening], sources, capital, False))
    who = "Which company opened a gigafactory in France?"
    assert ground("Paris", [opening], sources, who, False).mode == "quoted"


def test_a_quote_says_the_thing_the_question_asks_for(search_stack) -> None:  # noqa: ANN001
    """"What battery chemistry will the ACC gigafactory use?" (unanswerable holdout-007) was answered by quoting
    the opening "… to produce batteries for electric vehicles (EVs)": it shares "battery" and names no chemistry."""
    from rag.grounded import ground

    chemistry = "What battery chemistry will the ACC gigafactory use?"
    sources = _retrieved(search_stack, chemistry)
    opening = _evidence_sentence(sources, "inauguration of its new gigafactory in France")
    assert _refused(ground("NMC cells", [opening], sources, chemistry, False))
    made = ground("NMC cells", [opening], sources, "What kind of batteries will the ACC gigafactory produce?", False)
    assert made.mode == "quoted", made.verified.text


def test_an_answer_to_when_gives_a_time_said_of_what_is_asked(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered when Tata's Somerset gigafactory starts production with "… in Somerset, England"
    (a place), when the chipmaker JV's plant begins production with "… in 2023" (its headline's date line),
    and when the Polestar 7 goes on sale or into production with a headline whose 2025 is about profitability.
    A "when" is answered by a time written in a clause saying what is asked; "When did …?" may be answered
    by the report's own date."""
    from rag.grounded import ground

    tata = "When will Tata's Somerset gigafactory start production?"
    sources = _retrieved(search_stack, tata)
    somerset = _evidence_sentence(sources, "this plant in Somerset, England will be its first venture")
    assert _refused(ground("Tata's Somerset gigafactory will start production in Somerset, England.", [somerset],
                           sources, tata, False))
    formed = "When did Tata Group form Agratas?"  # a report's date may answer it, an answer without a time not
    assert _refused(ground("Tata Group has formed a new subsidiary known as Agratas.", [somerset], sources, formed,
                           False))
    assert ground("Tata Group formed Agratas in July 2023.", [somerset], sources, formed, False).mode == "answer"

    chips = "When will the chipmaker joint venture's semiconductor plant in Germany begin production?"
    sources = _retrieved(search_stack, chips)
    headline = _evidence_sentence(sources, "Chipmaker JV to build")
    reply = "The chipmaker JV to build €10 bn semiconductor plant in Germany will begin production in 2023."
    assert _refused(ground(reply, [headline], sources, chips, False))
    assert ground("The JV announced the plant in August 2023.", [headline], sources,
                  "When did the chipmaker joint venture announce its semiconductor plant in Germany?",
                  False).mode == "answer"

    polestar = "When will the Polestar 7 go into production?"
    sources = _retrieved(search_stack, polestar)
    profitability = _evidence_sentence(sources, "Polestar aims to hit profitability by 2025")
    assert _refused(ground("Polestar aims to hit profitability by 2025 with Polestar 7.", [profitability], sources,
                           polestar, False))
    kokomo = "When will Stellantis and Samsung's gigafactory in Kokomo start production?"
    sources = _retrieved(search_stack, kokomo)
    start = _evidence_sentence(sources, "set to start production in the beginning of 2025")
    assert ground("At the beginning of 2025.", [start], sources, kokomo, False).mode == "answer"
    # a deed in other words: "start making" is said by "production set to commence" (index/same_deed.py)
    korea = "When will Polestar start making the Polestar 4 in South Korea?"
    sources = _retrieved(search_stack, korea)
    commence = _evidence_sentence(sources, "production set to commence")
    assert ground("In the second half of 2025.", [commence], sources, korea, False).mode == "answer"
    # the same clause does not date a second gigafactory's opening (unanswerable when-holdout-008), nor, as the
    # sentence is about their first, the second's start of production (unanswerable probe-003)
    second = "When will Stellantis and Samsung's second US gigafactory open?"
    assert _refused(ground("At the beginning of 2025.", [start], sources, second, False))
    second = "When will the second Stellantis and Samsung gigafactory in the US start production?"
    assert _refused(ground("At the beginning of 2025.", [start], sources, second, False))
    # a clause goes on past a place's commas and ends where something new begins
    from rag.asked import time_clauses
    chattanooga = "Volkswagen began series production of the ID.4 in Chattanooga, Tennessee, in July 2022."
    assert time_clauses(chattanooga, {"2022"}) == [chattanooga]
    assert time_clauses("Polestar plans production of the Polestar 7, moving away from China, solving for supply "
                        "chain complexities Polestar aims to hit profitability by 2025", {"2025"}) == [
        " solving for supply chain complexities Polestar aims to hit profitability by 2025"]
    # a figure of a question's lead-in says nothing of which one is asked about
    lead_in = "Stellantis and Samsung employ 1,400 people. When will their gigafactory in Kokomo start production?"
    assert ground("At the beginning of 2025.", [start], sources, lead_in, False).mode == "answer"


def test_an_answer_to_where_gives_a_place_said_of_what_is_asked(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered where Stellantis and Samsung will build their second US gigafactory with their
    first's Kokomo, and where Polestar will build the Polestar 5 with the Polestar 3's Ridgeville (held-out
    probes), and where their first is with the headline about their second (fh3-005). A place answers "where"
    only if a sentence writing it says which one is asked about. And it
    pointed at the line before JLR's "For JLR, this will be at its engine plant in Wolverhampton" and answered
    without a place (seed-001, refused): the sentence after the evidence is quoted when it gives the place and
    the two say what is asked."""
    from rag.grounded import ground

    second = "Where will Stellantis and Samsung build their second US gigafactory?"
    sources = _retrieved(search_stack, second)
    kokomo = _evidence_sentence(sources, "currently building a gigafactory in Kokomo")
    reply = "Stellantis and Samsung plan to build their second US gigafactory in Kokomo, Indiana."
    assert _refused(ground(reply, [kokomo], sources, second, False))
    first = "Where are Stellantis and Samsung currently building a gigafactory?"
    assert ground("In Kokomo, Indiana.", [kokomo], sources, first, False).mode == "answer"
    # Their first is not placed by the headline about their second, quoted by the 1.5B for "Where is their first
    # one?" (held-out follow-up fh3-005); the sentence after it places the first.
    headline = _evidence_sentence(sources, "plan to build second gigafactory in US")
    quoted = ground(headline.text, [headline], sources, "Where is Stellantis and Samsung's first gigafactory?", False)
    assert quoted.mode == "quoted" and "gigafactory in Kokomo, Indiana" in quoted.verified.text, quoted.verified.text

    polestar = "Where will Polestar build the Polestar 5?"
    sources = _retrieved(search_stack, polestar)
    ridgeville = _evidence_sentence(sources, "at the Volvo plant in Ridgeville")
    assert _refused(ground("Ridgeville, South Carolina", [ridgeville], sources, polestar, False))
    three = "Where does Polestar build the Polestar 3?"
    assert ground("Ridgeville, South Carolina", [ridgeville], sources, three, False).mode == "answer"

    jlr = "Where will Jaguar Land Rover manufacture the electric drive units it is developing with BMW?"
    sources = _retrieved(search_stack, jlr)
    partner = _evidence_sentence(sources, "we found a partner whose requirements")
    made = ground("Jaguar Land Rover is teaming up with BMW.", [partner], sources, jlr, False)
    assert made.mode == "quoted" and "engine plant in Wolverhampton" in made.verified.text, made.verified.text
    # the sentence after says nothing of batteries: not quoted for where JLR assembles them
    assert _refused(ground("Jaguar Land Rover is teaming up with BMW.", [partner], sources,
                           "Where will Jaguar Land Rover assemble its batteries?", False))


def test_a_place_in_another_country_does_not_answer_where_in_this_one(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered "ok and where does BMW assemble batteries in the US?" (held-out chat probe chat-h3-005)
    and its plain form with BMW's cell centre "in Parsdorf, Germany", and every check passed. Two countries never
    hold each other (index/countries.py); a finer place ("Somerset, England" for the UK) is left to the other checks."""
    from index.countries import countries, countries_placed_in
    from rag.grounded import ground

    us = "Where does BMW assemble batteries in the US?"
    sources = _retrieved(search_stack, us)
    parsdorf = _evidence_sentence(sources, "in Parsdorf, Germany")
    assert _refused(ground(parsdorf.text, [parsdorf], sources, us, False))
    germany = "Where is BMW making battery cells in Germany?"
    assert not _refused(ground(parsdorf.text, [parsdorf], _retrieved(search_stack, germany), germany, False))
    assert countries_placed_in("Where will Tata build in the U.K.?") == {"GB"} == countries("Somerset, England")
    assert countries("Hyundai's Georgia plant, New Mexico, New South Wales, Jordan Love") == set()
    assert countries("in Novi Sad, Republic of Serbia, and the United States") == {"RS", "US"}


def test_a_place_from_an_article_about_another_company_does_not_answer_where(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered "Where is Nissan's second gigafactory?" (held-out probe wo-002: no article says) with
    "Stellantis and Samsung plan to build a second gigafactory in the US", pointing at Nissan's Sunderland line and
    Stellantis's headline, and every check passed: the headline says which one (a second), in an article that
    never names Nissan. The place must come from an article naming what the question names."""
    from rag.grounded import ground

    nissan = "Where is Nissan's second gigafactory?"
    sources = _retrieved(search_stack, nissan)
    sunderland = _evidence_sentence(sources, "EV36Zero hub in Sunderland")
    headline = _evidence_sentence(sources, "Stellantis and Samsung plan to build second gigafactory in US")
    reply = "Stellantis and Samsung plan to build a second gigafactory in the US."
    assert _refused(ground(reply, [sunderland, headline], sources, nissan, False))
    stellantis = "Where will Stellantis and Samsung build their second gigafactory?"
    sources = _retrieved(search_stack, stellantis)
    headline = _evidence_sentence(sources, "Stellantis and Samsung plan to build second gigafactory in US")
    assert not _refused(ground(reply, [headline], sources, stellantis, False))


def test_a_verdict_weighing_amounts_needs_two_figures(search_stack) -> None:  # noqa: ANN001
    """"Did GM invest more in Ohio than BMW in South Carolina?": the 1.5B said "Yes" on GM's $920m and two
    BMW headlines that give no sum. A verdict on "more … than" needs a figure on each side (or one in the
    question: "more than 1,700 workers")."""
    from rag.grounded import ground

    question = "Did GM invest more in Ohio than BMW in South Carolina?"
    sources = _retrieved(search_stack, question)
    ohio = _evidence_sentence(sources, "GM set to invest $920m in Ohio")
    carolina = _evidence_sentence(sources, "BMW’s battery plant in South Carolina")
    assert _refused(ground("Yes", [ohio, carolina], sources, question, True))
    assert ground("Yes", [ohio, carolina], sources, "Did GM invest more than $500m in Ohio?", True).mode == "yes_no"
    assert ground("Yes", [ohio, carolina], sources, "Did GM invest in Ohio and BMW in South Carolina?",
                  True).mode == "yes_no"


def test_an_answer_to_how_many_gives_a_figure(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered how many workers ACC will employ with "ACC has held the inauguration of its
    new gigafactory in France", supported word for word by its article and no answer: a question asking
    how many or how much is answered by a figure it does not hold itself, or refused. The 1.5B answered
    what BMW invested in South Carolina by quoting BMW's plant and GM's $920m in Ohio."""
    from rag.grounded import ground

    workers = "How many workers will ACC employ at its gigafactory in France?"
    sources = _retrieved(search_stack, workers)
    opening = _evidence_sentence(sources, "inauguration of its new gigafactory in France")
    reply = "ACC has held the inauguration of its new gigafactory in France."
    assert _refused(ground(reply, [opening], sources, workers, False))
    assert ground(reply, [opening], sources, "Where did ACC open a gigafactory?", False).mode == "answer"

    ohio = "How much will GM invest in its Ohio DMAX engine plant?"
    sources = _retrieved(search_stack, ohio)
    headline = _evidence_sentence(sources, "GM set to invest $920m in Ohio")
    assert ground("$920m", [headline], sources, ohio, False).mode == "answer"
    assert ground("GM will invest in the Ohio DMAX engine plant.", [headline], sources, ohio, False).mode == "quoted"

    # the figure quoted must come from an article about the question's names: not GM's $920m for BMW
    carolina = "How much did BMW invest in its South Carolina battery plant?"
    sources = _retrieved(search_stack, carolina)
    plant = _evidence_sentence(sources, "BMW’s battery plant in South Carolina")
    gm = _evidence_sentence(sources, "GM set to invest $920m in Ohio")
    assert _refused(ground("BMW invested in its South Carolina battery plant.", [plant, gm], sources, carolina, False))


def test_how_many_is_answered_by_the_one_count_its_article_gives_never_a_date(search_stack) -> None:  # noqa: ANN001
    """`newsrag ask "How many jobs will GM's battery deal with TDK create?"` was refused: the real 1.5B pointed
    at "TDK's expertise complements GM's vision …", an article that twice says "1,000 jobs". And "How many
    stars were on the first US flag?" (RealTimeQA) got "… approved … on June 14, 1777": a date is no count."""
    from index.textrules import amounts, counts_of, money
    from rag.grounded import ground

    question = "How many jobs will GM's battery deal with TDK create?"
    sources = _retrieved(search_stack, question)
    vision = _evidence_sentence(sources, "TDK's expertise complements GM's vision")
    grounded = ground(vision.text, [vision], sources, question, False)
    assert grounded.mode == "quoted", grounded.verified.text
    assert "create 1,000 jobs" in grounded.verified.text, grounded.verified.text
    # the same article's count of nothing asked is no answer
    assert _refused(ground(vision.text, [vision], sources, "How many plants will GM's deal with TDK build?", False))

    kokomo = "What is the capacity in GWh of the Kokomo gigafactory?"
    sources = _retrieved(search_stack, kokomo)
    start = _evidence_sentence(sources, "set to start production in the beginning of 2025")
    assert _refused(ground(start.text, [start], sources, kokomo, False))

    # "how much" money is answered by a sum: `newsrag ask` quoted "… will make three EV models …" for Nissan's
    _quoting_it_answers_only_the_other(search_stack, "will make three EV models",
                                       "How much will Nissan invest in the EV36Zero hub?",
                                       "How many EV models will Nissan make in Sunderland?")
    assert money("Tata invests £4bn, US$1.5 billion or 5 million euros in 3 plants") == {"4", "4b", "1.5", "1.5b",
                                                                                        "5", "5m"}

    # a label or a measure of another thing is no count of cells (deeds probe deed-011, answered by both in turn)
    cells = "How many battery cells will BMW's Parsdorf centre manufacture each year?"
    sources = _retrieved(search_stack, cells)
    sixth = _evidence_sentence(sources, "of its generation six batteries")
    steps = _evidence_sentence(sources, "3,000-step battery cell production process")
    for evidence in ([sixth], [steps], [steps, sixth]):
        assert _refused(ground(sixth.text, evidence, sources, cells, False)), evidence
    assert ground(steps.text, [steps], sources, "How many steps does BMW's battery cell production take?",
                  False).mode == "answer"

    assert amounts("approved by the Continental Congress on June 14, 1777") == set()
    assert amounts("on 3 May 2024 it made 40 GWh for $2025") == {"40", "2025"}
    # two counts of the thing asked in one article: which one answers is not for a word rule to say
    assert counts_of("The 20-star flag became official. Twenty-One Star U.S. Flag", "stars") == {"20", "21"}


def test_where_is_answered_by_a_place(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered where JLR will make its electric drive units with "Jaguar Land Rover is teaming up
    with BMW in a partnership …" (seed-001), and where REE will build its P7 platform with "Microvast will supply
    battery packs for REE Automotive commercial EV platforms": true, cited, and no place."""
    from rag.asked import gives_what_is_asked
    from rag.grounded import ground

    _quoting_it_answers_only_the_other(search_stack, "Microvast to supply battery packs",
                                       "Where will REE Automotive build its P7 platform?",
                                       "What will Microvast supply to REE Automotive?")

    question = "Where does Polestar plan to build the Polestar 7?"
    sources = _retrieved(search_stack, question)
    europe = _evidence_sentence(sources, "Polestar 7 to be built in Europe")
    for reply in ("Europe", "Polestar plans to build the Polestar 7 in Europe."):
        assert ground(reply, [europe], sources, question, False).mode == "answer", reply

    # names and the question's own words (RealTimeQA rt-20220617_3, right) place it; other words need a preposition
    pride = "Police arrested 31 men who allegedly planned to riot at an LGBTQ Pride event. Where was the event?"
    assert gives_what_is_asked("Idaho Pride event [1].", pride)
    assert not gives_what_is_asked("Idaho officials charged the men with conspiracy [1].", pride)
    # a day, a recipient or "an Instagram video" is no place (RealTimeQA answers, all wrong)
    held = "The Victoria's Secret Fashion Show returned this week. Where did the show take place?"
    for said in ("It took place on Sunday, Feb. 22 [1].",
                 "A spokesperson confirmed it in a statement to USA TODAY [1].",
                 "The retailer announced the return in an Instagram video in May [1]."):
        assert not gives_what_is_asked(said, held), said
    assert gives_what_is_asked("The show took place at the Brooklyn Navy Yard in New York [1].", held)

    # "In which country …?" is answered by a name the question does not give, wherever the answer puts it
    question = "In which country did Nidec open new factories?"
    sources = _retrieved(search_stack, question)
    serbia = _evidence_sentence(sources, "Nidec has opened two new factories in Novi Sad")
    assert ground("Serbia", [serbia], sources, question, False).mode == "answer"
    grounded = ground("Nidec opened two new factories.", [serbia], sources, question, False)
    assert grounded.mode == "quoted" and "Republic of Serbia" in grounded.verified.text, grounded.verified.text


def test_which_company_is_answered_by_a_name_the_question_does_not_give(search_stack) -> None:  # noqa: ANN001
    """`newsrag ask "Which companies are in the chipmaker joint venture building a plant in Germany?"` answered
    "The chipmaker JV is building a plant in Germany": its article names no partner, and "JV" is the question's
    own "joint venture". Nor is a name an answer when its article is about something else than the question."""
    from rag.grounded import ground

    question = "Which companies are in the chipmaker joint venture building a plant in Germany?"
    sources = _retrieved(search_stack, question)
    headline = _evidence_sentence(sources, "Chipmaker JV to build")
    assert _refused(ground("The chipmaker JV is building a plant in Germany.", [headline], sources, question, False))
    client = "Who will be the anchor client of Tata's UK gigafactory?"
    sources = _retrieved(search_stack, client)
    tata = _evidence_sentence(sources, "to supply JLR as anchor client")
    assert ground("JLR", [tata], sources, client, False).mode == "answer"
    # The name is said of what the question names: TDK is GM's partner on a US battery plant, not in the Ohio DMAX
    # engine plant, which only the other article the 1.5B pointed at names (unanswerable holdout-010).
    dmax = "Which company is GM's partner in the Ohio DMAX engine plant?"
    sources = _retrieved(search_stack, dmax)
    evidence = [_evidence_sentence(sources, "In partnership with TDK"), _evidence_sentence(sources, "Ohio DMAX")]
    assert _refused(ground("TDK", evidence, sources, dmax, False))
    battery = "Which company is GM's partner on a new US battery plant?"
    assert ground("TDK", evidence, sources, battery, False).mode == "answer"
    # nor is the question's own company written out ("Jaguar Land Rover" for JLR): its evidence is quoted
    drives = "Which company is JLR's partner for electric drive units?"
    sources = _retrieved(search_stack, drives)
    partner = _evidence_sentence(sources, "we found a partner")
    assert ground("Jaguar Land Rover", [partner], sources, drives, False).mode == "quoted"
    assert ground("BMW", [partner], sources, drives, False).mode == "answer"
    # the sample gives the joint venture no name (unanswerable holdout-006)
    called = "What will Honda and GS Yuasa's joint venture be called?"
    sources = _retrieved(search_stack, called)
    goal = _evidence_sentence(sources, "establishing a joint venture company")
    assert _refused(ground("Honda and GS Yuasa will establish a joint venture company.", [goal], sources, called,
                           False))


def test_what_initials_stand_for_is_answered_by_the_name_they_abbreviate(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h6-008 "I keep forgetting — what does ACC stand for?": the 1.5B answered "ACC stands for
    Automotive Cells Company" and it was refused for restating the question, its name read back as initials."""
    from rag.grounded import ground

    question = "What does ACC stand for?"
    sources = _retrieved(search_stack, question)
    opening = _evidence_sentence(sources, "Automotive Cells Company (ACC)")
    grounded = ground("ACC stands for Automotive Cells Company.", [opening], sources, question, False)
    assert grounded.mode == "answer" and "Automotive Cells Company" in grounded.verified.text
    # a name written out still does not answer a question naming it by its initials
    partner = "Which company is ACC's partner?"
    assert ground("Automotive Cells Company", [opening], sources, partner, False).mode != "answer"


def test_a_model_name_in_letters_and_digits_is_not_the_question_read_back(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h8-012 "what's the name of the i3 version with better electric range": the 1.5B answered
    "i3S", which was refused as restating the question: read word by word, "i3S" was only the question's "3"."""
    from rag.grounded import ground

    question = "what's the name of the i3 version with better electric range"
    sources = _retrieved(search_stack, question)
    later = _evidence_sentence(sources, "the company later introduced the i3S")
    grounded = ground("i3S", [later], sources, question, False)
    assert grounded.mode == "answer" and grounded.verified.text.startswith("i3S")
    # the question's own model read back still answers nothing
    assert ground("the i3", [later], sources, question, False).mode != "answer"


def test_a_role_holder_asked_for_is_a_person_not_a_company(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h8-006 "ex-Tata Motors chief quoted on carmakers sharing EV tech — who?": the 1.5B answered
    "BMW", a name the question does not write, from the sentence naming Carl-Peter Forster, and every check passed."""
    from rag.asked import gives_what_is_asked
    from rag.grounded import ground

    question = "ex-Tata Motors chief quoted on carmakers sharing EV tech — who?"
    sources = _retrieved(search_stack, question)
    quoted = _evidence_sentence(sources, "according to Carl-Peter Forster")
    assert ground("BMW", [quoted], sources, question, False).mode != "answer"
    grounded = ground("Carl-Peter Forster", [quoted], sources, question, False)
    assert grounded.mode == "answer" and grounded.verified.text.startswith("Carl-Peter Forster")
    # one list of roles (index/textrules.py JOB_TITLES), also cut off names: "Who is Tesla's CFO?" asks for a person
    assert not gives_what_is_asked("SAIC Motor [1].", "Who is Tesla's CFO?")
    assert gives_what_is_asked("Vaibhav Taneja [1].", "Who is Tesla's CFO?")
    # "who" alone may ask for a company
    supplier = "Who is supplying REE with battery packs?"
    sources = _retrieved(search_stack, supplier)
    microvast = _evidence_sentence(sources, "Microvast")
    assert ground("Microvast", [microvast], sources, supplier, False).mode == "answer"


def test_a_common_noun_by_its_initials_is_written_by_its_words(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h4-006 "Looking for the Honda / GS Yuasa JV timeline - when do they want it set up?": the
    article writes "joint venture" and "establishing", never "JV" or "set up", so the 1.5B's headline (no time)
    could not be replaced by the quote that answers, and the question was refused."""
    from index.names import names_written
    from rag.grounded import ground

    question = "Looking for the Honda / GS Yuasa JV timeline - when do they want it set up?"
    sources = _retrieved(search_stack, question)
    goal = _evidence_sentence(sources, "with the goal of establishing a joint venture company")
    grounded = ground("Honda and GS Yuasa look to collaborate on lithium-ion batteries.", [goal], sources, question,
                      False)
    assert grounded.mode == "quoted" and "by the end of 2023" in grounded.verified.text
    # the words must be written: an article naming Honda and GS Yuasa but no joint venture does not name "the JV"
    assert "jv" not in names_written(question, "Honda and GS Yuasa look to collaborate on lithium-ion batteries")
    assert "jv" in names_written(question, "Honda and GS Yuasa plan a joint venture company")


def test_a_nationality_is_written_by_its_country(search_stack) -> None:  # noqa: ANN001
    """Held-out chat-h7-008 "hi! has ACC inaugurated its French gigafactory yet?": the 1.5B said "Yes" on ACC's
    opening "… its new gigafactory in France", refused because no article writes "French"."""
    from index.names import names_written
    from rag.grounded import ground

    question = "Has ACC inaugurated its French gigafactory yet?"
    sources = _retrieved(search_stack, question)
    opening = _evidence_sentence(sources, "has held the inauguration of its new gigafactory in France")
    grounded = ground("Yes", [opening], sources, question, True)
    assert grounded.mode == "yes_no" and grounded.verified.text.startswith("Yes")
    # the nationality as written: "Britishvolt" shares its word key with "British", yet "the UK" does not name it
    assert names_written("Where is Britishvolt building?", "a battery plant in the UK") == set()
    assert names_written("Is the American plant open?", "a plant in the U.S. opened") == {"americ"}
    # by any name of the country in index/countries.py's one table; a country's own short name only as written
    assert names_written("Is the Czech plant open?", "a plant in Czechia opened") == {"czech"}
    assert names_written("Is the US plant open?", "USA TODAY reports that a plant opened") == set()


def test_the_outlets_a_question_names_are_not_looked_for_in_the_text(tmp_path) -> None:  # noqa: ANN001
    """A name asked for comes from an article naming what the question names (GM's partner in an Ohio plant is not
    its battery partner); a question naming outlets, as MultiHop-RAG's do, is not asking their text to name them:
    "Sam Bankman-Fried" for "Which individual, discussed across articles from Fortune, The Verge, and TechCrunch,
    …?" was refused in a first run of that rule (mh-184), and so was a question naming one thing besides them."""
    from rag.grounded import ground

    stack = _stack_over(tmp_path, (
        {"id": "f-1", "title": "Founder goes on trial", "source": "Fortune", "published_at": "2026-03-25",
         "text": "Jane Roe, the founder of the Acme crypto exchange, went on trial on Tuesday over missing customer "
                 "funds. The jury will weigh two stories of her rise."},
        {"id": "v-1", "title": "Crypto trial opens", "source": "The Verge", "published_at": "2026-03-26",
         "text": "Prosecutors in the US say the founder of the Acme crypto exchange spent customer funds on homes."},
        {"id": "t-1", "title": "What the jury heard", "source": "TechCrunch", "published_at": "2026-03-27",
         "text": "The defence told the jury that the founder was overwhelmed by the growth of the exchange."},
    ))
    question = ("Which individual, discussed in articles from Fortune, The Verge and TechCrunch, is on trial over "
                "customer funds?")
    sources = _retrieved(stack, question, k=3)
    trial = _evidence_sentence(sources, "went on trial on Tuesday")
    assert ground("Jane Roe", [trial], sources, question, False).mode == "answer"
    # nor is a question's one name looked for: "Florida" for "Which state became the second in the US to ban
    # fluoride …?" from an article that says "in the country" (RealTimeQA rt-20250516_5, in a first run)
    one_name = "Which individual went on trial in the US over customer funds?"
    assert ground("Jane Roe", [trial], sources, one_name, False).mode == "answer"
    # nor one beside an outlet: "Beeper Mini" for "… the service that, according to TechCrunch, … to bring blue
    # bubble texts to Android users?" from an article that does not write "Android" (MultiHop-RAG mh-120)
    beside_an_outlet = "Which individual, according to Fortune, went on trial in the US over customer funds?"
    assert ground("Jane Roe", [trial], sources, beside_an_outlet, False).mode == "answer"


def test_an_answer_naming_the_cited_articles_outlet_is_not_an_answer(tmp_path) -> None:  # noqa: ANN001
    """"Hunter Biden is threatening legal action against which news channel?" was answered "USA Today [1]"
    (RealTimeQA rt-20240503_1: Fox News), and the check passed it: citing an article vouches for its outlet line.
    The outlet is who reports; the answer is what it reports, so the evidence is quoted instead."""
    from rag.grounded import ground

    stack = _stack_over(tmp_path, (
        {"id": "u-1", "title": "Hunter Biden threatens to sue Fox News", "source": "usatoday.com",
         "published_at": "2024-05-01",
         "text": "Hunter Biden's lawyers told Fox News in a letter that he will sue the network over its coverage, "
                 "according to a copy obtained by USA TODAY. The network has not commented."},
    ))
    question = "Hunter Biden is threatening legal action against which news channel?"
    sources = _retrieved(stack, question, k=3)
    letter = _evidence_sentence(sources, "will sue the network")

    outlet = ground("USA Today", [letter], sources, question, False)

    assert outlet.mode == "quoted" and "Fox News" in outlet.verified.text, outlet.verified.text
    assert ground("Fox News", [letter], sources, question, False).verified.text == "Fox News [1]."


def test_a_nationality_describing_what_is_asked_is_not_looked_for_in_the_text(tmp_path) -> None:  # noqa: ANN001
    """"Which US state became the 24th to legalise recreational marijuana?" was refused on "Ohio is the 24th state to
    legalize recreational marijuana" (RealTimeQA rt-20231110_5, held out): a US outlet does not write "US" of a US
    state. A nationality naming the place asked about ("… in the US?") is still looked for."""
    from rag.grounded import ground

    stack = _stack_over(tmp_path, (
        {"id": "o-1", "title": "Where is weed legal? Ohio joins states", "source": "USA TODAY",
         "published_at": "2023-11-08", "text": "Voters approved Issue 2 on Tuesday. Ohio is the 24th state to "
                                               "legalize recreational marijuana. Sales could begin next year."},
        {"id": "h-1", "title": "BMW picks Debrecen", "source": "Reuters", "published_at": "2023-11-09",
         "text": "BMW is building a battery plant in Debrecen, Hungary. Production starts in 2025."},
    ))
    question = "Which US state became the 24th to legalise recreational marijuana?"
    sources = _retrieved(stack, question, k=2)
    grounded = ground("Ohio", [_evidence_sentence(sources, "is the 24th state")], sources, question, False)
    assert grounded.mode == "answer" and grounded.verified.text.startswith("Ohio"), grounded.verified.text
    placed = "Which company is building a battery plant in the US?"
    sources = _retrieved(stack, placed, k=2)
    assert _refused(ground("BMW", [_evidence_sentence(sources, "in Debrecen")], sources, placed, False))

def test_a_purchase_asked_about_is_answered_only_by_a_report_of_one(search_stack, tmp_path) -> None:  # noqa: ANN001
    """The real 1.5B answered "Which company did Tata acquire for its UK gigafactory?" (deeds probe deed-010; Tata
    formed Agratas, it bought no one) with "Tata Group": "Group" is no name the question does not give. Nor is the
    company it formed, or the JLR of the quoted headline, an answer: a purchase is reported as one."""
    from index.same_deed import purchase_untold
    from rag.grounded import ground

    acquired = "Which company did Tata acquire for its UK gigafactory?"
    sources = _retrieved(search_stack, acquired)
    headline = _evidence_sentence(sources, "to supply JLR as anchor client")
    somerset = _evidence_sentence(sources, "this plant in Somerset")
    for reply, evidence in (("Tata Group", headline), ("Agratas", somerset), ("JLR", headline)):
        assert _refused(ground(reply, [evidence], sources, acquired, False)), reply
    client = "Which company will be the anchor client of Tata's UK gigafactory?"
    grounded = ground("Tata Group", [headline], _retrieved(search_stack, client), client, False)
    assert grounded.mode == "quoted" and "JLR" in grounded.verified.text, grounded.verified.text
    # the model's own "acquired" is not a report of a purchase (deeds held-out probe dh-001, before the rule)
    centre = "Which company did BMW acquire for its Parsdorf cell centre?"
    sources = _retrieved(search_stack, centre)
    opened = _evidence_sentence(sources, "At its recently opened German Cell Manufacturing Competence Centre")
    assert _refused(ground("BMW acquired the German Cell Manufacturing Competence Centre (CMCC) in Parsdorf.",
                           [opened], sources, centre, False))
    formed = "Which company did Tata form for its global battery business?"
    assert ground("Agratas", [somerset], _retrieved(search_stack, formed), formed, False).mode == "answer"

    stack = _stack_over(tmp_path, ({
        "id": "tk-1", "title": "Tata buys battery start-up", "source": "example.com", "published_at": "2026-03-25",
        "text": "Tata Group has completed its purchase of Voltcell, a Coventry battery start-up, to supply its UK "
                "gigafactory. The deal was signed on Monday."},))
    sources = _retrieved(stack, acquired, k=3)
    purchase = _evidence_sentence(sources, "completed its purchase of Voltcell")
    assert ground("Voltcell", [purchase], sources, acquired, False).mode == "answer"
    # what changed hands tells a purchase too (RealTimeQA rt-20240705_15, answered "France" on this sentence)
    assert not purchase_untold("In 1803, the US purchased the Louisiana Territory from which country?",
                               "In 1803, the United States paid France $15 million for the Louisiana Territory.")


def test_a_partner_asked_about_is_answered_only_by_a_report_of_a_partnership(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered "Which company is Nidec's partner in its Serbian factories?" with their opening in Novi
    Sad, names of places (held-out probe wo-008, unanswerable). A partner asked for is reported as one, in other
    words as often ("The pair are currently building a gigafactory in Kokomo")."""
    from rag.grounded import ground

    serbia = "Which company is Nidec's partner in its Serbian factories?"
    sources = _retrieved(search_stack, serbia)
    opened = _evidence_sentence(sources, "Nidec has opened two new factories in Novi Sad")
    assert _refused(ground(opened.text, [opened], sources, serbia, False))
    kokomo = "Which company is Samsung's partner in the Kokomo gigafactory?"
    sources = _retrieved(search_stack, kokomo)
    pair = _evidence_sentence(sources, "The pair are currently building a gigafactory in Kokomo")
    assert ground("Stellantis", [pair], sources, kokomo, False).mode == "answer"
    # a question that asks someone else, about a partnership, is not asking for a partner (seed-024, in a first run)
    director = "Who is Jaguar Land Rover's engineering director quoted about the BMW partnership?"
    sources = _retrieved(search_stack, director)
    quoted = _evidence_sentence(sources, "Nick Rogers")
    assert ground("Nick Rogers", [quoted], sources, director, False).mode == "answer"


def test_a_yes_on_evidence_that_reports_only_a_plan_is_no(search_stack) -> None:  # noqa: ANN001
    """The real 1.5B answered "Yes" to all 24 yes/no questions of eval/data/sample_plans*.jsonl, 12 of them about
    deeds the sample reports only as plans: "Did Honda and GS Yuasa form a joint venture?" on "… with the goal
    of establishing a joint venture company by the end of 2023". The word before (or after) what the question
    asks says whether a sentence gives it as planned or as done; one Kokomo sentence says both."""
    from rag.grounded import ground

    def verdict(question: str, *words: str, reply: str = "Yes") -> str:
        sources = _retrieved(search_stack, question)
        grounded = ground(reply, [_evidence_sentence(sources, w) for w in words], sources, question, True)
        assert grounded.mode == "yes_no", (question, grounded.verified.text)
        return grounded.verified.text.split(":")[0]

    plan = "No, reported only as a plan"
    assert verdict("Did Honda and GS Yuasa form a joint venture?", "goal of establishing a joint venture") == plan
    assert verdict("Has Nissan built its third UK gigafactory?", "Nissan announces third gigafactory") == plan
    assert verdict("Has Microvast delivered battery packs to REE Automotive?", "Microvast to supply") == plan
    assert verdict("Is Polestar already producing the Polestar 4 in South Korea?", "production set to commence") == plan
    assert verdict("Is the Kokomo gigafactory already producing batteries?", "currently building a gigafactory") == plan
    # an irregular form is its verb: "building" is asked of "to be built"
    assert verdict("Has Polestar started building the Polestar 7 in Europe?", "Polestar 7 to be built") == plan
    # nor is "Polestar has started production of its Polestar 3" about the Polestar 7
    assert verdict("Has Polestar started building the Polestar 7 in Europe?", "Polestar 7 to be built",
                   "has started production of its Polestar 3") == plan
    # the gigafactory the pair "are currently building" is their first, not the second one asked about
    assert verdict("Has the second Stellantis and Samsung gigafactory in the US been built?",
                   "plan to build second gigafactory", "currently building a gigafactory") == plan
    assert verdict("Is the Kokomo gigafactory already producing batteries?", "currently building a gigafactory",
                   reply="No") == plan
    # a plan whose sentence names the place asked about only as left is no plan of what is asked: moving away
    # from China says the cars were built there (answered "No, reported only as a plan" with bf16 embeddings)
    assert verdict("Did Polestar build cars in China?", "moving away from China") == "Yes"
    # done, or under way: the verdict stands
    assert verdict("Are Stellantis and Samsung building a gigafactory in Kokomo?",
                   "currently building a gigafactory") == "Yes"
    assert verdict("Has BMW started production at Parsdorf?", "BMW has started production") == "Yes"
    assert verdict("Did Nidec open factories in Serbia?", "Nidec has opened two new factories") == "Yes"
    # what the plant will do is planned, not the plant
    assert verdict("Is BMW building a battery plant in South Carolina?", "plant will use advanced automation") == "Yes"
    # a plan read in one word of the question ("look to international markets") in a sentence naming none of its
    # subjects is about something else; the sentence naming them reports the deed under way
    assert verdict("Are BYD, Geely and Chery overhauling the foreign players in their domestic market?",
                   "gradually overhauling", "look to international markets") == "Yes"
    # a question about the plan, or about what a report says, is not asking whether it was done
    assert verdict("Did Nissan announce a third gigafactory in the UK?", "Nissan announces third gigafactory") == "Yes"
    assert verdict("Does Nissan plan to make the LEAF in Sunderland?",
                   "The carmaker will make three EV models") == "Yes"
    assert verdict("Is Polestar set to start producing the Polestar 4 in South Korea?",
                   "production set to commence") == "Yes"
    # a plan, like a "Yes", affirms the whole question: no retrieved article names Envision AESC (holdout-003)
    aesc = "Is Nissan building its third UK gigafactory with Envision AESC?"
    sources = _retrieved(search_stack, aesc)
    assert _refused(ground("Yes", [_evidence_sentence(sources, "Nissan announces third gigafactory")], sources, aesc,
                           True))


def test_a_quote_is_introduced_by_its_headline_only_when_the_headline_is_not_its_opening() -> None:
    """An article without an outlet is named by its headline; a quote that opens with that headline, cut short
    with "…", read "“Chinese vehicle makers look … pressure…” says: “Chinese vehicle makers look …”"."""
    from rag.evidence import Sentence
    from rag.grounded import _quote
    from rag.sources import Source

    lead = ("Chinese vehicle makers look to international markets for growth, but domestic government pressure and "
            "trade barriers may slow expansion.")
    source = Source(1, "003#2", "003.txt", "Chinese vehicle makers look to international markets for growth, but "
                    "domestic government pressure…", "", "", "", "", (), 1.0)
    assert _quote(Sentence(1, 1, 0, len(lead), lead, 1.0), source) == f"“{lead[:-1]}” [1]."
    other = "A few, notably BYD, Geely and Chery, have become significant global players."
    assert _quote(Sentence(2, 1, 0, len(other), other, 1.0), source).startswith("“Chinese vehicle makers look")


def test_a_claim_that_drops_its_passages_negation_is_not_supported() -> None:
    """RealTimeQA rt-20241220_20 (what was spotted over the Northeast): the 1.5B wrote "… unidentified objects have
    been observed flying over the United States by the Pentagon [1][2]" on "no unidentified objects have been observed
    …", and every word of it was in the sources."""
    austin = ("Defense secretary: No unidentified objects in US airspace the last few days\n"
              "The sky has been quiet since three unidentified objects were downed by U.S. fighter jets over the "
              "United States and Canada from Friday to Sunday, the head of the Defense Department said.\n"
              "Defense Secretary Lloyd Austin told reporters in Brussels Wednesday that no unidentified objects have "
              "been observed flying over the United States by the Pentagon the last few days.")
    alaska = ("'Large balloon' found in Alaska under investigation\n"
              "In a statement, the FBI said it was aware of debris found off the coast of Alaska by a commercial "
              "fishing vessel and assisted partners in debris recovery.")
    flipped = "Unidentified objects have been observed flying over the United States by the Pentagon."
    assert support_score(flipped, austin) == 0.0
    joined = ("A large balloon was found in Alaska, and unidentified objects have been observed flying over the United "
              "States by the Pentagon.")
    assert joint_support(joined, [alaska, austin]) == 0.0
    # the negation kept, or said another way, is supported; so is what the passage says plainly beside it
    assert support_score("No unidentified objects have been observed flying over the United States by the Pentagon.",
                         austin) >= SUPPORT_THRESHOLD
    assert support_score("Austin denied that unidentified objects have been observed flying over the United States.",
                         austin) >= SUPPORT_THRESHOLD
    assert support_score("Three unidentified objects were downed by U.S. fighter jets over the United States and "
                         "Canada.", austin) >= SUPPORT_THRESHOLD
    # a negation that bounds a time, or that the claim does not restate, is not dropped
    assert support_score("The plant will open in 2026.", "The plant is not expected to open until 2026.") \
        >= SUPPORT_THRESHOLD
    assert support_score("The plant will open in 2025.", "The plant, which did not exist in 2020, will open in 2025.") \
        >= SUPPORT_THRESHOLD
