"""llama.cpp's own HTTP server (parallel slots, continuous batching) on a shipped GGUF, from PyPI.

``xllamacpp`` (``pip install newsdesk[batching]``) is a prebuilt wheel that runs llama.cpp's C++
server (``tools/server``, the ``llama-server`` of the compose file's ``llm`` service) inside a
Python process: OpenAI-compatible on ``/v1``, ``--parallel`` slots sharing one batch. The API
talks to it as to any OpenAI-compatible server::

    python -m service.models.batching_server --port 8080 --parallel 4 &
    NEWSDESK_CHAT_PROVIDER=openai_compatible NEWSDESK_OPENAI_BASE_URL=http://127.0.0.1:8080/v1 \\
    NEWSDESK_CHAT_MODEL=qwen2.5-coder-0.5b-instruct NEWSDESK_MODEL_PARALLEL=4 newsdesk serve

(llama-cpp-python's own server answers one request at a time.)
"""

from __future__ import annotations

import argparse
import signal
import threading

from service.models.shipped import gguf_path
from service.settings import get_settings


def main() -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="GGUF file; default: the shipped LOCAL_MODEL, joined into DATA_DIR/models.")
    parser.add_argument("--alias", default=settings.chat_model or "qwen2.5-coder-0.5b-instruct", help="Model name it answers to.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--parallel", type=int, default=4, help="Slots: requests decoded together in one batch.")
    parser.add_argument("--ctx-per-slot", type=int, default=settings.local_n_ctx, help="Context tokens of each slot.")
    parser.add_argument("--threads", type=int, default=settings.local_threads or 0, help="CPU threads (0: llama.cpp's default).")
    args = parser.parse_args()

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model or str(gguf_path(settings.local_model, settings.data_dir / "models"))
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = args.ctx_per_slot * args.parallel  # one KV cache, split between the slots
    params.cont_batching = True
    if args.threads:
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = args.threads
    server = xllamacpp.Server(params)
    print(f"llama.cpp server with {args.parallel} slots on {server.listening_address}/v1", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
