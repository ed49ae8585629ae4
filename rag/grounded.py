"""Checked evidence and the model's reply → the answer a user reads, every sentence cited.

The model has pointed at sentences and written a short answer. What reaches the
user is built only on the pointers that passed the check:
- a yes/no question gets "Yes" or "No" first, then each piece of evidence quoted
  with its outlet and date, so the verdict is backed by what the reports say
  (evidence naming none of the question's names, a "Yes" with no report of its
  evidence naming a short question's one or two names, a "No" to a short question on
  evidence sharing none of what it asks beyond its names or from articles not writing
  its names, the places it asks about aside, or a "more … than" with
  fewer than two figures to weigh, is a refusal; a "Yes" to whether something
  was done, on evidence that reports it only as planned, is "No, reported only
  as a plan"; a "Yes" on evidence naming the place asked about only as the place
  left, "moving away from China", is "No");
- any other question gets the model's sentences, each kept only if the articles
  of its evidence (or, failing them, another retrieved article) support it;
- when nothing the model wrote survives the support check, or it only restates the
  question, or names the outlet of an article it cites ("USA Today [1]": who reports,
  not what), or does not give what is asked for (a figure for "How many workers …?",
  a place or a time said of what is asked for "Where …?" or "When …?": `rag/asked.py`),
  the evidence itself is quoted (its sentences from articles naming what the question
  names, if they share a word of what it asks and give what is asked for; or the
  sentence right after one, where the model pointed at the line before the answer or
  at a line about another one of what is asked): a
  faithful answer instead of a refusal, because the evidence passed.
No evidence, a reply that says "unknown", or retrieved articles that do not name what
the question asks about (most of its companies, places, people) is a refusal; so is a
name asked for that comes from an article naming too little of it (TDK, GM's partner
on a battery plant, for its partner in an Ohio engine plant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.names import named_keys
from index.percentages import gives_only_changes
from index.same_deed import deal_untold
from index.textrules import amounts, counts_of, sentence_spans, strip_markers
from rag.asked import (asks_amount, asks_place, asks_time, compares_amounts, counted_noun, gives_what_is_asked,
                        placed_in)
from rag.citations import Citation, Verified, is_refusal, place_markers, verify
from rag.deeds import only_planned, reads_as_planned
from rag.evidence import Sentence, candidates
from rag.first_reported import DatedReport
from rag.options import offered_keys, option_said_of_what_is_asked, picked_option
from rag.placed_elsewhere import placed_elsewhere
from rag.places_left import names_only_as_left, only_left
from rag.prompts import REFUSAL, UNKNOWN
from rag.query import is_outlet_name
from rag.said_of import (FEW_NAMES, name_said_of_what_is_asked, names_subjects, on_topic, restates,
                         said_of_something_else, says_what_is_asked)
from rag.sources import Source
from rag.support import borrowed_subject
from rag.written_by import byline_answer

_QUOTED_AT_MOST = 2


@dataclass(frozen=True)
class Grounded:
    verified: Verified
    mode: str  # "answer", "yes_no", "quoted", "first_reported", "byline" or "refused"


def _quote(sentence: Sentence, source: Source, lead: str = "") -> str:
    """'Lead The Verge (2023-10-01) reports: “…” [n].', the marker inside the sentence it backs.
    Without an outlet the headline names the article, unless the quote is the headline itself or opens with it
    (a headline cut short with "…")."""
    when = f" ({source.published_at[:10]})" if source.published_at else ""
    text = " ".join(sentence.text.split()).rstrip(" .;:,!?")
    title = " ".join(source.title.split()).rstrip(" .;:,!?")  # a full stop inside the quotes would end the sentence
    if source.outlet:
        who = f"{source.outlet}{when} reports"
    elif title and not text.startswith(title.rstrip("…").rstrip()):
        who = f"“{title}”{when} says"
    else:
        return f"{lead}“{text}”{when} [{source.n}]."
    return f"{lead}{who}: “{text}” [{source.n}]."


def _by_article(evidence: Sequence[Sentence]) -> list[Sentence]:
    """The first evidence sentence of each article, in the order the model gave them."""
    seen: dict[int, Sentence] = {}
    for sentence in evidence:
        seen.setdefault(sentence.source_n, sentence)
    return list(seen.values())


def ground(
    reply: str, evidence: Sequence[Sentence], sources: list[Source], given: str, yes_no: bool,
    subject_share: float = 0.75, verdict_words: tuple[str, str] = ("Yes", "No"), weighs_reports: bool = False,
) -> Grounded:
    """The verified answer for a model reply (`reply`: the answer field) and its checked evidence.
    `subject_share`: how many of the question's names the articles must write; a question describing
    one name through several reports spreads its names over them (0.5, as for a yes/no comparison).
    `verdict_words`: what a "Yes" or "No" reply is written as ("Consistent", "Inconsistent" for an
    either/or question). `weighs_reports`: the question compares separate reports (rag/query.py)."""
    by_n = {s.n: s for s in sources}
    reply = " ".join(reply.split())
    if not evidence or not reply or reply.lower().strip(" .") == UNKNOWN or (not yes_no and is_refusal(reply)):
        return Grounded(Verified(REFUSAL, refused=True), "refused")
    firsts = _by_article(evidence)
    if yes_no:
        cited_sources = [by_n[s.source_n] for s in firsts]
        # The verdict stands on its evidence: "Is BMW building a plant in Hungary? No" backed by a chipmaker's
        # German fab is a verdict about something else, even when another retrieved article names BMW. (Any
        # one name will do for a "No": a question in two parts may be "No" on one part's report alone.) A "Yes"
        # to a question naming one or two things needs them all, in one report: "Did Nidec open a factory in
        # Hungary? Yes" on Nidec's Serbian factories affirms what no report says, as does "I heard ACC opened a
        # gigafactory in Germany. True? Yes" on ACC's French one and a chipmaker's German plant (chat-h4-003).
        # A "Yes" that its evidence reports only as a plan is a "No", said so; that evidence must be about what
        # was asked, as a "Yes" must ("Is Nissan building its gigafactory with Envision AESC?" is not answered
        # by "Nissan announces third gigafactory").
        planned = reported_as_planned(given, evidence, sources, verdict_words)
        affirms = reply.lower().startswith("yes") or planned
        # Nor one whose evidence names the place asked about only as the place left ("moving away from China").
        left = affirms and not planned and reported_as_left(given, evidence, verdict_words)
        # Nor one whose evidence puts the one thing asked about in another country ("ACC opens first gigafactory in
        # France" for "ACC's first gigafactory is in Germany?"): a "No", checked as one.
        elsewhere = (affirms and not planned and not left and verdict_words == ("Yes", "No")
                     and placed_elsewhere(given, [s.text for s in evidence]))
        affirms = affirms and not elsewhere
        name_count = len(named_keys(given))
        one_report = affirms and name_count <= 2
        evidence_names = (any(names_subjects(given, [source]) for source in cited_sources) if one_report
                          else names_subjects(given, cited_sources, 0.0))
        # Nor does a "Yes" stand on what its evidence says of someone else: "Was Sam Bankman-Fried the CEO of
        # Alameda Research? Yes" on "Ellison's tenure as CEO of Alameda Research was an exercise in optics".
        borrowed = affirms and all(borrowed_subject(given, s.text) for s in evidence)
        # A "Yes" or a plan affirms the whole of a short question: a name no retrieved article writes was never
        # checked. "Is Nissan building its third UK gigafactory with Envision AESC? No, reported only as a plan"
        # on an article that never names Envision AESC reports a plan no one reported. A long question, most
        # often one weighing two reports, spreads its names and quotes ("'Rep. Patrick McHenry'": the article
        # writes "McHenry"); half of them will do, as for a "No".
        short = name_count <= FEW_NAMES
        read_share = 1.0 if affirms and short else 0.5
        # A "No" to a short question stands on evidence about what it asks, not only on a name: "Is Volkswagen
        # building a gigafactory in Spain? No" on "Until recently, it relied heavily on diesel engines" (an
        # article that names Volkswagen) says nothing of a gigafactory. A question weighing reports words its
        # evidence otherwise ("Google restrains competition" for an "antitrust battle").
        off_topic = short and not affirms and not weighs_reports and not on_topic(given, evidence)
        # Nor on evidence about someone else: "Has Hyundai announced a battery plant in Ohio? No" on GM's Ohio engine
        # plant names the place asked about, not who. A short question's names, less the places it puts something
        # in, must all be written in the articles of its evidence.
        someone_else = (short and not affirms and not weighs_reports
                        and not names_subjects(given, cited_sources, leaving=placed_in(given)))
        if (not names_subjects(given, sources, read_share) or not evidence_names
                or not _has_amounts_to_compare(given, evidence) or borrowed or off_topic or someone_else):
            return Grounded(Verified(REFUSAL, refused=True), "refused")
        verdict = verdict_words[0] if affirms and not planned and not left else verdict_words[1]
        lead = f"{verdict}, reported only as a plan: " if planned else f"{verdict}: "
        if planned:  # the plan is quoted first: it is why the answer is "No"
            firsts = _by_article(sorted(evidence, key=lambda s: not reads_as_planned(given, s.text)))
        draft = " ".join(_quote(s, by_n[s.source_n], lead if i == 0 else "")
                         for i, s in enumerate(firsts))
        return Grounded(_with_evidence_spans(verify(draft, sources, given), evidence, sources), "yes_no")
    # The retrieved articles must be about what the question names (a Rivian question answered from
    # Hyundai's Georgia plant is not an answer); a long question's names spread over several articles.
    if not names_subjects(given, sources, share=subject_share, leaving=offered_keys(given)):  # one option is unsaid
        return Grounded(Verified(REFUSAL, refused=True), "refused")
    if not name_said_of_what_is_asked(reply, given, [by_n[s.source_n] for s in firsts], sources):
        return Grounded(Verified(REFUSAL, refused=True), "refused")
    cited = [s.source_n for s in firsts]
    sentences = [reply[a:b] for a, b in sentence_spans(reply)] or [reply]
    draft = " ".join(place_markers(sentence, cited) for sentence in sentences)
    verified = verify(draft, sources, given, drop_unsupported=True)
    # An offered option picked ("South Korea" for "… South Korea or China?") is an answer, if said of what is asked.
    option = picked_option(verified.text, given)
    if (verified.refused or (option and not option_said_of_what_is_asked(option, given, [by_n[n] for n in cited]))
            or (not option and (restates(verified.text, given) or not gives_what_is_asked(verified.text, given)))
            or said_of_something_else(verified.text, given, evidence, sources)
            or deal_untold(given, " ".join(s.text for s in evidence))
            or _names_its_outlet(verified.text, [by_n[n] for n in cited])):
        # Only evidence from an article naming what the question names is quoted: a BMW question's figure
        # is not GM's $920m from another article. Nor, for a question asking a share, a sentence giving only
        # changes: "… soars 70% …" is not what share of production was electrified, the next sentence is.
        quotable = [s for s in evidence if not gives_only_changes(given, s.text)]
        quoted_sentences = [s for s in _by_article(quotable)
                            if names_subjects(given, [by_n[s.source_n]])][:_QUOTED_AT_MOST]
        read_with = quoted_sentences  # what the quote is read with for what it is about
        if not gives_what_is_asked(" ".join(s.text for s in quoted_sentences), given):
            read_with = quoted_sentences = _the_count(given, [by_n[s.source_n] for s in quoted_sentences])
        if not _answers(given, quoted_sentences, read_with, sources):
            # The evidence is about something else ("… plan to build second gigafactory in US" for where their
            # first is); the sentence right after it may answer ("The pair are currently building a gigafactory
            # in Kokomo, Indiana …").
            read_with = _the_sentence_after(given, evidence, sources)
            quoted_sentences = read_with[1:]
        if not _answers(given, quoted_sentences, read_with, sources):
            # evidence about something else: quoting it would mislead
            return Grounded(Verified(REFUSAL, refused=True, sentences=verified.sentences), "refused")
        quoted = " ".join(_quote(s, by_n[s.source_n]) for s in quoted_sentences)
        return Grounded(_with_evidence_spans(verify(quoted, sources, given), evidence, sources), "quoted")
    return Grounded(_with_evidence_spans(verified, evidence, sources), "answer")


def ground_first_reported(reports: tuple[DatedReport, DatedReport], later: bool, sources: list[Source],
                          given: str) -> Grounded:
    """"Which came first: A or B?" answered from the days of their reports (rag/first_reported.py): the answer's
    event, "reported before" (or "after") the other, on its report, then the other event on its own. Each
    sentence holds only its own report's day and no word but the question's and its quote's, so the support
    check reads it against the one article it cites."""
    by_n = {s.n: s for s in sources}
    answer, other = reports
    leads = (f"{_sentence_case(answer.event)}, reported {'after' if later else 'before'} {other.event}: ",
             f"{_sentence_case(other.event)}: ")
    draft = " ".join(_quote(r.sentence, by_n[r.sentence.source_n], lead) for r, lead in zip(reports, leads))
    evidence = [r.sentence for r in reports]
    return Grounded(_with_evidence_spans(verify(draft, sources, given), evidence, sources), "first_reported")


def ground_byline(article: Source, sources: list[Source], given: str, evidence: Sequence[Sentence]) -> Grounded:
    """"Who wrote the piece about …?" answered from the byline of the article it describes (rag/written_by.py),
    through the support check as any answer is."""
    return Grounded(_with_evidence_spans(verify(byline_answer(article), sources, given), evidence, sources), "byline")


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def reported_as_planned(question: str, evidence: Sequence[Sentence], sources: Sequence[Source],
                        verdict_words: tuple[str, str]) -> bool:
    """Is a yes/no question's "Yes" only the report of a plan (rag/deeds.py)? "Did Honda and GS Yuasa form a
    joint venture?" is "No" on "… with the goal of establishing a joint venture company by the end of 2023",
    unless another retrieved sentence about its subjects reports it done. An either/or question's verdict
    ("Consistent") is about two reports, not a deed. Nor is a plan whose evidence names the place asked about only
    as the place left a plan of what was asked: "Did Polestar build cars in China?" is not "No, reported only as a
    plan" on "Polestar plans European production …, moving away from China"."""
    if verdict_words != ("Yes", "No"):
        return False
    read = [p.text[a:b] for source in sources for p in source.passages for a, b in sentence_spans(p.text)]
    about_the_place = [s.text for s in evidence if not names_only_as_left(question, [s.text])]
    return bool(about_the_place) and only_planned(question, about_the_place, read)


