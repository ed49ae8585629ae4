"""Every metric on a tiny hand-made gold set whose expected values are worked out by hand."""

from __future__ import annotations

import math
import unicodedata

import pytest

from eval.gold import Evidence, GoldQuestion
from eval.metrics import (
    answer_correct,
    evidence_recall,
    first_hit_rank,
    percentile,
    rescore,
    retrieval_metrics,
    summarise_by_type,
    token_f1,
)
from eval.retrieval_study import as_of_filters
from eval.runner import citation_checks, draft_citation_checks
from eval.significance import interval, sign_test
from rag.answer_events import Answer
from rag.citations import verify
from rag.retrieval.types import NEWEST_ARTICLE, RetrievalFilters
from rag.sources import build_sources

KOKOMO = GoldQuestion("q1", "Where is the Stellantis-Samsung gigafactory?", "Kokomo, Indiana", ("Kokomo",), "single",
                      (Evidence("000_x.txt", "building a gigafactory in Kokomo, Indiana"),))
TWO = GoldQuestion("q2", "Which two sites?", "Parsdorf and Spartanburg", ("Parsdorf",), "multi",
                   (Evidence("000_x.txt", "CMCC in Parsdorf"), Evidence("001_y.txt", "plant in Spartanburg")))
NULL = GoldQuestion("q3", "Giga Berlin capacity?", "", (), "null", ())
MC = GoldQuestion("q4", "Which city?", "Sunderland", (), "single", (), choices=("Sunderland", "Swindon", "Derby", "Ely"))


def _chunk(doc: str, text: str) -> dict:
    return {"origin": doc, "article_id": f"{doc}#1", "text": text}


RETRIEVED = [_chunk("009_z.txt", "unrelated"), _chunk("000_x.txt", "They are building a gigafactory in Kokomo, "
             "Indiana which starts in 2025."), _chunk("001_y.txt", "The plant in Spartanburg, South Carolina.")]


def test_a_question_without_a_date_is_measured_as_the_chat_asks_it_as_of_the_newest_article() -> None:
    assert as_of_filters(KOKOMO) == (None, NEWEST_ARTICLE)  # the retriever reads the date, as for the chat
    dated = GoldQuestion("q5", "Which plant this week?", "Kokomo", ("Kokomo",), "single", (), date="2023-05-26")
    assert as_of_filters(dated) == (RetrievalFilters(until="2023-05-26"), "2023-05-26")
    assert as_of_filters(dated, cut=False) == as_of_filters(KOKOMO, cut=False) == (None, None)  # --no-as-of


def test_retrieval_metrics_by_hand() -> None:
    assert first_hit_rank(KOKOMO, RETRIEVED) == 2
    assert retrieval_metrics(2, 1.0) == {"hits@1": 0.0, "hits@4": 1.0, "hits@5": 1.0, "hits@10": 1.0,
                                         "mrr@10": 0.5, "evidence_recall@10": 1.0}
    assert first_hit_rank(TWO, RETRIEVED) == 3
    assert evidence_recall(TWO, RETRIEVED) == 0.5  # Parsdorf never retrieved
    assert retrieval_metrics(None, 0.0)["mrr@10"] == 0.0
    assert retrieval_metrics(11, 0.0)["hits@10"] == 0.0



def test_another_choice_counts_only_as_a_whole_word_and_never_inside_the_gold() -> None:
    """RealTimeQA's "How many Republicans supported the bill?" (choices 1, 6, 12, 24) was scored wrong for
    "12 Republicans supported the bill": the choice "1" was found inside "12"."""
    votes = GoldQuestion("q9", "How many Republicans?", "12", ("12",), "single", (), choices=("1", "6", "12", "24"))
    assert answer_correct(votes, "12 Republicans supported the bill [1].", refused=False, multiple_choice=True)
    assert not answer_correct(votes, "12 or 24 Republicans [1].", refused=False, multiple_choice=True)
    loans = GoldQuestion("q10", "Which loans?", "Federal student loans", ("Federal student loans",), "single", (),
                         choices=("Mortgages", "Student loans", "Federal student loans", "Car loans"))
    assert answer_correct(loans, "Federal student loans [1].", refused=False, multiple_choice=True)
    stored = {"answer": "12 Republicans supported the bill [1].", "refused": False, "type": "single",
              "gold_answer": "12", "answer_aliases": ["12"], "choices": ["1", "6", "12", "24"], "correct": False}
    assert rescore(stored)["correct"]  # a stored multiple-choice record is rescored by the same rule


