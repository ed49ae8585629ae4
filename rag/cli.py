"""The `newsrag` command: ingest | search | ask | eval | brief | serve.

Heavy libraries load inside the command that needs them, so `newsrag --help`
is instant and never imports torch. Every failure a user can cause ends as one
line on stderr, never a traceback (NEWSRAG_DEBUG=1 shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from index.errors import NewsragError


def _settings(args: argparse.Namespace) -> Any:
    """Settings with CLI flags on top of newsrag.toml and NEWSRAG_* (pydantic merges them)."""
    from rag.settings import load_settings

    overrides: dict[str, Any] = {}
    if getattr(args, "index", None):
        overrides["index"] = Path(args.index)
    llm = {key: value for key, value in (
        ("preset", getattr(args, "preset", None)), ("backend", getattr(args, "backend", None)),
        ("model", getattr(args, "model", None)), ("base_url", getattr(args, "base_url", None)),
        ("model_path", getattr(args, "gguf", None)),
    ) if value}
    if llm:
        overrides["llm"] = llm
    return load_settings(**overrides)


def _filters(args: argparse.Namespace) -> Any:
    from index.dates import date_range
    from rag.retrieval.types import RetrievalFilters

    return RetrievalFilters(tuple(args.source or ()), *date_range(args.since, args.until))


def _print_problems(problems: Sequence[object]) -> None:
    for problem in problems:
        print(f"newsrag: skipped {problem}", file=sys.stderr)


def _workers(args: argparse.Namespace, needs_ray: bool = True) -> int | None:
    if needs_ray and args.workers is not None and args.ray is None:
        raise NewsragError(f"{args.command} --workers N: needs --ray (without it, everything runs in this process)")
    if args.workers is not None and args.workers < 1:
        raise NewsragError(f"{args.command} --workers {args.workers}: give at least 1")
    return args.workers


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag import pipeline

    settings = _settings(args)
    for origin in args.remove or ():
        removed = pipeline.remove(settings, origin)
        print(f"removed {origin}: {removed} article(s)" if removed else f"{origin}: not in the index, nothing removed")
    if not args.paths:
        if not args.remove:
            raise NewsragError("ingest: give one or more files or folders, or --remove ORIGIN")
        return 0
    report = pipeline.ingest(settings, [Path(p) for p in args.paths], progress=sys.stderr.isatty(),
                             ray=args.ray, workers=_workers(args))
    _print_problems(report.problems)
    for warning in report.warnings:
        print(f"newsrag: warning: {warning}", file=sys.stderr)
    for duplicate in report.duplicates:
        print(f"newsrag: duplicate {duplicate}", file=sys.stderr)
    print(f"{settings.index}: {report.summary()}")
    return 1 if report.problems else 0


def cmd_search(args: argparse.Namespace) -> int:
    from index.dates import date_bound
    from rag.pipeline import open_search
    from rag.retrieval.types import NEWEST_ARTICLE

    as_of = None if args.as_of == "none" else (date_bound(args.as_of, "--as-of") or NEWEST_ARTICLE)
    filters = _filters(args)
    stack = open_search(_settings(args))
    hits = stack.retriever.retrieve(args.query, k=args.k, filters=filters, as_of=as_of)
    if args.json:
        print(json.dumps([
            {"article_id": h.chunk.article_id, "origin": h.chunk.origin, "chunk_id": h.chunk.chunk_id,
             "score": round(h.score, 6), "dense_score": h.dense_score, "title": h.chunk.title,
             "outlet": h.chunk.outlet, "published_at": h.chunk.published_at, "url": h.chunk.url,
             "start": h.chunk.start, "end": h.chunk.end, "text": h.chunk.text,
             "also_reported_by": [o.to_dict() for o in h.also_reported_by]}
            for h in hits
        ], ensure_ascii=False))
        return 0
    if not hits:
        print("no matching chunks")
    for rank, h in enumerate(hits, start=1):
        date = h.chunk.published_at[:10] or "undated"
        snippet = " ".join(h.chunk.text.split())[:200]
        also = "".join(f"\n   also reported by {o.outlet or o.article_id} ({o.published_at[:10] or 'undated'})"
                       for o in h.also_reported_by)
        print(f"{rank}. {h.chunk.title} — {h.chunk.outlet or 'outlet unknown'} ({date}) [{h.chunk.chunk_id}] "
              f"score={h.score:.4f}\n   {snippet}{also}")
    return 0


def _print_sources(answer: dict[str, Any]) -> None:
    """The sources of an answer in its `ask --json` form (local or from a running server)."""
    if answer["refused"]:
        closest = ", ".join(f"{s['title']} ({s['origin']})" for s in answer["retrieved"][:3])
        if closest:
            print(f"\nClosest articles found: {closest}")
        return
    print("\nSources:")
    for c in answer["citations"]:
        meta = ", ".join(x for x in (c["outlet"], c["published_at"][:10]) if x)
        print(f"[{c['n']}] {c['title']}" + (f" — {meta}" if meta else "") + f" ({c['origin']}) {c['url']}".rstrip())
        print(f"    “{' '.join(c['quote'].split())}”  [{c['chunk_id']} {c['start']}:{c['end']}]")
    for s in answer["sentences"]:
        if s["flag"] in ("unsupported", "uncited"):
            print(f"! not supported by the cited articles: {s['text']}")


def _ask_running_server(args: argparse.Namespace, settings: Any, filters: Any) -> dict[str, Any] | None:
    """The answer from a `newsrag serve` already running on this index with these settings, if any."""
    from rag.remote import ask_server, find_server

    server = None if args.local else find_server(settings)
    if server is None:
        return None
    try:
        answer = ask_server(server, args.question, filters, args.k)
    except ConnectionError as exc:
        print(f"newsrag: {exc}; answering here instead", file=sys.stderr)
        return None
    print(f"newsrag: answered by the newsrag serve running at {server.url} (--local to answer here)", file=sys.stderr)
    return answer


def cmd_ask(args: argparse.Namespace) -> int:
    filters = _filters(args)  # a bad date fails here, before a model loads or a server is asked
    settings = _settings(args)
    if (served := _ask_running_server(args, settings, filters)) is not None:
        if args.json:
            print(json.dumps(served, ensure_ascii=False))
        else:
            print(served["answer"])
            _print_sources(served)
        return 0

    from rag.answer_events import Done, Token
    from rag.llm.factory import explain_llm_error
    from rag.pipeline import make_answerer, open_search

    answerer = make_answerer(settings, open_search(settings))
    try:
        if args.json:
            answer = answerer.ask(args.question, filters=filters, k=args.k)
            print(json.dumps(answer.to_dict(), ensure_ascii=False))
            return 0
        streamed = ""
        for event in answerer.stream(args.question, filters=filters, k=args.k):
            if isinstance(event, Token):
                streamed += event.text
                print(event.text, end="", flush=True)
            elif isinstance(event, Done):
                answer = event.answer
                print()
                if answer.text != streamed.strip():
                    print(f"\nVerified answer: {answer.text}")
                _print_sources(answer.to_dict())
    except NewsragError:
        raise
    except Exception as exc:  # noqa: BLE001 - LLM client errors come in many types
        if (message := explain_llm_error(exc, settings.llm)) is None:
            raise
        raise NewsragError(message) from exc
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.compare:
        from eval.report import compare

        print(compare(Path(args.compare[0]), Path(args.compare[1])), end="")
        return 0
    if not args.gold:
        raise NewsragError("eval: give --gold FILE (or --compare RUN_A RUN_B)")
    from eval.command import EvalRequest, run_eval

    request = EvalRequest(
        gold=Path(args.gold), corpus=Path(args.corpus) if args.corpus else None,
        out=Path(args.out) if args.out else None, limit=args.limit, retrieval_only=args.retrieval_only,
        multiple_choice=args.choices, as_of=not args.no_as_of, baseline=args.baseline,
        progress=sys.stderr.isatty(), ray=args.ray, workers=_workers(args),
    )
    out, summary = run_eval(_settings(args), request, command="newsrag " + " ".join(sys.argv[1:]))
    keys = ("hits@5", "mrr@10", "answer_accuracy", "refusal_rate", "citation_precision", "citation_recall")
    print(f"{out}: {summary['questions']} questions; " + ", ".join(
        f"{k} {summary[k]:.3f}" for k in keys if summary.get(k) is not None))
    print(f"report: {out / 'report.md'}")
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from rag.brief.batch import in_threads, read_topics, run_batch
    from rag.brief.job import BriefRequest
    from rag.pipeline import make_brief_writer, open_search

    if not args.topic and not args.topics:
        raise NewsragError("brief: give --topic TEXT (repeatable) or --topics FILE")
    workers = _workers(args, needs_ray=False)  # without --ray: threads
    topics = list(dict.fromkeys((args.topic or []) + (read_topics(Path(args.topics)) if args.topics else [])))
    filters = _filters(args)
    settings = _settings(args)
    stack = open_search(settings)  # on Ray too: a bad index fails here, in one line, before any worker starts
    template = BriefRequest(topic="", as_of=stack.store.latest_date(), since=filters.since, until=filters.until,
                            outlets=stack.store.catalog.known_outlets(filters.sources))  # a typo fails here, once
    if args.ray is None:
        produce = in_threads(make_brief_writer(settings, stack), template, settings.llm, workers or 1)
    else:
        from rag.brief.on_ray import on_ray

        produce = on_ray(args.ray, settings, template, workers)
    out = Path(args.out)
    report = run_batch(produce, topics, out, template, force=args.force, progress=sys.stderr.isatty())
    for topic, reason in report.failed:
        print(f"newsrag: brief failed: {topic}: {reason}", file=sys.stderr)
    unconfirmed = f", {len(report.unconfirmed)} with nothing confirmed" if report.unconfirmed else ""
    print(f"{out}: {len(report.produced)} written ({len(report.empty)} with nothing in the index{unconfirmed}), "
          f"{len(report.skipped)} skipped, {len(report.failed)} failed; see {out / 'index.md'}")
    return 1 if report.failed else 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ui.app import serve

    serve(_settings(args), args.host, args.port, args.auth or os.environ.get("NEWSRAG_AUTH"), args.insecure,
          args.max_queue)
    return 0


def _add_index(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", help="index directory (default .newsrag/index, or NEWSRAG_INDEX)")


def _add_filters(p: argparse.ArgumentParser, with_k: bool = True) -> None:
    if with_k:
        p.add_argument("-k", type=int, default=None, help="number of chunks to retrieve")
    p.add_argument("--source", action="append", metavar="OUTLET", help="only this outlet (repeatable)")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before")


def _add_ray(p: argparse.ArgumentParser, what: str, workers: str) -> None:
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",  # "": a Ray on this machine
                   help=f"{what} (needs newsrag[ray]): alone, a Ray on this machine; 'auto', the cluster in "
                        "RAY_ADDRESS; or HOST:PORT. Inputs and the index must be readable by every node")
    p.add_argument("--workers", type=int, metavar="N", help=f"with --ray: {workers}")


def _add_llm(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", choices=["default", "fast"], help="embedded model: default (1.5B) or fast (0.5B)")
    p.add_argument("--backend", choices=["llama_cpp", "openai", "ollama"], help="LLM backend")
    p.add_argument("--model", help="model name for the openai / ollama backends")
    p.add_argument("--base-url", help="endpoint URL for the openai / ollama backends")
    p.add_argument("--gguf", metavar="PATH", help="any other GGUF file for the llama_cpp backend")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsrag", description="Semantic search and cited answers over news articles, offline."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add .txt/.jsonl/.html files or folders to the index")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--remove", action="append", metavar="ORIGIN", help="delete what ORIGIN added (repeatable)")
    _add_ray(p, "read and embed on Ray", "embedding actors (default: one per CPU)")
    _add_index(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="show the chunks that best match a query")
    p.add_argument("query")
    p.add_argument("--json", action="store_true", help="print one JSON list of hits")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="date recency counts from (default: the newest article; "
                   "'none': no recency prior)")
    _add_index(p)
    _add_filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print one JSON object: answer, refused, citations, …")
    p.add_argument("--local", action="store_true",
                   help="answer in this process even when a newsrag serve on this index could (warm) answer")
    _add_index(p)
    _add_filters(p)
    _add_llm(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="run a gold set through the pipeline and report metrics")
    p.add_argument("--gold", metavar="FILE", help="gold_*.jsonl (format: shared/datasets/README.md)")
    p.add_argument("--corpus", metavar="PATH", help="ingest this corpus into an index kept for evaluation runs")
    p.add_argument("--out", metavar="DIR", help="run directory (default runs/<set>-<system>); re-runs resume")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N questions")
    p.add_argument("--retrieval-only", action="store_true", help="retrieval metrics only, no LLM")
    p.add_argument("--choices", action="store_true", help="multiple-choice mode where questions carry choices")
    p.add_argument("--no-as-of", action="store_true", help="do not restrict retrieval to articles before a question's date")
    p.add_argument("--baseline", choices=["langchain"], help="retrieve with the LangChain textbook pipeline instead")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="compare two run directories")
    _add_ray(p, "evaluate questions on Ray, each worker with its own LLM",
             "Ray actors, each with llm.threads CPUs (default: as many as the cluster holds)")
    _add_index(p)
    _add_llm(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("brief", help="write one-page cited briefs per topic (Markdown and HTML)")
    p.add_argument("--topic", metavar="TEXT", action="append",
                   help="a topic, e.g. 'BMW battery production' (repeatable; adds to --topics)")
    p.add_argument("--topics", metavar="FILE", help="one topic per line; blank lines and # comments ignored")
    p.add_argument("--out", metavar="DIR", default="briefs", help="output folder (default briefs/)")
    _add_filters(p, with_k=False)
    p.add_argument("--force", action="store_true", help="rewrite briefs that already exist")
    _add_ray(p, "write briefs on Ray, each worker with its own LLM",
             "Ray actors, each with llm.threads CPUs (default: as many as the cluster holds); "
             "without --ray: topics in parallel threads (default 1; useful with a remote LLM)")
    _add_index(p)
    _add_llm(p)
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("serve", help="serve the chat UI (Gradio) for an index")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", metavar="USER:PASSWORD", help="require a login (or NEWSRAG_AUTH); needed off loopback")
    p.add_argument("--insecure", action="store_true", help="allow a non-loopback address without --auth")
    p.add_argument("--max-queue", type=int, default=64, metavar="N",
                   help="requests that may wait for the model; more are told the queue is full (default 64)")
    _add_index(p)
    _add_llm(p)
    p.set_defaults(func=cmd_serve)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except NewsragError as exc:
        print(f"newsrag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("newsrag: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence for a one-line error
        if os.environ.get("NEWSRAG_DEBUG"):
            raise
        print(f"newsrag: error: {exc.__class__.__name__}: {exc} (NEWSRAG_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