def reported_as_left(question: str, evidence: Sequence[Sentence], verdict_words: tuple[str, str]) -> bool:
    """Is the place a yes/no question asks about named in its evidence only as the place left (rag/places_left.py)?
    An either/or verdict is about two reports, not a place."""
    return verdict_words == ("Yes", "No") and only_left(question, [s.text for s in evidence])


def _answers(question: str, quoted: Sequence[Sentence], read_with: Sequence[Sentence], sources: Sequence[Source]
             ) -> bool:
    """Does quoting these sentences answer the question: about what it asks (read with `read_with`, the
    sentences the quote stands on), giving what it asks for, said of what is asked and not of another?"""
    quoted_text = " ".join(s.text for s in quoted)
    return (bool(quoted) and on_topic(question, read_with) and gives_what_is_asked(quoted_text, question)
            and not said_of_something_else(quoted_text, question, read_with, sources))


def _the_sentence_after(question: str, evidence: Sequence[Sentence], sources: Sequence[Source]) -> list[Sentence]:
    """An evidence sentence and the one right after it, when that one gives what is asked and the two say what is
    asked: the model points at the line sharing the question's words ("With Jaguar Land Rover, we found a partner
    whose requirements for the future generation of electric drive units significantly matches ours"), and the
    next goes on to the answer ("For JLR, this will be at its engine plant in Wolverhampton, which employs 1,600
    people"). Only for a question asking a place, a time or a figure, whose answer can be seen to be given; not
    for one asking a name, which nearly every sentence of news gives ("Which state has the only store selling
    unclaimed baggage?" got "… Sonni Hood, public relations manager at Unclaimed Baggage, told me"). [] if no
    pair does."""
    if not (asks_place(question) or asks_time(question) or asks_amount(question)):
        return []
    by_n = {s.n: s for s in sources}
    read = candidates(sources)
    for sentence in evidence:
        after = _next_read(sentence, read, by_n[sentence.source_n])
        if (after is not None and names_subjects(question, [by_n[sentence.source_n]])
                and gives_what_is_asked(after.text, question)
                and says_what_is_asked(question, f"{sentence.text} {after.text}")):
            return [sentence, after]
    return []