def test_a_quote_with_an_accent_is_found_however_the_article_spells_the_accented_letter() -> None:
    """Some feeds write "é" as "e" + U+0301; gold quotes and answers are typed with the one-letter form."""
    yale = GoldQuestion("q5", "Which pop star?", "Beyoncé", (), "single", (Evidence("000_x.txt", "Beyoncé"),))
    article = unicodedata.normalize("NFD", "A course on Beyoncé's legacy is coming to Yale.")
    assert first_hit_rank(yale, [_chunk("000_x.txt", article)]) == 1
    assert answer_correct(yale, unicodedata.normalize("NFD", "Beyoncé [1]."), refused=False)


def test_a_gold_count_is_found_where_the_answer_spells_it_out() -> None:
    """RealTimeQA's "barred from office for how many years?" wants "5"; the answer quoted the article's
    "an immediate five-year ban". Both sides are read with counts as figures, so a gold written in words
    also meets the answer's figure; "one" stays a word, another count is still wrong, and a citation
    marker is no figure of the answer."""
    ban = GoldQuestion("q6", "For how many years is Le Pen barred?", "5", ("5",), "single", (Evidence("000_x.txt", "5"),))
    assert first_hit_rank(ban, [_chunk("000_x.txt", "Le Pen's ban runs to 2030."),
                                _chunk("000_x.txt", "Le Pen was handed an immediate five-year ban.")]) == 2
    assert answer_correct(ban, "Le Monde reports: “… handed an immediate five-year ban from public office” [1].",
                          refused=False)
    assert answer_correct(ban, "Five years [1].", refused=False)
    assert not answer_correct(ban, "A fifteen-year ban [1].", refused=False)
    assert not answer_correct(ban, "Twenty-five years [1].", refused=False)
    plants = GoldQuestion("q7", "How many plants?", "twenty-one", (), "single", ())
    assert answer_correct(plants, "It runs 21 plants [1].", refused=False)
    one = GoldQuestion("q8", "How many?", "1", (), "single", ())
    assert not answer_correct(one, "One of the largest [1].", refused=False)
    assert not answer_correct(one, "Two [1].", refused=False)
    assert answer_correct(one, "1 [2].", refused=False)


def test_answer_metrics_by_hand() -> None:
    assert answer_correct(KOKOMO, "It is in kokomo (Indiana) [1].", refused=False)
    assert not answer_correct(KOKOMO, "It is in Kokomo.", refused=True)
    assert answer_correct(NULL, "The indexed articles do not contain the answer.", refused=True)
    assert not answer_correct(NULL, "500,000 cars.", refused=False)
    assert answer_correct(MC, "Sunderland [1].", refused=False, multiple_choice=True)
    assert not answer_correct(MC, "Sunderland or Derby.", refused=False, multiple_choice=True)
    assert answer_correct(MC, "Sunderland, not Derby.", refused=False)  # open answers: the gold alone counts
    assert token_f1("Kokomo, Indiana", "Kokomo Indiana") == 1.0
    assert token_f1("in Kokomo", "Kokomo, Indiana") == pytest.approx(0.5)  # p = 1/2, r = 1/2
    assert token_f1("Detroit", "Kokomo") == 0.0
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 95) == 4 and percentile([], 50) is None


