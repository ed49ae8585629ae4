"""Does where llama.cpp splits a prompt into decode calls change what the model computes?

    python benchmarks/split_numerics.py [--index .newsrag/index] [--preset default] [--question Q]

A prompt is read in one call when nothing of it is cached, and in two when its
head is: the system prompt kept or written back (rag/llm/prefix_states.py), or
whatever a previous prompt shares with it. This builds the product's sentence
selection prompt for one question (the answerer's own retrieval and sentences),
reads it whole and split at several token positions, and prints the
log-probabilities of the first evidence pointer: the next token after
'{"evidence": ['. Differences here are what a cached prefix can flip: a
question whose pointers are closer than that has no stable answer on this CPU.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag.evidence import format_numbered
from rag.llm.llama_cpp_chat import ChatLlamaCpp, last_logits, system_prefix_tokens
from rag.pipeline import make_answerer, open_search
from rag.prompts import SELECT_SYSTEM, select_messages
from rag.settings import LLMSettings, Settings

POINTER = '{"evidence": ['
JLR = "Where will Jaguar Land Rover manufacture its electric drive units?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / ".newsrag" / "index")
    parser.add_argument("--preset", default="default", choices=("fast", "default"))
    parser.add_argument("--question", default=JLR)
    parser.add_argument("--splits", type=lambda text: [int(x) for x in text.split(",")],
                        default=[32, 64, 128, 200, 256, 300, 150, 221, 257],
                        help="token positions to split the read at (the system prompt's end is added)")
    args = parser.parse_args()

    settings = Settings(index=args.index, llm=LLMSettings(preset=args.preset))
    answerer = make_answerer(settings, open_search(settings))
    answer = answerer.ask(args.question)
    chat = answerer.chat_model
    assert isinstance(chat, ChatLlamaCpp), "this measures the embedded llama.cpp backend"
    llama = chat.llama
    prompt = chat._prompt(llama, select_messages(args.question, format_numbered(answer.context, answer.sources)))
    tokens = llama.tokenize((prompt + POINTER).encode(), add_bos=False, special=True)
    system_end = len(system_prefix_tokens(llama, prompt, SELECT_SYSTEM))
    pointers = {str(i): llama.tokenize(str(i).encode(), add_bos=False)[0] for i in range(1, 10)}

    print(f"{args.question}\nanswer: {answer.text}\nprompt: {len(tokens)} tokens, system prompt ends at "
          f"{system_end}, n_batch {llama.n_batch}\n")
    print("| read as | split mod 4 | top pointers (log-probability) |")
    print("|---|---|---|")
    for split in dict.fromkeys([0, *args.splits, system_end, system_end + 1]):
        llama.reset()
        for part in (tokens[:split], tokens[split:]):
            if part:
                llama.eval(part)
        logits = last_logits(llama).astype(np.float64)
        logp = logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
        top = sorted(((float(logp[t]), s) for s, t in pointers.items()), reverse=True)[:3]
        where = "one call" if not split else f"split at {split}" + (" (system prompt)" if split == system_end else "")
        print(f"| {where} | {split % 4} | " + ", ".join(f'"{s}" {lp:.3f}' for lp, s in top) + " |")


if __name__ == "__main__":
    main()
