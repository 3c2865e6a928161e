"""Build the public summary eval (articles/ and dataset.json) from two public datasets.

- Single articles: *BBC News Summary* (CC0), the ``corpus/`` folder of
  adamchristiansen/text-summarizer at ``BBC_COMMIT``. Each topic's first ``PER_TOPIC`` articles
  are copied unchanged; the reference facts are the first ``FACTS`` sentences of the item's
  reference summary, in the dataset's own order.
- Multi-outlet stories: *AllSides headline roundups* as released with NeuS (Lee et al., NAACL
  2022), ``data/raw_crawled/headline_11_2021-10-19_crawled_all.jsonl`` of
  HLTCHKUST/framing-bias-metric at ``ALLSIDES_COMMIT``. Each story is reported by a left, a
  centre and a right outlet (the opening paragraphs of each article, as AllSides shows them) and
  summarised by AllSides' editors; the reference facts are the first ``FACTS`` sentences of
  that summary. Each article's last sentence, cut by the crawl ("…"), is dropped.

Dev items are tuned on; held-out items are never looked at while tuning. Neither dataset is
committed here (fetched data stays out of the repository): run this once, and the files are
checked against ``data.sha256``.

    .venv/bin/python evals/public_summary/build.py --bbc PATH --allsides PATH   # checkouts or git directories
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from service.text.sentences import sentences

HERE = Path(__file__).resolve().parent
BBC_COMMIT = "ef6fe934c9eb592014638df91f2211cad4e117c2"
ALLSIDES_COMMIT = "1586f55a9011853224ca4d0cee164c46f6137557"
ALLSIDES_FILE = "data/raw_crawled/headline_11_2021-10-19_crawled_all.jsonl"
TOPICS = ("business", "entertainment", "politics", "sport", "tech")
PER_TOPIC = 8
DEV_PER_TOPIC = 4  # the 12 items tuned on before the split are among each topic's first 4
STORIES = 16  # multi-outlet stories, alternately dev and held-out, in the file's order
FACTS = 3
SIDES = ("left", "center", "right")
_CUT = re.compile(r"(?:\.\.\.|…)[\"'”’]?$")
_OUTLET_KIND = re.compile(r"\s*\((?:News|Online News|Online|Opinion)\)$")


def reader(path: Path, commit: str):  # noqa: ANN201 - a small closure
    """Reads repository files from a checkout, or from a git directory at ``commit``."""

    def read(relative: str) -> str:
        if (path / relative).exists():
            return (path / relative).read_text(encoding="utf-8")
        shown = subprocess.run(["git", "--git-dir", str(path), "show", f"{commit}:{relative}"], capture_output=True, check=True)
        return shown.stdout.decode("utf-8")

    return read


def bbc_items(path: Path, out: Path) -> list[dict]:
    read = reader(path, BBC_COMMIT)
    items = []
    for topic in TOPICS:
        for n in range(1, PER_TOPIC + 1):
            article = read(f"corpus/article/{topic}/{n:03d}.txt")
            summary = [line.strip() for line in read(f"corpus/summary/{topic}/{n:03d}.txt").splitlines() if line.strip()]
            name = f"{topic}-{n:03d}"
            (out / "articles" / f"{name}.txt").write_text(article, encoding="utf-8")
            items.append(
                {
                    "id": name,
                    "kind": "single",
                    "split": "dev" if n <= DEV_PER_TOPIC else "heldout",
                    "files": [f"articles/{name}.txt"],
                    "title": article.splitlines()[0].strip(),
                    "words": len(article.split()),
                    "reference_summary": summary,
                    "reference_facts": summary[:FACTS],
                }
            )
    return items


def usable(story: dict) -> bool:
    """A news story (not a "Perspectives" opinion round-up) with three straight-news reports."""
    news = story.get("news") or {}
    if story["issue"].startswith("Perspectives") or not all(news.get(side) for side in SIDES):
        return False
    reports = [news[side] for side in SIDES]
    if len({r["newsSource"] for r in reports}) < len(SIDES) or any(r.get("opinionTag") for r in reports):
        return False
    return all(len(sentences(" ".join(whole_paragraphs(r["newBody"])))) >= 2 for r in reports)


def whole_paragraphs(paragraphs: list[str]) -> list[str]:
    """The paragraphs with the crawl's cut-off last sentence ("… the…") dropped."""
    kept = [p.replace("\xa0", " ").strip() for p in paragraphs if p.strip()]
    if kept and _CUT.search(kept[-1]):
        whole = sentences(kept[-1])[:-1]
        kept[-1] = " ".join(whole)
    return [p for p in kept if p]


