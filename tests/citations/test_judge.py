"""The chat model as support judge, on the default profile's model (the suite otherwise runs `fast`)."""

from pathlib import Path

import pytest

from service.desk import Newsdesk
from service.models.shipped import gguf_path
from service.settings import PROFILES
from tests.conftest import MODELS_CACHE, make_settings

pytestmark = pytest.mark.llm
QUOTE = (
    "Upon arrival, Blinken was received by Chinese Foreign Minister Qin Gang at the door of a villa "
    "in the Diaoyutai State Guest House."
)


def test_the_model_judge_accepts_a_paraphrase_the_rules_cannot_match_and_refuses_an_invention(tmp_path: Path) -> None:
    gguf_path(PROFILES["quality"]["local_model"], MODELS_CACHE / "models")
    checker = Newsdesk(make_settings(tmp_path, profile="quality")).checker
    assert checker.judge is not None
    # The rules alone refuse it ("entrance" is not in the quote); the judge reads it as the same fact.
    paraphrase = "Qin Gang welcomed Blinken at the entrance of a guest house."
    assert checker.check(paraphrase, [QUOTE]).supported
    assert not checker.judge("Qin Gang was arrested at the villa.", [QUOTE])
    # Every word but the verb is in the quote: the rules pass it to the judge, which sees the opposite.
    called_for = "Hutchinson, though, did call for the creation of a 40-60 hour training program for armed officers."
    opposed = checker.check("Hutchinson opposed a 40-60 hour training program for armed officers.", [called_for])
    assert not opposed.supported and "oppos" in opposed.reason


def test_the_fast_profile_checks_without_the_judge(tmp_path: Path) -> None:
    assert Newsdesk(make_settings(tmp_path, profile="fast")).checker.judge is None