def test_citation_metrics_with_a_wrong_citation(search_stack) -> None:  # noqa: ANN001
    hits = search_stack.retriever.retrieve("Honda GS Yuasa lithium-ion batteries; Kokomo gigafactory", k=6)

    def article_text(article_id: str) -> str | None:
        article = search_stack.store.get_article(article_id)
        return article.text if article else None

    sources = build_sources(hits, article_text)
    honda = next(s.n for s in sources if s.article_id.endswith("#19"))
    draft = (f"Honda and GS Yuasa look to collaborate on lithium-ion batteries [{honda}]. "
             f"Honda will open a battery plant in Kokomo, Indiana [{honda}].")  # the second citation is wrong
    verified = verify(draft, sources)
    answer = Answer("q", verified.text, verified.refused, verified.citations, verified.sentences, sources, draft=draft)
    checks = citation_checks(answer, "Which company did Honda agree to work with?")
    # sentence 1 cites Honda and is supported; sentence 2 is not supported by any article (no Honda in Kokomo)
    assert [c["supported"] for c in checks] == [True, False]
    assert [s.flag for s in answer.sentences] == [None, "unsupported"]
    assert [c["supported"] for c in draft_citation_checks(answer, "Which company did Honda agree to work with?")] == [True, False]

    record = {"id": "q", "type": "single", "retrieval": retrieval_metrics(1, 1.0), "answer": answer.text,
              "refused": False, "correct": True, "token_f1": 1.0, "citation_checks": checks,
              "draft_citation_checks": draft_citation_checks(answer, "Which company did Honda agree to work with?"),
              "sentence_supported": [True, False], "timings": {"retrieval_s": 0.1, "first_token_s": 1.0, "total_s": 2.0}}
    null_record = {"id": "n", "type": "null", "retrieval": None, "answer": "…", "refused": True, "correct": True,
                   "token_f1": 1.0, "citation_checks": [], "draft_citation_checks": [], "sentence_supported": [],
                   "timings": {"retrieval_s": 0.3, "first_token_s": 3.0, "total_s": 4.0}}
    wrong_record = {**record, "id": "w", "correct": False, "refused": True, "token_f1": 0.0, "citation_checks": [],
                    "draft_citation_checks": [], "sentence_supported": [], "retrieval": retrieval_metrics(None, 0.0)}
    summary = summarise_by_type([record, null_record, wrong_record])
    assert summary["citation_precision"] == 0.5 and summary["citation_recall"] == 0.5
    assert summary["answer_accuracy"] == pytest.approx(0.6667, abs=1e-4)
    assert summary["refusal_rate"] == 0.5  # one of the two answerable questions was refused
    assert summary["hits@1"] == 0.5 and summary["mrr@10"] == 0.5  # the null question has no evidence
    assert summary["latency_total_s_p50"] == 2.0 and summary["latency_total_s_p95"] == 4.0
    assert summary["by_type"]["null"]["answer_accuracy"] == 1.0
    assert set(summary) >= {"hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "evidence_recall@10",
                            "answer_accuracy", "refusal_rate", "token_f1", "citation_precision", "citation_recall",
                            "latency_retrieval_s_p50", "latency_retrieval_s_p95", "latency_first_token_s_p50",
                            "latency_first_token_s_p95", "latency_total_s_p50", "latency_total_s_p95", "by_type"}
    assert summary["answer_accuracy_ci95"] == interval([1.0, 1.0, 0.0])
    assert summary["hits@1_ci95"] == interval([1.0, 0.0])  # over the questions with evidence only


def test_intervals_and_sign_test_by_hand() -> None:
    # Wilson, 63 of 100, z = 1.96: centre (0.63 + z²/200) / (1 + z²/100) = 0.6252,
    # half-width z·sqrt(0.63·0.37/100 + z²/40000) / (1 + z²/100) = 0.0930
    assert interval([1.0] * 63 + [0.0] * 37) == pytest.approx([0.5322, 0.7182], abs=1e-4)
    assert interval([1.0] * 8) == pytest.approx([0.6756, 1.0], abs=1e-4)  # all right: the interval still has width
    assert interval([]) is None
    # 21 gained, 8 lost: twice the chance of 8 or fewer heads in 29 fair tosses
    assert sign_test(21, 8) == pytest.approx(2 * sum(math.comb(29, k) for k in range(9)) / 2**29)
    assert sign_test(21, 8) == sign_test(8, 21) and round(sign_test(21, 8), 3) == 0.024
    assert sign_test(0, 0) == 1.0 and sign_test(3, 3) == 1.0


def test_verdict_threshold_fit_by_hand() -> None:
    from eval.fit_verdict import accuracy, auc, best_threshold, leave_one_out

    # margins of "yes" questions mostly above those of "no" questions, one overlap each way
    pairs = [(3.0, True), (2.0, True), (0.8, True), (1.5, False), (0.5, False), (0.2, False)]
    assert auc(pairs) == pytest.approx(8 / 9)
    assert accuracy(pairs, 0.0) == pytest.approx(0.5)  # the likelier word says "Yes" to everything
    # cuts at 0.65 and 1.75 both judge 5 of 6 right; the fit takes the middle of the best ones
    assert accuracy(pairs, best_threshold(pairs)) == pytest.approx(5 / 6)
    assert 0.5 < best_threshold(pairs) < 2.0
    assert 0.0 <= leave_one_out(pairs) <= 5 / 6