def allsides_items(path: Path, out: Path) -> list[dict]:
    read = reader(path, ALLSIDES_COMMIT)
    stories = [json.loads(line) for line in read(ALLSIDES_FILE).splitlines() if line.strip()]
    chosen = [s for s in stories if usable(s)][:STORIES]
    items = []
    for i, story in enumerate(chosen):
        name = f"allsides-{story['id']}"
        files, outlets = [], []
        for side in SIDES:
            report = story["news"][side]
            outlet = _OUTLET_KIND.sub("", report["newsSource"]).strip()
            meta = {
                "title": report["newsTitle"].strip(),
                "outlet": outlet,
                "published": story["date"][:10],
                "url": report["newsLink"],
            }
            front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
            body = "\n\n".join(whole_paragraphs(report["newBody"]))
            files.append(f"articles/{name}-{side}.md")
            outlets.append(outlet)
            (out / files[-1]).write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
        summary = sentences(story["roundup"][0].replace("\xa0", " ").strip())
        items.append(
            {
                "id": name,
                "kind": "multi",
                "split": "dev" if i % 2 == 0 else "heldout",
                "files": files,
                "outlets": outlets,
                "title": story["issue"].strip(),
                "reference_summary": summary,
                "reference_facts": summary[:FACTS],
            }
        )
    return items


def checksums(out: Path) -> str:
    files = sorted([*(out / "articles").iterdir(), out / "dataset.json"])
    return "".join(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(out)}\n" for f in files)


def build(bbc: Path, allsides: Path, out: Path = HERE) -> dict:
    (out / "articles").mkdir(parents=True, exist_ok=True)
    dataset = {
        "name": "public-summary",
        "sources": {
            "single": {
                "dataset": "BBC News Summary (Pariza Sharif, Kaggle, v2, 2018), from D. Greene and P. Cunningham's BBC "
                "corpus (ICML 2006)",
                "license": "CC0: Public Domain",
                "via": "https://github.com/adamchristiansen/text-summarizer corpus/",
                "commit": BBC_COMMIT,
            },
            "multi": {
                "dataset": "AllSides headline roundups, crawled for NeuS (Lee et al., NAACL 2022)",
                "license": "AllSides' and the outlets' text: not redistributed here",
                "via": f"https://github.com/HLTCHKUST/framing-bias-metric {ALLSIDES_FILE}",
                "commit": ALLSIDES_COMMIT,
            },
        },
        "reference_facts": f"the first {FACTS} sentences of each item's reference summary, in the dataset's own order",
        "items": bbc_items(bbc, out) + allsides_items(allsides, out),
    }
    (out / "dataset.json").write_text(json.dumps(dataset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=Path, required=True, help="text-summarizer checkout or git directory")
    parser.add_argument("--allsides", type=Path, required=True, help="framing-bias-metric checkout or git directory")
    parser.add_argument("--write-checksums", action="store_true", help="record the built files in data.sha256")
    args = parser.parse_args()
    dataset = build(args.bbc, args.allsides)
    sums = checksums(HERE)
    if args.write_checksums:
        (HERE / "data.sha256").write_text(sums)
    elif sums != (HERE / "data.sha256").read_text():
        sys.exit("the built files differ from data.sha256: the scores would not be comparable")
    for kind in ("single", "multi"):
        splits = [i["split"] for i in dataset["items"] if i["kind"] == kind]
        print(f"{kind}: {splits.count('dev')} dev, {splits.count('heldout')} held-out")


if __name__ == "__main__":
    main()
