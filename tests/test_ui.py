"""The chat UI in a real browser (Debian Chromium via Playwright) against a real server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.pipeline import ingest
from tests.conftest import free_port, make_settings, start_server

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_TITLE = 'Rivian <img src=x onerror="window.__xss=1"> Normal plant <script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def ui_index(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    """The sample corpus plus one hostile article whose title and text carry markup."""
    folder = tmp_path_factory.mktemp("ui-corpus")
    (folder / "hostile.txt").write_text(
        f"{XSS_TITLE}\n\nRivian is expanding its Normal, Illinois plant to build the R2 SUV. "
        '<img src=x onerror="window.__xss=3"> The plant expansion adds 550 jobs.\n',
        encoding="utf-8",
    )
    index = tmp_path_factory.mktemp("ui") / "index"
    report = ingest(make_settings(index), [sample_dir, folder])
    assert not report.problems
    return index


@pytest.fixture(scope="module")
def server(ui_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # a short queue, so that test_requests_past_the_queue_limit_are_told_busy can fill it
    proc, url = start_server(["--index", str(ui_index), "--preset", "fast", "--max-queue", "2"],
                             tmp_path_factory.mktemp("log") / "serve.log")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is missing: apt-get install chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _open(browser, url: str):  # noqa: ANN001, ANN202
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#nr-question textarea", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#nr-info')?.innerText.includes('articles')", timeout=60_000)
    page.dialogs = dialogs
    return page


# One element per turn of the chat (each holds another `.message`), in order.
TURNS = "#nr-chat .message.user, #nr-chat .message.bot"
# A JavaScript expression: the panel's status says the answer is over (cited, refused or failed).
ANSWER_OVER = "/Cited articles|No article answers|No answer/.test(document.querySelector('#nr-sources')?.innerText)"


def _send_and_wait_for_retrieval(page, question: str) -> None:  # noqa: ANN001
    """Send a question and return while its answer is still to come."""
    page.locator("#nr-question textarea").fill(question)
    page.locator("#nr-send").click()
    page.wait_for_function("() => document.querySelector('#nr-sources')?.innerText.includes('writing the answer')",
                           timeout=60_000)


def _ask(page, question: str, timeout_ms: int = 240_000) -> None:  # noqa: ANN001
    before = page.locator("#nr-chat .message").count()
    page.locator("#nr-question textarea").fill(question)
    page.locator("#nr-send").click()
    page.wait_for_function(
        f"""([before]) => document.querySelectorAll('#nr-chat .message').length >= before + 2 && {ANSWER_OVER}""",
        arg=[before], timeout=timeout_ms,
    )


def test_question_streams_an_answer_with_citation_and_passage(server: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    page = _open(browser, server)
    assert "36 articles" in page.locator("#nr-info").inner_text()
    # sources appear as soon as retrieval finishes, before the answer is written
    _send_and_wait_for_retrieval(page, "Which company did Honda agree to collaborate with on lithium-ion batteries?")
    # and nothing animates while the model writes: Gradio's pulsing progress overlays took CPU from the model
    # (docs/performance.md); the chat's "…" and the panel's status line say what is going on instead
    animations = "() => document.getAnimations().filter(a => a.playState === 'running' && a.animationName)" \
                 ".map(a => a.animationName)"
    assert page.evaluate(animations) == []
    _ask_done = "() => document.querySelector('#nr-sources')?.innerText.includes('Cited articles')"
    page.wait_for_function(_ask_done, timeout=240_000)
    answer = page.locator("#nr-chat .message").last.inner_text()
    assert "GS Yuasa" in answer and "[1]" in answer
    cited = page.locator("#nr-sources .nr-source").first
    assert "Honda and GS Yuasa look to collaborate" in cited.inner_text()
    assert "GS Yuasa" in " ".join(cited.locator("mark").all_inner_texts())  # the evidence sentence is marked
    understood = page.locator("#nr-sources .nr-understood").inner_text()
    assert "searched for: Which company did Honda" in understood and "kind:" in understood
    page.locator("#nr-pick input").click()
    page.get_by_role("option").first.click()
    page.wait_for_selector("#nr-detail mark", timeout=10_000)
    assert "chunk 000_9a5092abaffa30a2.txt#19::0" in page.locator("#nr-detail").inner_text()
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_search_tab_shows_faceted_results_and_asks_the_chat_about_one(server: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, server)
    page.get_by_role("tab", name="Search").click()
    page.locator("#nr-search textarea").press_sequentially("battery plant", delay=20)  # results as the user types
    results = page.locator("#nr-results .nr-result")
    # typing sends a search per keystroke: wait for the one of the whole query, whose first result marks its words
    page.wait_for_function("() => document.querySelectorAll('#nr-results .nr-result').length >= 5 && "
                           "document.querySelector('#nr-results .nr-result mark')", timeout=60_000)
    assert "battery" in " ".join(results.first.locator("mark").all_inner_texts()).lower()  # the query's words marked
    months = [t for t in page.locator("#nr-facet-month label").all_inner_texts() if re.match(r"\d{4}-\d{2} \(\d+\)", t)]
    outlets = page.locator("#nr-facet-outlet label").all_inner_texts()
    assert months and any(re.search(r"\(\d+\)$", t) for t in outlets), (months, outlets)

    month, count = re.match(r"(\S+) \((\d+)\)", months[0]).groups()  # the newest month: a facet narrows the list
    page.locator("#nr-facet-month label", has_text=months[0]).click()
    page.wait_for_function("([n]) => document.querySelectorAll('#nr-results .nr-result').length === n",
                           arg=[int(count)], timeout=30_000)
    assert all(month in meta for meta in page.locator("#nr-results .nr-result .nr-meta").all_inner_texts())
    page.locator("#nr-facet-month label", has_text=months[0]).click()  # and unchecking it widens it again
    page.wait_for_function("() => document.querySelectorAll('#nr-results .nr-result').length >= 5", timeout=30_000)

    page.get_by_text("newest first").click()
    page.wait_for_function("() => document.querySelector('#nr-results')?.innerText.includes('by newest first')",
                           timeout=30_000)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", " ".join(page.locator("#nr-results .nr-meta").all_inner_texts()))
    assert dates and dates == sorted(dates, reverse=True)

    title = results.first.locator("b").inner_text()
    page.locator("#nr-about input").click()
    page.get_by_role("option").first.click()
    page.locator("#nr-ask-about").click()  # the chat tab opens and answers a question about that article
    page.wait_for_function(f"() => document.querySelectorAll('#nr-chat .message').length >= 2 && {ANSWER_OVER}",
                           timeout=240_000)
    assert title in page.locator("#nr-chat .message").first.inner_text()



def test_search_marks_the_query_words_however_the_query_spells_an_accent() -> None:
    """Stored text is NFC; a query pasted with combining accents must mark the same words."""
    import unicodedata

    from ui.render import query_marks

    text = "Škoda will build the Elroq in Mladá Boleslav."
    for query in ("Mladá Škoda", unicodedata.normalize("NFD", "Mladá Škoda")):
        assert [text[a:b] for a, b in query_marks(text, query)] == ["Škoda", "Mladá"]

def test_follow_up_question_is_condensed_before_retrieval(server: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, server)
    _ask(page, "Which company is Jaguar Land Rover developing electric drive units with?")
    _ask(page, "And where will they build them?")
    panel = page.locator("#nr-sources").inner_text()
    searched = re.search(r"searched for: (.*?)\):", panel)
    assert searched and re.search(r"Jaguar|JLR", searched.group(1)), panel
    titles = " ".join(page.locator("#nr-sources .nr-source").all_inner_texts())
    assert "Jaguar Land Rover" in titles or "JLR" in titles, panel


def test_a_question_typed_while_one_is_answered_is_asked_after_it(server: str, browser) -> None:  # noqa: ANN001
    """An analyst types the next question while the answer is written: the streamed answer must not wipe it,
    and Enter must not be dropped (Gradio drops an event sent while its last one runs); it is asked after."""
    page = _open(browser, server)
    first, second = ("Which company did Honda agree to collaborate with on lithium-ion batteries?",
                     "Where will Jaguar Land Rover manufacture its electric drive units?")
    _send_and_wait_for_retrieval(page, first)
    page.locator("#nr-question textarea").press_sequentially(second, delay=10)
    page.wait_for_function("() => document.querySelector('#nr-chat .message.bot')?.innerText.trim() !== '…'",
                           timeout=120_000)  # the first answer streams while the second question waits in the box
    assert page.locator("#nr-question textarea").input_value() == second
    page.locator("#nr-question textarea").press("Enter")
    page.wait_for_function(
        f"""([second, turns]) => {{
            const messages = [...document.querySelectorAll(turns)].map(m => m.innerText.trim());
            return messages.length >= 4 && messages[2] === second && {ANSWER_OVER};
        }}""", arg=[second, TURNS], timeout=240_000)
    messages = page.locator(TURNS).all_inner_texts()
    assert len(messages) == 4 and messages[0].strip() == first and "GS Yuasa" in messages[1], messages
    assert "Jaguar Land Rover" in page.locator("#nr-sources").inner_text()


def test_ask_in_chat_while_an_answer_is_written_keeps_that_answer(server: str, browser) -> None:  # noqa: ANN001
    """"Ask in chat" from the Search tab while the chat writes an answer: the question waits its turn, and
    the answer being written stays in the conversation (a second event would have run on the chat as it was)."""
    page = _open(browser, server)
    first = "Which company did Honda agree to collaborate with on lithium-ion batteries?"
    _send_and_wait_for_retrieval(page, first)
    page.get_by_role("tab", name="Search").click()
    page.locator("#nr-search textarea").fill("Jaguar Land Rover electric drive units")
    page.locator("#nr-search textarea").press("Enter")
    page.wait_for_function("() => document.querySelector('#nr-results .nr-result mark')", timeout=30_000)
    page.locator("#nr-about input").click()
    page.get_by_role("option").first.click()
    page.locator("#nr-ask-about").click()
    still_writing = page.evaluate(f"() => !({ANSWER_OVER})")
    page.wait_for_function(
        f"""([turns]) => {{
            const messages = [...document.querySelectorAll(turns)];
            return messages.length >= 4 && messages[3].innerText.trim() !== '…' && {ANSWER_OVER};
        }}""", arg=[TURNS], timeout=240_000)
    messages = page.locator(TURNS).all_inner_texts()
    assert len(messages) == 4 and messages[0].strip() == first and "GS Yuasa" in messages[1], messages
    assert still_writing  # else this run did not test what it is for: the first answer came too fast


def test_article_markup_is_shown_as_text_and_never_runs(server: str, browser, tmp_path: Path) -> None:  # noqa: ANN001
    page = _open(browser, server)
    _ask(page, "What is Rivian building at its Normal, Illinois plant?")
    panel = page.locator("#nr-sources").inner_text()
    assert '<img src=x onerror="window.__xss' in panel
    assert "<script>window.__xss=2</script>" in panel
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("#nr-sources img, #nr-sources script").count() == 0
    page.get_by_role("tab", name="Search").click()  # search results carry the same headline and text
    page.locator("#nr-search textarea").press_sequentially("Rivian Normal plant R2", delay=20)
    page.wait_for_function("() => document.querySelector('#nr-results')?.innerText.includes('window.__xss=2')",
                           timeout=30_000)
    assert page.locator("#nr-results img, #nr-results script").count() == 0
    assert page.evaluate("() => window.__xss === undefined")
    assert page.dialogs == []
    page.screenshot(path=str(tmp_path / "xss.png"), full_page=True)


def test_named_ask_api_via_gradio_client(server: str) -> None:
    from gradio_client import Client

    result = Client(server, verbose=False).predict(
        "Which company did Honda agree to collaborate with on lithium-ion batteries?", api_name="/ask"
    )
    assert set(result) >= {"answer", "refused", "citations", "query", "evidence"}
    assert not result["refused"] and "GS Yuasa" in result["answer"], result
    assert any("GS Yuasa" in c["quote"] for c in result["citations"])
    assert result["query"]["understood"].startswith("searched for: Which company did Honda")


def test_ask_answers_through_the_running_server_with_its_filters(server: str, ui_index: Path,
                                                               cli_env: dict[str, str]) -> None:
    ask = [sys.executable, "-m", "rag.cli", "ask", "--json", "--index", str(ui_index), "--preset", "fast",
           "Which company did Honda agree to collaborate with on lithium-ion batteries?"]
    run = subprocess.run(ask, capture_output=True, text=True, timeout=300, env=cli_env)
    assert run.returncode == 0, run.stderr
    assert f"answered by the newsrag serve running at {server.rstrip('/')}" in run.stderr
    served = json.loads(run.stdout)
    assert not served["refused"] and "GS Yuasa" in served["answer"], served
    # the CLI's filters travel with the question: nothing is published after 2030
    run = subprocess.run([*ask, "--since", "2030-01-01"], capture_output=True, text=True, timeout=300, env=cli_env)
    assert "answered by the newsrag serve" in run.stderr and json.loads(run.stdout)["refused"]
    # another preset is another model: ask answers locally rather than take the server's
    from rag.remote import find_server

    assert find_server(make_settings(ui_index, llm={"preset": "fast"})).url == server.rstrip("/")
    assert find_server(make_settings(ui_index, llm={"preset": "default"})) is None
    assert find_server(make_settings(ui_index.parent / "other", llm={"preset": "fast"})) is None


def test_failures_appear_in_the_chat_as_one_line(sample_index: Path, browser, tmp_path: Path) -> None:  # noqa: ANN001
    dead = f"http://127.0.0.1:{free_port()}/v1"
    proc, url = start_server(["--index", str(sample_index), "--backend", "openai", "--base-url", dead, "--model", "x"],
                       tmp_path / "down.log")
    try:
        page = _open(browser, url)
        _ask(page, "Where is Kokomo?")
        message = page.locator("#nr-chat .message").last.inner_text()
        assert message.startswith("⚠ cannot reach the LLM at http://127.0.0.1:") and "Traceback" not in message
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    proc, url = start_server(["--index", str(tmp_path / "missing")], tmp_path / "missing.log")
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_function("() => document.querySelector('#nr-info')?.innerText.includes('no index here')",
                               timeout=60_000)
        _ask(page, "Where is Kokomo?")
        assert "no index here" in page.locator("#nr-chat .message").last.inner_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_non_loopback_bind_requires_auth(sample_index: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "rag.cli", "serve", "--host", "0.0.0.0", "--index", str(sample_index)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip() == (
        "newsrag: error: --host 0.0.0.0 exposes the index beyond this machine; add --auth USER:PASSWORD "
        "(or NEWSRAG_AUTH), or --insecure to serve without a password"
    )


def test_requests_past_the_queue_limit_are_told_busy(server: str, browser) -> None:  # noqa: ANN001
    """Past --max-queue a request is told "busy, try again" at once, the API and the chat alike,
    and the requests the queue took are still answered."""
    from gradio_client import Client

    page = _open(browser, server)
    page.locator("#nr-question textarea").fill("Where will Jaguar Land Rover manufacture its electric drive units?")
    client = Client(server, verbose=False)
    jobs = [client.submit("Which company did Honda agree to collaborate with on lithium-ion batteries?",
                          api_name="/ask") for _ in range(6)]
    refused = None
    for _ in range(300):  # the rejected ones fail at once, while the others wait their turn
        refused = next((job for job in jobs if job.done() and job.exception() is not None), None)
        if refused is not None:
            break
        time.sleep(0.1)
    assert refused is not None and "queue is full" in str(refused.exception()).lower(), refused
    page.locator("#nr-send").click()  # the queue is full now: the chat is told so too
    page.get_by_text("currently busy").first.wait_for(timeout=10_000)
    outcomes: list[str] = []
    for job in jobs:
        try:
            outcomes.append("answered" if "GS Yuasa" in job.result()["answer"] else "wrong")
        except Exception as exc:  # noqa: BLE001 - the refusal is what is tested
            outcomes.append("busy" if "queue is full" in str(exc).lower() else repr(exc))
    assert set(outcomes) == {"answered", "busy"}, outcomes
    assert 1 <= outcomes.count("answered") <= 3  # one running and two waiting at most
