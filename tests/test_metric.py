from bench.metric import f1, page_pr, shingles


def test_shingles_keep_multiplicity():
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2
    assert not shingles("too short")


def test_page_precision_and_recall():
    truth = "one two three four five six"  # 3 shingles
    pred = "one two three four five six seven"  # the 3, plus 1 extra
    assert page_pr(pred, truth) == (0.75, 1.0)
    assert page_pr("", truth) == (0.0, 0.0)  # no prediction: P = 0
    assert round(f1(0.75, 1.0), 4) == 0.8571 and f1(0.0, 0.0) == 0.0