def _next_read(sentence: Sentence, read: Sequence[Sentence], source: Source) -> Sentence | None:
    """The sentence read right after this one in its passage, past a date line or a caption between them (a
    headline's first line of text)."""
    passage = next((p for p in source.passages if p.start <= sentence.start < p.end), None)
    if passage is None:
        return None
    later = [s for s in read if s.source_n == sentence.source_n and sentence.end <= s.start and s.end <= passage.end]
    return min(later, key=lambda s: s.start, default=None)


def _names_its_outlet(answer: str, cited: Sequence[Source]) -> bool:
    """Is the answer the outlet of an article it cites? Citing an article vouches for its outlet line as well as
    its text, so "USA Today [1]" passed the support check for "Hunter Biden is threatening legal action against
    which news channel?" (RealTimeQA rt-20240503_1: Fox News); an outlet is who reports, not what it reports.
    An outlet the question names is an answer `restates` already quotes the evidence for (MultiHop-RAG mh-006:
    "… and the 'Polygon' article …, which narrative involves a family entangled in a murder scenario?")."""
    said = strip_markers(answer).strip(" .")
    return any(source.outlet and is_outlet_name(said, source.outlet) for source in cited)


def _has_amounts_to_compare(question: str, evidence: Sequence[Sentence]) -> bool:
    """A question weighing amounts ("Did GM invest more in Ohio than BMW in South Carolina?") needs two
    figures between it and its evidence; with one (GM's $920m, and BMW's plant without a sum) any verdict
    is a guess."""
    if not compares_amounts(question):
        return True
    return len(amounts(question).union(*(amounts(s.text) for s in evidence))) >= 2


