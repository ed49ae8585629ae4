"""Load: N clients on the served UI for a while, against the embedded model; prints a table.

    python benchmarks/load.py [--index DIR] [--api-clients 16] [--chat-clients 4] [--seconds 120]
                              [--max-queue 12] [--preset fast] [--rounds 2]

API clients call the named /ask endpoint with gradio_client and poll their job's
queue position while they wait; chat clients are pages in Debian's Chromium that
type into the chat box. Every request ends answered, told the queue is full (the
server's "busy, try again"; the client waits 2 s and retries) or as an error. The
server's RSS is read from /proc before and after each round (two rounds on one
server by default: growth in the first that stops in the second is caches filling,
growth in both is a leak); one more question afterwards shows it still answers. Figures go in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Where will Jaguar Land Rover manufacture its electric drive units?",
    "Which company did Honda agree to collaborate with on lithium-ion batteries?",
    "How much did BMW's Cell Manufacturing Competence Centre in Parsdorf cost?",
    "Where is Stellantis building its second gigafactory with Samsung SDI?",
]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]


class QueueFull(Exception):
    """The server said its queue is full (busy, try again)."""


@dataclass
class Tally:
    outcomes: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    queue_positions: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: str, seconds: float = 0.0, position: int | None = None, error: str = "") -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if outcome == "answered":
                self.latencies.append(seconds)
            if position is not None:
                self.queue_positions.append(position)
            if error:
                self.errors.append(error)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def api_client(url: str, n: int, deadline: float, tally: Tally) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    i = n
    while time.monotonic() < deadline:
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        started, seen = time.monotonic(), None
        try:
            job = client.submit(question, api_name="/ask")
            while not job.done():
                status = job.status()
                if status.rank is not None and status.rank >= 0:
                    seen = max(seen or 0, int(status.rank) + 1)
                time.sleep(0.5)
            result = job.result()
            tally.add("answered" if isinstance(result, dict) and "answer" in result else "error",
                      time.monotonic() - started, seen)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by kind
            if "queue is full" in str(exc).lower():
                tally.add("busy")
                time.sleep(2)
            else:
                tally.add("error", error=f"{type(exc).__name__}: {str(exc)[:120]}")


def chat_client(url: str, n: int, deadline: float, tally: Tally) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#nr-question textarea", timeout=60_000)
        i = n
        while time.monotonic() < deadline:
            before = page.locator("#nr-chat .message").count()
            started = time.monotonic()
            page.locator("#nr-question textarea").fill(QUESTIONS[i % len(QUESTIONS)])
            i += 1
            page.locator("#nr-send").click()
            position = None
            try:
                while True:
                    done = page.evaluate("""([before]) => {
                        const status = document.querySelector('#nr-sources');
                        return document.querySelectorAll('#nr-chat .message').length >= before + 2 && status
                            && /Cited articles|No article answers|No answer/.test(status.innerText);
                    }""", [before])
                    if done:
                        break
                    # Gradio's toast for a full queue: "This application is currently busy. Please try again."
                    if page.get_by_text("currently busy", exact=False).count():
                        page.evaluate("() => document.querySelectorAll('.toast-close').forEach(b => b.click())")
                        raise QueueFull

                    shown = page.evaluate("() => (document.body.innerText.match(/queue:\\s*(\\d+)\\s*\\/\\s*\\d+/) "
                                          "|| [])[1] || null")
                    if shown:
                        position = max(position or 0, int(shown))
                    if time.monotonic() - started > 300:
                        shown = " ".join(page.locator("body").inner_text().split())[-300:]
                        raise TimeoutError(f"no answer in 300 s; the page shows: …{shown}")
                    time.sleep(0.5)
                tally.add("answered", time.monotonic() - started, position)
            except QueueFull:
                tally.add("busy")
                time.sleep(2)
            except Exception as exc:  # noqa: BLE001
                tally.add("error", error=f"chat: {type(exc).__name__}: {str(exc)[:500]}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index to serve (default: the sample corpus, built in a temp dir)")
    parser.add_argument("--api-clients", type=int, default=16)
    parser.add_argument("--chat-clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--max-queue", type=int, default=12)
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--rounds", type=int, default=2, help="runs back to back on one server: does memory settle?")
    args = parser.parse_args()
    newsrag = [sys.executable, "-m", "rag.cli"]
    work = Path(tempfile.mkdtemp(prefix="newsrag-load-"))
    index = args.index or work / "index"
    if not args.index:
        subprocess.run([*newsrag, "ingest", str(ROOT / "data" / "sample"), "--index", str(index)], check=True,
                       cwd=ROOT, capture_output=True)
    port = 7900
    log = open(work / "serve.log", "wb")  # noqa: SIM115 - open for the server's lifetime
    server = subprocess.Popen([*newsrag, "serve", "--index", str(index), "--port", str(port), "--preset", args.preset,
                               "--max-queue", str(args.max_queue)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                time.sleep(1)
        from gradio_client import Client

        Client(url, verbose=False).predict(QUESTIONS[0], api_name="/ask")  # warm: models loaded
        rows = [one_round(url, args, server.pid) for _ in range(args.rounds)]
        last = Client(url, verbose=False).predict(QUESTIONS[1], api_name="/ask")
        still = "GS Yuasa" in last.get("answer", "")
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"| round | clients | run | answered | busy (queue full) | errors | told queue position | p50 / max wait | "
          "server RSS before → after |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, (row, _) in enumerate(rows, 1):
        print(f"| {n} | {row}")
    print(f"\nthe server answered afterwards: {'yes' if still else 'NO'}")
    for _, errors in rows:
        for error in errors[:5]:
            print("error:", error)


def one_round(url: str, args: argparse.Namespace, pid: int) -> tuple[str, list[str]]:
    """One load run of `args.seconds` on the running server: its table row (after the round number) and errors."""
    before = rss_mb(pid)
    tally = Tally()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=api_client, args=(url, i, deadline, tally)) for i in range(args.api_clients)]
    threads += [threading.Thread(target=chat_client, args=(url, i, deadline, tally)) for i in range(args.chat_clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    after = rss_mb(pid)
    lat = sorted(tally.latencies)
    row = (f"{args.api_clients} API + {args.chat_clients} chat, queue {args.max_queue}, {args.preset} | "
           f"{args.seconds:.0f} s ({elapsed:.0f} s with the queue drained) | {tally.outcomes['answered']} | "
           f"{tally.outcomes['busy']} | {tally.outcomes['error']} | {len(tally.queue_positions)} (max position "
           f"{max(tally.queue_positions, default=0)}) | {lat[len(lat) // 2] if lat else 0:.0f} s / "
           f"{lat[-1] if lat else 0:.0f} s | {before:.0f} MB → {after:.0f} MB |")
    return row, tally.errors

if __name__ == "__main__":
    main()
