"""`newsrag eval`: choose the index, build the runner, run, report.

With `--corpus`, the corpus gets an index of its own under .newsrag/eval-index
(keyed by the corpus path), which later runs reuse: ingestion skips unchanged
origins. With `--baseline langchain`, retrieval is the LangChain textbook
pipeline instead of newsrag's, everything else equal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.gold import load_gold
from eval.report import write_report
from eval.runner import EvalRunner, RunConfig, in_process, run
from index.errors import NewsragError
from rag.answer import Answerer
from rag.llm.factory import describe, make_chat_model
from rag.pipeline import ingest, make_answerer, make_embedder, open_search
from rag.settings import AnswerSettings, Settings


@dataclass(frozen=True)
class EvalRequest:
    gold: Path
    corpus: Path | None = None
    out: Path | None = None
    limit: int | None = None
    retrieval_only: bool = False
    multiple_choice: bool = False
    as_of: bool = True
    baseline: str | None = None
    progress: bool = True
    ray: str | None = None  # a Ray address, "auto", or "" for a Ray on this machine
    workers: int | None = None  # Ray actors (default: one per CPU the cluster holds)


def corpus_index(corpus: Path) -> Path:
    digest = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:8]
    return Path(".newsrag") / "eval-index" / f"{corpus.stem}-{digest}"


def default_out(request: EvalRequest, settings: Settings) -> Path:
    system = request.baseline or (settings.llm.preset if settings.llm.backend == "llama_cpp" else settings.llm.backend)
    mode = "-retrieval" if request.retrieval_only else ""
    mc = "-mc" if request.multiple_choice else ""
    limit = f"-n{request.limit}" if request.limit else ""
    return Path("runs") / f"{request.gold.parent.name}-{request.gold.stem}-{system}{mode}{mc}{limit}"


def run_eval(settings: Settings, request: EvalRequest, command: str = "") -> tuple[Path, dict[str, Any]]:
    if not request.gold.is_file():
        raise NewsragError(f"--gold {request.gold}: no such file")
    questions = load_gold(request.gold)[: request.limit] if request.limit else load_gold(request.gold)
    if request.corpus is not None and not settings.model_fields_set & {"index"}:
        settings = settings.model_copy(update={"index": corpus_index(request.corpus)})
    if request.baseline not in (None, "langchain"):
        raise NewsragError(f"--baseline {request.baseline!r}: valid: langchain")
    if request.baseline and request.ray is not None:
        raise NewsragError("--baseline langchain runs in this process (its index lives in its memory); drop --ray")

    answerer: Answerer | None = None
    if request.baseline == "langchain":
        if request.corpus is None:
            raise NewsragError("--baseline langchain needs --corpus (it builds its own in-memory index)")
        from eval.baseline import TextbookRetriever

        retriever: Any = TextbookRetriever([request.corpus], make_embedder(settings), progress=request.progress)
        if not request.retrieval_only:
            # The textbook answers from whole chunks with one prompt (newsrag's round-1 "draft" mode).
            answerer = Answerer(retriever, make_chat_model(settings.llm, settings.cache_dir),
                                settings.llm.context_window, settings.llm.max_tokens, retriever.article_text,
                                AnswerSettings(mode="draft"))
    else:
        if request.corpus is not None:
            report = ingest(settings, [request.corpus], progress=request.progress, ray=request.ray,
                            workers=request.workers)
            if report.added or report.replaced:
                print(f"{settings.index}: {report.summary()}")
        stack = open_search(settings)
        retriever = stack.retriever
        # on Ray each worker loads its own LLM; the index is opened here to fail early with one line
        answerer = None if request.retrieval_only or request.ray is not None else make_answerer(settings, stack)

    config = RunConfig(
        gold=str(request.gold), index="(in memory)" if request.baseline else str(settings.index),
        preset=settings.llm.preset, backend=request.baseline or settings.llm.backend, limit=request.limit,
        retrieval_only=request.retrieval_only, multiple_choice=request.multiple_choice, as_of=request.as_of,
        settings=settings.model_dump(mode="json", exclude={"llm": {"api_key"}}),
        model="" if request.retrieval_only else describe(settings.llm),
    )
    out = request.out or default_out(request, settings)
    if request.ray is None:
        evaluate = in_process(EvalRunner(retriever, answerer, config))
    else:
        from eval.on_ray import on_ray

        evaluate = on_ray(request.ray, settings, config, request.workers)
    run(evaluate, config, questions, out, progress=request.progress)
    return out, write_report(out, command)
