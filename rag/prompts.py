"""Every prompt the product sends, in one place, so they can be read and tuned together."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from rag.sources import Source
from rag.untrusted import DATA_NOTE, fenced, readable

REFUSAL = "The indexed articles do not contain the answer."

ANSWER_SYSTEM = f"""You are a careful news analyst. Answer the question in 1 to 3 short sentences, \
using only facts written in the numbered sources. After each sentence, put the number of the source \
it comes from in square brackets. Copy names, places, figures and dates exactly as the source writes them. \
If the sources do not answer the question, reply with exactly: {REFUSAL}
{DATA_NOTE}

Example
Sources:
[1] Acme opens battery plant (2021-03-01)
Acme has opened a 2 GWh battery plant in Lyon, France, employing 300 people.
[2] Rival plans (2021-02-11)
Globex is considering a site in Spain.
Question: Where did Acme open its battery plant?
Answer: Acme opened its 2 GWh battery plant in Lyon, France [1]."""

UNKNOWN = "unknown"

EVIDENCE_SYSTEM = f"""You answer questions about news. You get numbered sentences, grouped under the headline, \
outlet and date of the article they come from. Reply with JSON only:
"evidence": the numbers of the 1 to 4 sentences that answer the question (for a question about two reports, \
at least one sentence from each report);
"answer": the answer, using only those sentences and the article details above them. Copy names, figures and \
dates exactly.
If no sentence answers the question, reply {{"evidence": [], "answer": "{UNKNOWN}"}}.
{DATA_NOTE}

Example
Article: Acme opens battery plant (Daily Wire, 2021-03-01)
  1. Acme has opened a 2 GWh battery plant in Lyon, France.
  2. The plant employs 300 people.
Article: Rival plans (Auto News, 2021-02-11)
  3. Globex is considering a site in Spain.
Question: Where did Acme open its battery plant, and how many people work there?
{{"evidence": [1, 2], "answer": "Acme opened its 2 GWh battery plant in Lyon, France, where it employs 300 people."}}"""

SELECT_SYSTEM = f"""You find evidence in news. You get numbered sentences, grouped under the headline, outlet and \
date of the article they come from. Reply with JSON only: "evidence", the numbers of the 1 to 4 sentences that \
answer the question, the one that answers it most directly first (for a question about two reports, at least one \
sentence from each report). If no sentence answers the question, reply {{"evidence": []}}.
{DATA_NOTE}

Example
Article: Acme opens battery plant (Daily Wire, 2021-03-01)
  1. Acme's chief executive praised the team.
  2. Acme has opened a 2 GWh battery plant in Lyon, France.
Article: Rival plans (Auto News, 2021-02-11)
  3. Globex is considering a site in Spain.
