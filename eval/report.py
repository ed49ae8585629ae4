"""summary.json, report.md and PNG plots for one evaluation run, and the comparison of two.

Plots use matplotlib's Agg backend (files only, no display), imported here only.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from eval.anatomy import CLASSES, anatomy, anatomy_lines
from eval.metrics import INTERVAL_KEYS, summarise_by_type
from eval.runner import RUN, SUMMARY, load_results
from eval.significance import sign_test

HEADLINE = ("hits@1", "hits@4", "hits@5", "hits@10", "mrr@10", "evidence_recall@10", "answer_accuracy",
            "refusal_rate", "null_refusal_rate", "token_f1", "citation_precision", "draft_citation_precision", "citation_recall")
LATENCY = ("retrieval_s", "first_token_s", "total_s")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _metrics_table(summary: dict[str, Any]) -> list[str]:
    groups = [("all", summary)] + sorted(summary.get("by_type", {}).items())
    lines = ["| metric | " + " | ".join(f"{name} (n={s['questions']})" for name, s in groups) + " |",
             "|---|" + "---|" * len(groups)]
    for key in HEADLINE:
        lines.append(f"| {key} | " + " | ".join(_fmt(s.get(key)) for _, s in groups) + " |")
    return lines


def _interval_line(summary: dict[str, Any]) -> list[str]:
    shown = [f"{key} {_fmt(summary[key])} [{low:.3f}, {high:.3f}]" for key in INTERVAL_KEYS
             if summary.get(f"{key}_ci95") for low, high in [summary[f"{key}_ci95"]]]
    if not shown:
        return []
    return ["95 % intervals over all questions (Wilson): " + "; ".join(shown) + ". Whether another run "
            "differs is `newsrag eval --compare`'s sign test, not whether these overlap.", ""]


def _latency_table(summary: dict[str, Any]) -> list[str]:
    lines = ["| stage | p50 s | p95 s |", "|---|---|---|"]
    for stage in LATENCY:
        lines.append(f"| {stage[:-2]} | {_fmt(summary.get(f'latency_{stage}_p50'))} | "
                     f"{_fmt(summary.get(f'latency_{stage}_p95'))} |")
    return lines


def _worst_misses(records: list[dict[str, Any]], count: int = 10) -> list[str]:
    missed = [r for r in records if r.get("correct") is False or (r.get("answer") is None and r["retrieval"]
                                                                 and not r["retrieval"]["hits@10"])]
    missed.sort(key=lambda r: (r["first_hit_rank"] is not None, r["first_hit_rank"] or 0))
    lines = []
    for r in missed[:count]:
        rank = r["first_hit_rank"] or "not in top 10"
        lines.append(f"### {r['id']} ({r['type']}) — evidence rank: {rank}")
        lines.append(f"- **Q:** {r['question']}")
        lines.append(f"- **Gold:** {r['gold_answer'] or '(not answerable)'}")
        if r.get("answer") is not None:
            lines.append(f"- **Answer:** {r['answer']}" + (" *(refused)*" if r["refused"] else ""))
        lines.append("- **Retrieved:** " + "; ".join(
            f"{i}. {c['title'][:70]} [{c['chunk_id']}]" for i, c in enumerate(r["retrieved"][:5], start=1)))
        lines.append("")
    return lines


def _plots(summary: dict[str, Any], records: list[dict[str, Any]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    by_type = summary.get("by_type", {})
    keys = ("hits@5", "answer_accuracy", "citation_precision")
    fig, ax = plt.subplots(figsize=(8, 4))
    types = sorted(by_type)
    width = 0.8 / len(keys)
    for i, key in enumerate(keys):
        values = [by_type[t].get(key) or 0.0 for t in types]
        ax.bar([x + i * width for x in range(len(types))], values, width, label=key)
    ax.set_xticks([x + width * (len(keys) - 1) / 2 for x in range(len(types))], types)
    ax.set_ylim(0, 1.05)
    ax.set_title("Metrics per question type")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "metrics_by_type.png", dpi=110)
    plt.close(fig)
    names.append("metrics_by_type.png")

    fig, ax = plt.subplots(figsize=(8, 4))
    for stage in LATENCY:
        values = [r["timings"][stage] for r in records if stage in r.get("timings", {})]
        if values:
            ax.hist(values, bins=20, alpha=0.6, label=stage[:-2])
    ax.set_xlabel("seconds")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    names.append("latency.png")
    return names


def write_report(out: Path, command: str = "") -> dict[str, Any]:
    records = load_results(out)
    summary = summarise_by_type(records)
    (out / SUMMARY).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    config = json.loads((out / RUN).read_text(encoding="utf-8"))
    plots = _plots(summary, records, out) if records else []
    lines = [f"# Evaluation: {Path(config['gold']).name}", ""]
    if command:
        lines += ["```", command, "```", ""]
    model = f" (`{config['model']}`)" if config.get("model") else ""
    lines += [f"Index `{config['index']}`, backend {config['backend']}, preset {config['preset']}{model}, "
              f"{summary['questions']} questions" + (f" (limit {config['limit']})" if config["limit"] else "")
              + (", retrieval only" if config["retrieval_only"] else "") + ".", ""]
    lines += ["## Metrics", ""] + _metrics_table(summary) + [""] + _interval_line(summary)
    lines += ["## Latency", ""] + _latency_table(summary) + [""]
    lines += [f"![{p}]({p})" for p in plots] + [""]
    if any(r.get("answer") is not None for r in records):
        lines += ["## Failure anatomy", ""] + anatomy_lines(records) + [""]
    lines += ["## Worst misses", ""] + (_worst_misses(records) or ["None."])
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return summary


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def compare(run_a: Path, run_b: Path) -> str:
    """Markdown: metric deltas and the questions whose correctness or retrieval flipped."""
    a = {r["id"]: r for r in load_results(run_a)}
    b = {r["id"]: r for r in load_results(run_b)}
    shared = [i for i in a if i in b]
    sa = summarise_by_type([a[i] for i in shared])
    sb = summarise_by_type([b[i] for i in shared])
    lines = [f"# {run_a} → {run_b} ({len(shared)} shared questions)", "", "| metric | A | B | Δ |", "|---|---|---|---|"]
    for key in (*HEADLINE, *(f"latency_{s}_p50" for s in LATENCY)):
        va, vb = sa.get(key), sb.get(key)
        delta = f"{vb - va:+.3f}" if isinstance(va, float) and isinstance(vb, float) else "–"
        lines.append(f"| {key} | {_fmt(va)} | {_fmt(vb)} | {delta} |")
    ka, kb = anatomy([a[i] for i in shared]), anatomy([b[i] for i in shared])
    lines += ["", "## Failure anatomy", "", "| class | A | B | Δ |", "|---|---|---|---|"]
    lines += [f"| {c} | {ka[c]} | {kb[c]} | {kb[c] - ka[c]:+d} |" for c in CLASSES]
    flips = []
    answers, top5 = Counter[str](), Counter[str]()
    for i in shared:
        ca, cb = a[i].get("correct"), b[i].get("correct")
        if ca is not None and cb is not None and ca != cb:
            answers["lost" if ca else "gained"] += 1
            flips.append(f"- {i}: answer {'right → wrong' if ca else 'wrong → right'} — {b[i]['question']}")
        ha = (a[i]["retrieval"] or {}).get("hits@5")
        hb = (b[i]["retrieval"] or {}).get("hits@5")
        if ha is not None and hb is not None and ha != hb:
            top5["lost" if ha else "gained"] += 1
            flips.append(f"- {i}: evidence in top 5 {'lost' if ha else 'gained'} — {b[i]['question']}")
    lines += ["", "## Paired sign test (B against A)", "",
              "Only questions that flip say which run is better; p is the exact two-sided chance of a split at "
              "least this uneven between equally good runs.", "",
              "| flipped | gained | lost | p |", "|---|---|---|---|"]
    lines += [f"| {name} | {c['gained']} | {c['lost']} | {_p(sign_test(c['gained'], c['lost']))} |"
              for name, c in (("answer correct", answers), ("evidence in top 5", top5))]
    lines += ["", f"## Flipped ({len(flips)})", ""] + (flips or ["None."])
    return "\n".join(lines) + "\n"
