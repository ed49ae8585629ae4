"""Chat forms of held-out set 9 (eval/data/sample_chat_forms_holdout9.jsonl), grounded on the real sample index:
options offered, "Isn't …?", a typo'd question word, which came first, a "No" and a numbered model."""

from __future__ import annotations

from rag.first_reported import first_reports
from rag.grounded import ground
from rag.yes_no import as_asked, is_yes_no
from tests.test_citations import _evidence_sentence, _refused, _retrieved


def _ground_on(search_stack, question: str, words: str, reply: str, yes_no: bool = False):  # noqa: ANN001, ANN202
    """`reply` grounded on the retrieved sentence holding `words`, as if the model had pointed at it."""
    sources = _retrieved(search_stack, question)
    return ground(reply, [_evidence_sentence(sources, words)], sources, question, yes_no)


def test_a_no_stands_on_evidence_about_who_is_asked(search_stack) -> None:  # noqa: ANN001
    """chat-h9-011 "Has Hyundai announced a battery plant in Ohio?": the 1.5B said "No" on GM's Ohio engine plant,
    which names the place asked about, not Hyundai. chat-h9-009's "Isn't" is no name to look for."""
    dmax = "GM set to invest $920m in Ohio DMAX engine plant"
    assert _refused(_ground_on(search_stack, "Has Hyundai announced a battery plant in Ohio? just curious", dmax, "No",
                               yes_no=True))
    grounded = _ground_on(search_stack, "Isn't GM's DMAX engine plant investment in Michigan?", dmax, "No", yes_no=True)
    assert grounded.mode == "yes_no" and grounded.verified.text.startswith("No: "), grounded.verified.text


def test_an_offered_option_picked_is_an_answer_if_said_of_what_is_asked(search_stack) -> None:  # noqa: ANN001
    """chat-h9-002 "Polestar 4 production: South Korea or China?": "South Korea [1]." named only the question's
    words and was refused as the question read back. An option is the answer, from an article about the Polestar
    4; the Polestar 7's "moving away from China" is not."""
    question = "Polestar 4 production: South Korea or China?"
    grounded = _ground_on(search_stack, question, "fully-electric Polestar 4 in South Korea", "South Korea")
    assert grounded.mode == "answer" and grounded.verified.text.startswith("South Korea"), grounded.verified.text
    assert _ground_on(search_stack, question, "moving away from China", "China").mode != "answer"
    # the option's article must write what else the question names: Tata's Somerset plant is not Nissan's
    question = "Nissan's third UK gigafactory: Sunderland or Somerset?"
    assert _refused(_ground_on(search_stack, question, "this plant in Somerset", "Somerset"))
    assert _ground_on(search_stack, question, "EV36Zero hub in Sunderland", "Sunderland").mode == "answer"
    assert not is_yes_no("Is the Polestar 4 built in South Korea or China?")  # it asks which
    assert is_yes_no("Is Microvast supplying battery packs to REE, yes or no?")


def test_which_came_first_reads_a_nationality_as_its_country(search_stack) -> None:  # noqa: ANN001
    """chat-h9-003: "ACC's French gigafactory" is reported as "ACC opens first gigafactory in France"."""
    question = "Which came first, Nidec's Serbian factories opening or ACC's French gigafactory?"
    sources = _retrieved(search_stack, question)
    nidec = _evidence_sentence(sources, "Nidec opens new Serbian factories")
    acc = _evidence_sentence(sources, "ACC opens first gigafactory in France")
    dated = first_reports(("Nidec's Serbian factories opening", "ACC's French gigafactory"), False, [nidec, acc],
                          sources)
    assert dated is not None and [r.day for r in dated] == ["2023-05-23", "2023-06-01"]


def test_a_typed_question_word_is_read_and_a_title_case_headline_is_no_place(search_stack) -> None:  # noqa: ANN001
    """chat-h9-007 "wher does JLR build its electric drive units": the 1.5B gave a headline, which answered as a
    place, its capitalised words read as names; it is now refused."""
    question = as_asked("wher does JLR build its electric drive units")  # what the checks read, as the answerer
    assert question.startswith("where does")
    assert _refused(_ground_on(search_stack, question, "JLR & BMW Will Collaborate On Electric Car Powertrains",
                               "JLR & BMW will collaborate on electric car powertrains"))


def test_an_answer_comes_from_an_article_writing_the_numbered_model_asked_about(search_stack) -> None:  # noqa: ANN001
    """chat-h9-004: "premium EV market", from the Polestar 7's article, answered which markets the Polestar 4 is
    aimed at."""
    question = "any chance you know which markets the Korean-built Polestar 4 is aimed at?"
    assert _ground_on(search_stack, question, "eyeing growth targets for premium EV market",
                      "Premium EV market").mode == "refused"
    grounded = _ground_on(search_stack, question, "North American and domestic South Korean markets",
                          "The North American and domestic South Korean markets")
    assert grounded.mode == "answer", grounded.verified.text


def test_by_when_asks_for_a_deadline_that_the_reports_day_does_not_give(search_stack) -> None:  # noqa: ANN001
    """chat-h11-008 "Honda & GS Yuasa JV — by when?": the 1.5B answered "2023-01-25 [1]." (the report's day) on
    the headline; "by when" was not read as asking when, so no check asked where that time was written. A deadline
    is ahead of its report, so its evidence must write it."""
    question = "Honda & GS Yuasa JV — by when?"
    headline = _ground_on(search_stack, question, "look to collaborate on lithium-ion batteries", "2023-01-25")
    assert "2023-01-25 [1]" not in headline.verified.text, headline.verified.text
    grounded = _ground_on(search_stack, question, "by the end of 2023", "By the end of 2023")
    assert grounded.mode == "answer" and "end of 2023" in grounded.verified.text, grounded.verified.text
