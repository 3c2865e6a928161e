"""Fact matching after normalisation: case, punctuation, possessives, hyphens, number words, regexes."""

from __future__ import annotations

import pytest

from service.evals.dataset import Fact
from service.evals.match import normalise, states


def test_normalise() -> None:
    assert normalise("Mr Blinken’s  Five-year [2] CO-OPERATION!") == "mr blinken 5 year co operation"


@pytest.mark.parametrize(
    ("text", "fact", "expected"),
    [
        ("Qin Gang greeted him [1].", Fact(aliases=["qin gang"]), True),
        ("Qin Gangster greeted him.", Fact(aliases=["Qin Gang"]), False),  # whole words only
        ("the first visit in nearly five years", Fact(aliases=["5 years"]), True),
        ("exploring areas of potential co-operation", Fact(regex=r"\bco ?operation\b"), True),
        ("China’s semiconductor industry", Fact(regex=r"\bsemiconductors?\b"), True),
        ("talks with Washington", Fact(aliases=["military-to-military"]), False),
        ("regular military-to-military talks", Fact(aliases=["military to military"]), True),
        ("Beijing’s Diaoyutai State Guest House", Fact(aliases=["Beijing's Diaoyutai"]), True),
    ],
)
def test_states(text: str, fact: Fact, expected: bool) -> None:
    assert states(text, fact) is expected
