"""The public summary eval's data: built files match what was scored, splits as documented."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import pytest

from service.settings import PROJECT_ROOT

HERE = PROJECT_ROOT / "evals" / "public_summary"


def build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("public_summary_build", HERE / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_sentence_cut_off_by_the_crawl_is_dropped() -> None:
    build = build_module()
    paragraphs = ["Italy on Friday enacted a sweeping law.", "It is the first democracy to do so. Workers who are not in..."]
    assert build.whole_paragraphs(paragraphs) == ["Italy on Friday enacted a sweeping law.", "It is the first democracy to do so."]


@pytest.mark.skipif(not (HERE / "dataset.json").is_file(), reason="built locally by evals/public_summary/build.py")
def test_the_built_dataset_is_what_was_scored_and_its_splits_are_disjoint() -> None:
    build = build_module()
    assert build.checksums(HERE) == (HERE / "data.sha256").read_text()
    items = json.loads((HERE / "dataset.json").read_text())["items"]
    counts = {
        (k, s): sum(1 for i in items if (i["kind"], i["split"]) == (k, s)) for k in ("single", "multi") for s in ("dev", "heldout")
    }
    assert counts == {("single", "dev"): 20, ("single", "heldout"): 20, ("multi", "dev"): 8, ("multi", "heldout"): 8}
    files = [f for i in items for f in i["files"]]
    assert len(files) == len(set(files))
    assert all(len(i["reference_facts"]) >= 1 and len(i["files"]) == (3 if i["kind"] == "multi" else 1) for i in items)
