"""Score briefs against topics whose on-topic articles were labelled by hand.

Briefs have no gold text, but which articles a brief may cite does: for each topic the
labels list the articles that report on it ("about", by headline prefix) and those that
only mention it ("mentions"). A development citing any other article is off-topic; a
topic with articles about it and no brief is a false "nothing in the index"; a topic
with none and a brief is a brief about something else.

    python -m eval.brief_probe --index DIR [--topics eval/data/sample_brief_topics.jsonl] --out runs/X
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from rag.brief.job import Brief, BriefRequest


@dataclass(frozen=True)
class TopicLabels:
    topic: str
    about: tuple[str, ...]
    mentions: tuple[str, ...]


def read_labels(path: Path) -> list[TopicLabels]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise SystemExit(f"{path}:{number}: not a JSON object ({exc})") from exc
            if not isinstance(row, dict) or not isinstance(row.get("topic"), str):
                raise SystemExit(f"{path}:{number}: write {{\"topic\": …, \"about\": […], \"mentions\": […]}}")
            rows.append(TopicLabels(row["topic"], tuple(row.get("about", ())), tuple(row.get("mentions", ()))))
    return rows


def _matches(title: str, prefixes: tuple[str, ...]) -> bool:
    return any(title.startswith(prefix) for prefix in prefixes)


def score(labels: TopicLabels, brief: Brief) -> dict[str, object]:
    titles = {s.n: s.title for s in brief.sources}
    allowed = labels.about + labels.mentions
    off_topic = [d.text for d in brief.developments
                 if not all(_matches(titles[n], allowed) for n in d.citations if n in titles)]
    cited_about = {p for s in brief.sources for p in labels.about if s.title.startswith(p)}
    return {"topic": labels.topic, "empty": brief.empty, "unconfirmed": len(brief.unconfirmed),
            "expected_empty": not labels.about,
            "developments": len(brief.developments), "off_topic": off_topic,
            "about": len(labels.about), "about_cited": len(cited_about),
            "overview": brief.overview, "development_texts": [d.text for d in brief.developments],
            "sources": [s.title for s in brief.sources]}


def main(argv: list[str] | None = None) -> int:
    from rag.pipeline import make_brief_writer, open_search
    from rag.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--topics", type=Path, default=Path("eval/data/sample_brief_topics.jsonl"))
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)

    settings = load_settings(index=args.index)
    stack = open_search(settings)
    writer = make_brief_writer(settings, stack)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    with (args.out / "results.jsonl").open("w", encoding="utf-8") as out:
        for labels in read_labels(args.topics):
            brief = writer.write(BriefRequest(topic=labels.topic, as_of=stack.store.latest_date()))
            row = score(labels, brief)
            rows.append(row)
            out.write(json.dumps(row) + "\n")
            out.flush()
            print(f"{labels.topic:32} empty={brief.empty!s:5} developments={row['developments']} "
                  f"off-topic={len(row['off_topic'])} about cited {row['about_cited']}/{row['about']}", flush=True)
    with_about = [r for r in rows if not r["expected_empty"]]
    without = [r for r in rows if r["expected_empty"]]
    developments = sum(r["developments"] for r in rows)
    off = sum(len(r["off_topic"]) for r in rows)
    print(f"\n| topics | with articles about them: brief written | none about them: no brief | developments "
          f"on topic | 'about' articles cited |\n|---|---|---|---|---|\n"
          f"| {len(rows)} | {sum(not r['empty'] for r in with_about)}/{len(with_about)} | "
          f"{sum(r['empty'] for r in without)}/{len(without)} | {developments - off}/{developments} | "
          f"{sum(r['about_cited'] for r in rows)}/{sum(r['about'] for r in rows)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
