"""The Gradio chat app: streamed answers, a sources panel, filters, and a named /ask API.

`build_app(settings)` builds everything; importing this module builds nothing.
Generations share one queue slot ("llm"): a CPU model serves one answer at a
time, and Gradio shows waiting users their place in the queue.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from html import escape
from typing import TYPE_CHECKING, Any

from index.errors import NewsragError
from rag.answer_events import Answer, Done, Retrieved, Token
from rag.settings import Settings
from ui.chat import ChatService
from ui.render import PANEL_CSS, citation_detail, search_results, sources_panel
from ui.search import SORTS, Searcher, chat_question

if TYPE_CHECKING:
    import gradio as gr

LLM_QUEUE = "llm"
EXAMPLES = [
    "Where does Polestar plan to build the Polestar 7?",
    "How much did BMW's Cell Manufacturing Competence Centre in Parsdorf cost?",
    "Which UK battery or EV manufacturing developments are reported?",
]


def _answer_markdown(answer: Answer) -> str:
    """The final chat message: escaped answer text, then what the support check found."""
    text = escape(answer.text)
    if answer.refused:
        closest = "; ".join(escape(s.title or s.article_id) for s in answer.sources[:3])
        return text + (f"\n\n*Closest articles found:* {closest}" if closest else "")
    notes = []
    flagged = [s for s in answer.sentences if s.flag in ("unsupported", "uncited")]
    if flagged:
        notes.append(f"⚠ {len(flagged)} sentence(s) not supported by the cited articles.")
    fixed = [s for s in answer.sentences if s.flag in ("corrected", "attributed")]
    if fixed:
        notes.append(f"{len(fixed)} citation(s) corrected to the article that supports the sentence.")
    return text + ("\n\n*" + " ".join(notes) + "*" if notes else "")


def _citation_choices(answer: Answer) -> list[str]:
    return [f"[{c.n}] {c.title or c.article_id}" for c in answer.citations]


def build_app(settings: Settings, warm: bool = False, max_queue: int = 64) -> gr.Blocks:
    """The app; with `warm`, models load in the background while the page comes up."""
    import threading

    import gradio as gr

    service = ChatService(settings)
    searcher = Searcher(service.stack, settings.retrieval)
    if warm:
        threading.Thread(target=service.warm_up, name="newsrag-warm-up", daemon=True).start()

    def respond(
        message: str, chat: list[dict[str, Any]], pairs: list[tuple[str, str]], outlets: list[str],
        since: str, until: str, k: float, preset: str,
    ) -> Iterator[tuple[Any, ...]]:
        message = (message or "").strip()
        if not message:
            yield chat, gr.update(), gr.update(), pairs, gr.update(), gr.update()
            return
        chat = [*chat, {"role": "user", "content": escape(message)}, {"role": "assistant", "content": "…"}]
        # The box is emptied once, here: the next question may be typed while this one is answered.
        yield chat, sources_panel([], status="Searching the index…"), gr.update(choices=[], value=None), pairs, None, ""
        keep_typed = gr.update()
        streamed, searched, understood = "", "", ""
        try:
            for event in service.stream(message, pairs, outlets, since, until, int(k), preset):
                if isinstance(event, Retrieved):
                    if event.question != message:
                        searched = f" (searched for: {event.question})"
                    understood = event.query.describe() if event.query else ""
                    status = f"{len(event.sources)} articles retrieved; writing the answer…{searched}"
                    yield (chat, sources_panel(event.sources, status=status, understood=understood), gr.update(),
                           pairs, None, keep_typed)
                elif isinstance(event, Token):
                    streamed += event.text
                    chat[-1] = {"role": "assistant", "content": escape(streamed)}
                    yield chat, gr.update(), gr.update(), pairs, None, keep_typed
                elif isinstance(event, Done):
                    answer = event.answer
                    chat[-1] = {"role": "assistant", "content": _answer_markdown(answer)}
                    status = ("No article answers this; the closest ones" if answer.refused else "Cited articles")
                    status += f"{searched}:"
                    panel = sources_panel(answer.sources, None if answer.refused else answer.citations, status,
                                          understood)
                    choices = _citation_choices(answer)
                    yield (chat, panel, gr.update(choices=choices, value=None), [*pairs, (message, answer.text)],
                           answer, keep_typed)
        except NewsragError as exc:
            chat[-1] = {"role": "assistant", "content": f"⚠ {escape(str(exc))}"}
            yield (chat, sources_panel([], status="No answer."), gr.update(choices=[], value=None), pairs, None,
                   keep_typed)

    def show_citation(choice: str | None, answer: Answer | None) -> str:
        if not choice or answer is None:
            return ""
        n = int(choice.split("]")[0].lstrip("["))
        citation = next((c for c in answer.citations if c.n == n), None)
        return citation_detail(answer.sources, citation) if citation else ""

    def ask(question: str, outlets: list[str] | None = None, since: str = "", until: str = "", k: int = 0) -> dict:
        """Answer one question from the index: the same JSON object as `newsrag ask --json`
        (optional: outlets to keep, a YYYY-MM-DD date range, chunks to retrieve)."""
        try:
            return service.ask_json(question, outlets or (), since, until, int(k or 0) or None)
        except NewsragError as exc:
            raise gr.Error(str(exc)) from exc

    def run_search(text: str, outlets_on: list[str], months_on: list[str], order: str) -> tuple[Any, ...]:
        try:
            page = searcher.page(text, outlets_on or (), months_on or (), order)
        except NewsragError as exc:
            return (f'<p class="nr-flag">⚠ {escape(str(exc))}</p>', gr.update(choices=[], value=[]),
                    gr.update(choices=[], value=[]), gr.update(choices=[], value=None), [])
        if not (text or "").strip():
            status = "Type to search headlines and text."
        elif page.empty:
            status = "Nothing in the index matches" + (" with these facets." if outlets_on or months_on else ".")
        else:
            status = f"{len(page.hits)} results, by {order}."
        outlet_values = {o for o, _ in page.outlets}
        month_values = {m for m, _ in page.months}
        return (
            search_results(page.hits, text, status),
            gr.update(choices=[(f"{o} ({n})", o) for o, n in page.outlets],
                      value=[o for o in outlets_on or () if o in outlet_values]),
            gr.update(choices=[(f"{m} ({n})", m) for m, n in page.months],
                      value=[m for m in months_on or () if m in month_values]),
            gr.update(choices=[(f"{i}. {h.chunk.title or h.chunk.article_id}", str(i - 1))
                               for i, h in enumerate(page.hits, start=1)], value=None),
            [chat_question(h) for h in page.hits],
        )

    def ask_about(choice: str | None, questions: list[str], times_asked: int) -> tuple[Any, ...]:
        """The question about the picked article goes in the box, and the count of such questions up by one:
        its change asks it through the chat's own event, so it waits for an answer being written."""
        if choice is None or not questions:
            return gr.update(), gr.update(), gr.update()
        return questions[int(choice)], gr.Tabs(selected="chat"), times_asked + 1

    with gr.Blocks(title="newsrag", analytics_enabled=False) as app:
        gr.Markdown("## newsrag — cited answers from your news index")
        info = gr.Markdown("", elem_id="nr-info")
        with gr.Tabs(elem_id="nr-tabs") as tabs:
            with gr.Tab("Chat", id="chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Chat", height=460, elem_id="nr-chat", buttons=["copy"],
                                             feedback_options=None)
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask about the indexed news…", show_label=False, scale=5,
                                             elem_id="nr-question", autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="nr-send")
                        gr.Examples(EXAMPLES, inputs=box)
                    with gr.Column(scale=2):
                        panel = gr.HTML(label="Sources", elem_id="nr-sources")
                        pick = gr.Dropdown(label="Show citation", choices=[], elem_id="nr-pick")
                        detail = gr.HTML(elem_id="nr-detail")
                with gr.Accordion("Filters and model", open=False):
                    with gr.Row():
                        outlets = gr.Dropdown(service.outlets(), multiselect=True, label="Outlets (none = all)")
                        since = gr.Textbox(label="Published on or after (YYYY-MM-DD)")
                        until = gr.Textbox(label="Published on or before (YYYY-MM-DD)")
                    with gr.Row():
                        k = gr.Slider(1, 12, value=settings.retrieval.k, step=1, label="Chunks retrieved")
                        preset = gr.Radio(["default", "fast"], value=settings.llm.preset, label="Embedded model preset",
                                          visible=settings.llm.backend == "llama_cpp")
                pairs = gr.State([])
                last = gr.State(None)
                clear = gr.Button("New conversation", size="sm")
            with gr.Tab("Search", id="search", elem_id="nr-search-tab"):
                with gr.Row():
                    query = gr.Textbox(placeholder="Search the indexed news…", show_label=False, scale=4,
                                       elem_id="nr-search")
                    order = gr.Radio(list(SORTS), value=SORTS[0], show_label=False, scale=2, elem_id="nr-sort")
                with gr.Row():
                    with gr.Column(scale=1):
                        outlet_facet = gr.CheckboxGroup([], label="Outlet", elem_id="nr-facet-outlet")
                        month_facet = gr.CheckboxGroup([], label="Month", elem_id="nr-facet-month")
                    with gr.Column(scale=3):
                        results = gr.HTML(elem_id="nr-results")
                        with gr.Row():
                            about = gr.Dropdown(label="Ask the chat about", choices=[], scale=4, elem_id="nr-about")
                            about_send = gr.Button("Ask in chat", scale=1, elem_id="nr-ask-about")
                found = gr.State([])
                asked_about = gr.State(0)
        inputs = [box, chatbot, pairs, outlets, since, until, k, preset]
        outputs = [chatbot, panel, pick, pairs, last, box]
        # No progress overlay on answers: the chat shows "…" and the panel a status line, and a browser on the
        # same laptop pulsing overlays over every output takes CPU from the model (fast preset, 2 cores: first
        # token 4.5–4.8 s with them, 3.9–4.2 s without; benchmarks/ui_latency.py, docs/performance.md).
        answering = {"concurrency_id": LLM_QUEUE, "concurrency_limit": 1, "api_visibility": "private",
                     "show_progress": "hidden"}
        # One event for Enter, the button and "Ask in chat". A question sent while the last is still being
        # answered (or while its last update is on its way: the panel already says "Cited articles") is asked
        # once that one ends, with the conversation as it is then. Gradio's default drops it without a word;
        # a second event would run with the conversation as it was, and its answer would replace the first.
        gr.on([box.submit, send.click, asked_about.change], respond, inputs, outputs, trigger_mode="always_last",
              **answering)
        # searches skip the LLM's queue (milliseconds each); typing fast runs only the latest query
        search_in = [query, outlet_facet, month_facet, order]
        search_out = [results, outlet_facet, month_facet, about, found]
        for trigger in (query.input, query.submit, outlet_facet.input, month_facet.input, order.input):
            trigger(run_search, search_in, search_out, queue=False, trigger_mode="always_last",
                    api_visibility="private")
        # queued, though instant: Gradio tells the page that a state changed only at the end of a queued event
        about_send.click(ask_about, [about, found, asked_about], [box, tabs, asked_about], api_visibility="private")
        pick.change(show_citation, [pick, last], detail, queue=False, api_visibility="private")
        clear.click(lambda: ([], [], "", None, ""), None, [chatbot, pairs, panel, last, detail], queue=False,
                    api_visibility="private")
        app.load(service.info_line, None, info, queue=False, api_visibility="private")
        gr.api(ask, api_name="ask", concurrency_id=LLM_QUEUE, concurrency_limit=1)
    app.queue(default_concurrency_limit=1, max_size=max_queue)  # beyond it: "Queue is full", not a hang
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise NewsragError("--auth: expected USER:PASSWORD (or set NEWSRAG_AUTH)")
    return user, password


def serve(settings: Settings, host: str, port: int, auth: str | None, insecure: bool, max_queue: int = 64) -> None:
    """Launch the UI; anything but loopback needs a password unless the user insists."""
    credentials = parse_auth(auth)
    if not _is_loopback(host) and credentials is None and not insecure:
        raise NewsragError(
            f"--host {host} exposes the index beyond this machine; add --auth USER:PASSWORD "
            "(or NEWSRAG_AUTH), or --insecure to serve without a password"
        )
    import signal
    import sys

    from rag.remote import announce, withdraw

    if max_queue < 1:
        raise NewsragError(f"--max-queue {max_queue}: give at least 1")
    app = build_app(settings, warm=True, max_queue=max_queue)
    app.launch(server_name=host, server_port=port, auth=credentials, css=PANEL_CSS, footer_links=["api"],
               show_error=False, quiet=False, prevent_thread_lock=True)
    # `newsrag ask` on the same index answers through this process's warm models
    local = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{app.server_port}"
    announcement = announce(settings, local, has_auth=credentials is not None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        app.block_thread()
    finally:
        withdraw(announcement)
