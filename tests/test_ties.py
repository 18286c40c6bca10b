"""hw2.ties: the report's tie rule (better in every case) on known answers."""
from __future__ import annotations

import pytest

from hw2 import ties

#: three cases each; A leads B on every case, C has the best mean of the rest but loses one case to D
SCORES = {"A": [0.9, 0.8, 0.85], "B": [0.7, 0.6, 0.65], "C": [0.6, 0.5, 0.3], "D": [0.1, 0.2, 0.4]}


def test_beats_needs_every_case():
    assert ties.beats([0.9, 0.8], [0.7, 0.6]) and not ties.beats([0.7, 0.6], [0.9, 0.8])
    assert not ties.beats([0.9, 0.1], [0.5, 0.5]) and not ties.beats([0.5, 0.5], [0.9, 0.1])   # a tie
    assert ties.beats([0.1, 0.2], [0.3, 0.4], higher=False)                                   # distances
    assert not ties.beats([0.5], [0.5])                                                        # equal: no lead
    with pytest.raises(ValueError, match="same cases"):
        ties.beats([1, 2], [1])


def test_tiers_leader_and_tied():
    assert ties.tiers(SCORES) == [["A"], ["B"], ["C", "D"]]
    assert ties.leader(SCORES) == "A" and ties.tied_with(SCORES, "C") == ["D"]
    assert ties.tiers(SCORES, higher=False)[0] == ["D", "C"]     # the smallest first; C does not beat D
    assert ties.leader({"x": [1, 2], "y": [2, 1]}) is None
    assert ties.leader({"x": 0.5, "y": 0.4}) == "x"              # one value per item: the means decide
    with pytest.raises(ValueError, match="no scores"):
        ties.tied_with(SCORES, "E")


def test_describe_names_the_ties():
    text = ties.describe({"conv3_1": [0.63, 0.64], "conv5_1": [0.64, 0.62], "crop": [0.62, 0.63],
                          "conv1_1": [0.3, 0.31]})
    assert text == "conv3_1 0.64, conv5_1 0.63 and crop 0.62, tied; then conv1_1 0.30"
    assert ties.RULE.format(n=3, cases="pairs").startswith("one ranks above another only when it is better on each of the 3 pairs")
