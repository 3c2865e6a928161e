"""Build the public eval corpus (evals/public/corpus/{dev,heldout}/*.md) from the BASIL news dataset.

BASIL (launchnlp/BASIL, EMNLP 2019) holds 100 news stories, each reported by three outlets
(The New York Times, Fox News, HuffPost). This script picks 11 of those stories, writes each
article whole as Markdown with YAML front matter (title, outlet, published, url) into the split
its story belongs to, and checks every file against ``corpus.sha256``: the gold questions and
support pairs were written against exactly these bytes.

    .venv/bin/python evals/public/build.py --basil PATH   # PATH: a BASIL checkout, or its git directory

It also checks that every quote of evals/support/pairs.yaml is verbatim in its article as
ingestion stores it.

The articles are not committed to this repository (see evals/public/README.md); run this once
on a machine that has the dataset.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

from service.evals.support_pairs import load_pairs, misquoted
from service.ingest.clean import clean
from service.ingest.loaders import load_file

HERE = Path(__file__).resolve().parent
COMMIT = "4fdbc4f68d5ddae648990063cb6dd11424d96222"
OUTLETS = {"nyt": "The New York Times", "fox": "Fox News", "hpo": "HuffPost"}

# story slug -> (split, BASIL year folder, triplet uuid); a story's three articles share a split.
STORIES: dict[str, tuple[str, str, str]] = {
    "farenthold": ("dev", "2018", "06ffda2d-1caf-45ba-99e2-268aac1bf0e1"),
    "hunter": ("dev", "2018", "eb17fa36-89f2-4d0b-8133-7bb4682228e1"),
    "jasta": ("dev", "2016", "1b96a5db-8974-46d3-82d7-5dfef02f650e"),
    "clinton-taxes": ("dev", "2015", "6e502405-bc90-4416-a787-3122918aa648"),
    "jackson": ("dev", "2013", "f506aafc-8b43-427a-936e-bbd1ef33e076"),
    "nra-schools": ("dev", "2013", "68748e7f-cf6e-4ac7-8504-454c0876880d"),
    "elephants": ("heldout", "2017", "542cd22c-ea80-4669-995b-6ac6a33823f7"),
    "putin-summit": ("heldout", "2018", "c6a0e65c-4f8b-41de-8200-cd700f683c64"),
    "hr1": ("heldout", "2019", "2f3e86b6-8443-47bd-9cd3-491c90a59fe9"),
    "cowan": ("heldout", "2013", "d3a1ce0a-fc48-4827-a278-8f0ce8c7a519"),
    "etheridge": ("heldout", "2010", "6b541575-99b1-40d2-8730-9bb868ee38ed"),
}


class Source:
    """Reads BASIL article JSON from a checkout (``articles/`` folder) or a git directory at COMMIT."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.checkout = (path / "articles").is_dir()

    def read(self, relative: str) -> dict:
        if self.checkout:
            return json.loads((self.path / relative).read_text(encoding="utf-8"))
        shown = subprocess.run(
            ["git", "--git-dir", str(self.path), "show", f"{COMMIT}:{relative}"], capture_output=True, text=True, check=True
        )
        return json.loads(shown.stdout)


def render(record: dict) -> str:
    """One article as Markdown: front matter, then every paragraph of the body (nothing trimmed)."""
    meta = {
        "title": record["title"].strip(),
        "outlet": OUTLETS[record["source"].lower()],
        "published": record["date"],
        "url": record["url"],
    }
    body = "\n\n".join(" ".join(s.strip() for s in paragraph) for paragraph in record["body-paragraphs"])
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n{body.strip()}\n"


def build(source: Source, out: Path) -> dict[str, str]:
    """Write every article; return {relative path: sha256} of what was written."""
    written: dict[str, str] = {}
    for slug, (split, year, uuid) in STORIES.items():
        for n in (1, 2, 3):
            record = source.read(f"articles/{year}/{uuid}_{n}.json")
            name = f"{split}/{slug}-{record['source'].lower()}.md"
            text = render(record)
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text(text, encoding="utf-8")
            written[name] = hashlib.sha256(text.encode()).hexdigest()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--basil", type=Path, required=True, help="BASIL checkout or git directory")
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument("--write-manifest", action="store_true", help="record the hashes (only when changing the corpus)")
    args = parser.parse_args()
    written = build(Source(args.basil), args.out)
    manifest = HERE / "corpus.sha256"
    if args.write_manifest:
        manifest.write_text("".join(f"{sha}  {name}\n" for name, sha in sorted(written.items())))
    expected = dict(reversed(line.split("  ", 1)) for line in manifest.read_text().splitlines())
    wrong = sorted(name for name in expected.keys() | written.keys() if expected.get(name) != written.get(name))
    if wrong:
        print(f"{len(wrong)} file(s) differ from {manifest.name}: {', '.join(wrong)}", file=sys.stderr)
        return 1
    texts = {Path(name).stem: clean(load_file(args.out / name, 10**7)[0]).text for name in written}
    bad = misquoted(load_pairs(), texts)
    if bad:
        print(f"{len(bad)} support-pair quote(s) not verbatim in their article:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    print(f"{len(written)} articles written to {args.out}, all matching {manifest.name}; support-pair quotes verbatim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