def _the_count(question: str, cited: Sequence[Source]) -> list[Sentence]:
    """The sentence of the cited articles that gives what "how many" counts, when they give one count only.
    The model may point at the right article's wrong line ("TDK's expertise complements GM's vision" for
    how many jobs the deal creates); its "… could create 1,000 jobs" answers. Two counts ("The 20-star
    flag", "Twenty-One Star U.S. Flag" for the first flag's stars) leave the choice to no one: a refusal."""
    noun = counted_noun(question)
    if not noun:
        return []
    asked = counts_of(question, noun)
    counting = [(s, counts_of(s.text, noun) - asked) for s in candidates(cited)]
    counting = [(s, found) for s, found in counting if found]
    if len(set().union(*(found for _, found in counting))) != 1:
        return []
    return [counting[0][0]]


def _with_evidence_spans(verified: Verified, evidence: Sequence[Sentence], sources: list[Source]) -> Verified:
    """Point each citation at the evidence sentence of its article (the highlighted span). Where the
    support check found the answer in another sentence of that article (a name only its headline
    gives), that sentence stays the quote and is highlighted with the evidence: the quote a reader
    sees must hold what the answer says."""
    if verified.refused:
        return verified
    by_article = {s.article_id: s for s in sources}
    citations: list[Citation] = []
    for citation in verified.citations:
        source = by_article.get(citation.article_id)
        mine = [s for s in evidence if source is not None and s.source_n == source.n]
        if source is not None and mine:
            spans = tuple((s.start, s.end) for s in mine)
            best = next((s for s in mine if s.start <= citation.start < s.end), None)
            if best is None and citation.quote:  # the answer is in another sentence: quote it, highlight both
                if (citation.start, citation.end) not in spans:
                    spans = ((citation.start, citation.end), *spans)
            else:
                best = best or mine[0]
                citation = replace(citation, start=best.start, end=best.end, quote=best.text)
            passage = next((p for p in source.passages if p.start <= citation.start < p.end), source.passages[0])
            citation = replace(citation, chunk_id=passage.chunk_at(citation.start).chunk_id, spans=spans)
        citations.append(citation)
    verified.citations = citations
    return verified