Question: Where did Acme open its battery plant?
{{"evidence": [2]}}"""

FROM_EVIDENCE = """Now answer the question from the evidence below, and from nothing else. \
Reply with JSON only: {"answer": "..."}. Answer the question directly; copy names, places, figures and dates \
exactly as the evidence writes them."""

ANSWER_FORMS = {
    "yes_no": 'The question is a yes/no question: "answer" is "Yes" if the sentences show what it asks, '
              'otherwise "No".',
    "fact": '"answer" is one short sentence.',
    "comparison": '"answer" is one or two short sentences that compare the reports.',
    "temporal": '"answer" is one or two short sentences; use the article dates to order events.',
    "list": '"answer" is one sentence that names every item the sentences give.',
    "summary": '"answer" is two or three short sentences.',
}


CLAIM_SYSTEM = f"""You check statements about news articles. You get sentences, each group under its article's \
headline, outlet and date. Reply with JSON only: {{"answer": "Yes"}} if the sentences show that the statement is \
true, otherwise {{"answer": "No"}}.
{DATA_NOTE}"""
CLAIM_REPLY_PREFIX = '{"answer": "'  # where the verdict on a statement goes


def claim_messages(sentences: str, claim: str) -> list[BaseMessage]:
    """One part of a yes/no question ("the Fortune article suggests X"), judged on its own against the
    sentences of the articles it names: a small model asked the whole question weighs neither part."""
    return [SystemMessage(CLAIM_SYSTEM), HumanMessage(f"{fenced(sentences)}\n\nStatement: {readable(claim)}.")]


def name_choice(names: Sequence[tuple[str, int]]) -> str:
    """The answer form of a question describing one name through several reports: one of the names
    that the most articles share (a tie), with how many name it."""
    listed = "; ".join(f"{name} (named in {count} articles)" for name, count in names)
    return f'"answer" is the one name the question describes, which is one of: {listed}.'


RECENT_FIRST = "Articles are listed newest first; the question asks for the most recent."

CONDENSE_SYSTEM = """Rewrite the user's follow-up question as one standalone question that can be understood \
without the conversation. Replace the words that point back ("it", "its", "they", "there", "that company", \
"the plant") with the names they stand for: a company, place or product of the conversation, which may be the \
assistant's answer. Do not answer the question. Reply with the question only.
Example: after "User: Which company is Ford building batteries with in Kentucky? Assistant: SK On [1].", the \
follow-up "Where is that company based?" is "Where is SK On based?".
Example: after "User: Where is Volkswagen building its Canadian battery plant? Assistant: St. Thomas, Ontario [1].", \
the follow-up "How much will it cost?" is "How much will Volkswagen's battery plant in St. Thomas, Ontario cost?"."""


def format_source(source: Source) -> str:
    """One article as a model reads it: untrusted text and headline through `rag.untrusted.readable`."""
    meta = " | ".join(x for x in (readable(source.outlet), source.published_at[:10]) if x)
    header = f"[{source.n}] {readable(source.title)}" + (f" ({meta})" if meta else "")
    return f"{header}\n{readable(source.text)}"


def answer_messages(question: str, sources: list[Source]) -> list[BaseMessage]:
    blocks = "\n\n".join(format_source(s) for s in sources)
    return [
        SystemMessage(ANSWER_SYSTEM),
        HumanMessage(f"Sources:\n{fenced(blocks)}\n\nQuestion: {question}\nAnswer:"),
    ]


def evidence_messages(question: str, numbered: str, form: str, recent_first: bool = False) -> list[BaseMessage]:
    """Numbered sentences first, then the question: the fixed system prompt stays a reusable prefix."""
    notes = " ".join([ANSWER_FORMS[form]] + ([RECENT_FIRST] if recent_first else []))
    return [
        SystemMessage(EVIDENCE_SYSTEM),
        HumanMessage(f"{fenced(numbered)}\n\nQuestion: {question}\n{notes}"),
    ]


def select_messages(question: str, numbered: str, recent_first: bool = False) -> list[BaseMessage]:
    """Step 1 of an answer: which numbered sentences answer the question (the system prompt is a reusable prefix)."""
    note = f"\n{RECENT_FIRST}" if recent_first else ""
    return [SystemMessage(SELECT_SYSTEM), HumanMessage(f"{fenced(numbered)}\n\nQuestion: {question}{note}")]


def from_evidence_messages(selection: list[BaseMessage], reply: str, question: str, evidence: str,
                           form: str, form_note: str = "") -> list[BaseMessage]:
    """Step 2, the answer from the checked evidence alone, as a follow-up turn of step 1's conversation:
    llama.cpp still holds step 1's prompt and reply in its KV cache, so only this turn is read, and the
    next question finds the selection system prompt still cached."""
    form_line = form_note or ANSWER_FORMS[form]
    return [*selection, AIMessage(reply),
            HumanMessage(f"{FROM_EVIDENCE}\n\nEvidence:\n{fenced(evidence)}\n\nQuestion: {question}\n{form_line}")]


def warm_up_messages(mode: str) -> list[list[BaseMessage]]:
    """One tiny request per fixed system prompt a mode sends, answered at start-up: it loads the model and
    reads each system prompt once (llama.cpp keeps their states, rag/llm/prefix_states.py). The most used
    comes first, so a warm-up cut short by the first question has read the one that question needs, and
    again last (written back from its kept state), so a finished warm-up leaves it in the KV cache."""
    answering = [ANSWER_SYSTEM] if mode == "draft" else [SELECT_SYSTEM, EVIDENCE_SYSTEM, CLAIM_SYSTEM]
    systems = [*answering, CONDENSE_SYSTEM, answering[0]]
    return [[SystemMessage(system), HumanMessage("Question: ?")] for system in systems]


def condense_messages(history: list[tuple[str, str]], follow_up: str) -> list[BaseMessage]:
    turns = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
    return [
        SystemMessage(CONDENSE_SYSTEM),
        HumanMessage(f"Conversation:\n{turns}\n\nFollow-up question: {follow_up}\nStandalone question:"),
    ]

NONE = "NONE"

BRIEF_MAP_SYSTEM = f"""You extract facts for an analyst's brief. Using ONLY the numbered article(s), write 1 or 2 \
short sentences stating what they report about the topic: who did what, where, when, and any figures. \
Take the facts from the article text, not just its headline, and name the places. \
End each sentence with the article's number in square brackets, like [3]. Copy names and figures exactly. \
If the articles say nothing about the topic, reply with exactly: {NONE}
{DATA_NOTE}"""

BRIEF_REDUCE_SYSTEM = """You write the overview paragraph of a one-page news brief. Using ONLY the facts listed, \
write 3 to 5 sentences that summarise what the news says about the topic. Keep the bracketed source number of \
every fact you use at the end of the sentence, like [2] or [1][4]. Do not add facts that are not listed."""


def brief_map_messages(topic: str, sources: list[Source]) -> list[BaseMessage]:
    """The topic is asked after the articles, as a question: given first, as "Topic: General Motors", the 1.5B
    answered NONE to an article about GM's battery plant (docs/evaluation.md, "Briefs on topic")."""
    blocks = "\n\n".join(format_source(s) for s in sources)
    return [SystemMessage(BRIEF_MAP_SYSTEM),
            HumanMessage(f"Articles:\n{fenced(blocks)}\n\nWhat do the articles report about {topic}? "
                         f"Write 1 or 2 sentences, or {NONE}.")]


def brief_reduce_messages(topic: str, facts: list[str]) -> list[BaseMessage]:
    listed = "\n".join(f"- {fact}" for fact in facts)
    return [SystemMessage(BRIEF_REDUCE_SYSTEM),
            HumanMessage(f"Topic: {topic}\n\nFacts:\n{listed}\n\nOverview:")]
