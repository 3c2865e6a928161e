"""One question on the embedded model: where the time goes, and the chain's overhead over raw llama.cpp.

Runs the full chain (retrieval, prompt, grammar-constrained generation, citation verification)
and a raw ``create_chat_completion`` on the very same prompt, alternating, with the KV cache
reset before every call so neither reuses the other's prefill.
Usage: python -m benchmarks.answer_latency [--runs 3] [--question "..."]
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import console, machine, median, scratch_settings, table
from service.chains.answer import Answerer
from service.desk import Newsdesk
from service.models.factory import response_format
from service.models.local_chat import load_llama
from service.settings import PROJECT_ROOT

_ROLES = {"human": "user", "system": "system", "ai": "assistant"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--question", default="Who greeted Blinken when he arrived in Beijing?")
    args = parser.parse_args()
    console.print(f"[dim]{machine()}[/dim]")

    settings = scratch_settings()
    desk = Newsdesk(settings)
    desk.ingestor.ingest_paths([PROJECT_ROOT / "seeds"])
    answerer: Answerer = desk.answerer()
    llm = desk.llm
    llama, lock = load_llama(str(llm.model_path), llm.n_ctx, llm.threads)  # type: ignore[attr-defined]
    messages = [{"role": "user", "content": args.question}]

    prepared = answerer._prepare({"messages": messages})
    raw_messages = [{"role": _ROLES[m.type], "content": str(m.content)} for m in prepared["prompt"].to_messages()]
    fmt = response_format(settings, answerer.prompt.output_schema or {})

    chain_runs, raw_runs = [], []
    for _ in range(args.runs):
        llama.reset()
        answer = answerer.answer(messages)
        chain_runs.append(answer)
        llama.reset()
        with lock:
            started = time.perf_counter()
            llama.create_chat_completion(
                messages=raw_messages, temperature=0.0, max_tokens=settings.max_answer_tokens, response_format=fmt
            )
            raw_runs.append(time.perf_counter() - started)

    def med(key: str) -> float:
        return median([a.timings.get(key, 0.0) for a in chain_runs])

    total, raw = med("total_s"), median(raw_runs)
    last = chain_runs[-1]
    table(
        f"Answer latency, {settings.local_model}, median of {args.runs}",
        ["retrieval ms", "prompt tokens", "prefill s", "generation s", "chain total s", "raw llama.cpp s", "overhead ratio"],
        [
            [
                f"{med('retrieval_s') * 1000:.0f}",
                str(last.usage["prompt_tokens"]),
                f"{med('prefill_s'):.2f}",
                f"{med('generation_s'):.2f}",
                f"{total:.2f}",
                f"{raw:.2f}",
                f"{total / raw:.2f}",
            ]
        ],
    )
    console.print(f"answer: {last.text}", highlight=False)


if __name__ == "__main__":
    main()
