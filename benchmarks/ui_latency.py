"""Time from pressing Ask to the first streamed token and to the finished answer, in a real browser.

Usage: python benchmarks/ui_latency.py [--index DIR] [--presets default fast] [--screenshot FILE]
Starts `newsrag serve` per preset on a free port, drives Debian's Chromium with
Playwright, asks one question as soon as the page is up (the server loads its
models at start, so this is what the first user waits), then each question once,
and prints a table. Needs an index (default .newsrag/index: make run builds it).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUESTIONS = [
    "Where will Jaguar Land Rover manufacture its electric drive units?",
    "How much did BMW's Cell Manufacturing Competence Centre in Parsdorf cost?",
    "Which company did Honda agree to collaborate with on lithium-ion batteries?",
    "Where did Nidec open new factories for EV components?",
    "Who is the anchor client of Tata's UK battery gigafactory?",
    "Where does Polestar plan to build the Polestar 7?",
]
FIRST = "What is EV36Zero?"  # asked as soon as the page is up: the server warms its models at start
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(index: Path, preset: str) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", str(index), "--port", str(port),
                             "--preset", preset], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(180):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit(f"newsrag serve --preset {preset} did not start")


def _time_question(page, question: str) -> tuple[float, float]:  # noqa: ANN001
    """Seconds to the first streamed token and to the verified answer (Gradio nests each
    message in two `.message` elements, so a new turn adds four)."""
    before = page.locator("#nr-chat .message").count()
    page.locator("#nr-question textarea").fill(question)
    start = time.perf_counter()
    page.locator("#nr-send").click()
    page.wait_for_function(
        """([before]) => { const m = document.querySelectorAll('#nr-chat .message');
            return m.length >= before + 4 && !['', '…'].includes(m[m.length - 1].innerText.trim()); }""",
        arg=[before], timeout=600_000, polling=50)
    first = time.perf_counter() - start
    # retrieval replaced the previous answer's status before any token streamed
    page.wait_for_function("() => /Cited articles|No article answers|No answer/.test("
                           "document.querySelector('#nr-sources')?.innerText || '')", timeout=600_000, polling=50)
    return first, time.perf_counter() - start


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path(".newsrag/index"))
    parser.add_argument("--presets", nargs="+", default=["default", "fast"])
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for preset in args.presets:
            proc, url = serve(args.index, preset)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url)
                page.wait_for_selector("#nr-question textarea", timeout=120_000)
                started = _time_question(page, FIRST)
                timings = [_time_question(page, q) for q in QUESTIONS]
                if args.screenshot and preset == args.presets[0]:
                    page.screenshot(path=str(args.screenshot), full_page=True)
                rows.append((preset, started, [t[0] for t in timings], [t[1] for t in timings]))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        browser.close()
    print(f"{len(QUESTIONS)} questions each, seconds from clicking Ask; 'first question' is asked as soon as the "
          "page loads (model warm-up still running counts)")
    print("| preset | first question: first token / answer | first token (median) | first token (max) "
          "| full answer (median) | full answer (max) |")
    print("|---|---|---|---|---|---|")
    for preset, (start_first, start_total), first, total in rows:
        print(f"| {preset} | {start_first:.1f} / {start_total:.1f} | {statistics.median(first):.1f} | "
              f"{max(first):.1f} | {statistics.median(total):.1f} | {max(total):.1f} |")


if __name__ == "__main__":
    main()
