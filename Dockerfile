# syntax=docker/dockerfile:1
# The Newsdesk API: `newsdesk serve` on port 8000. See docker-compose.yml for the whole stack.
#
# llama-cpp-python compiles from source in the build stage (about 5 min on 2 cores, without its
# unused multimodal library; the pip cache mount keeps the wheel for later builds); the runtime
# stage carries only the virtualenv.
# The default build is portable across x86-64 CPUs with AVX2; for this host only, build with
#   docker build --build-arg CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF" .

FROM python:3.11-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
ARG CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF"
ENV CMAKE_ARGS=${CMAKE_ARGS} \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src
# Dependencies first, at the locked versions (hashes checked; the image's extras: local and slack),
# so that a source change does not rebuild llama.cpp. Regenerate the lock with `make lock`.
COPY requirements.lock ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r requirements.lock
# Newsdesk itself as a wheel: prompts/, evals/ and seeds/ travel inside it (service/_data/).
COPY pyproject.toml README.md ./
COPY service ./service
COPY prompts ./prompts
COPY evals ./evals
COPY seeds ./seeds
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps .

FROM python:3.11-slim
# libgomp1: llama.cpp's OpenMP threads.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 newsdesk \
 && mkdir -p /data/models \
 && chown -R newsdesk /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_DATA_DIR=/data \
    NEWSDESK_HOST=0.0.0.0 \
    NEWSDESK_PORT=8000
USER newsdesk
VOLUME /data
EXPOSE 8000
HEALTHCHECK --start-period=60s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${NEWSDESK_PORT}/healthz', timeout=5)"
CMD ["newsdesk", "serve"]
