import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from regnet.metrics import auprc, auprc_ratio, auroc, early_precision_ratio, evaluate

# hand example: 3 positives, 5 negatives
Y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
S = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])


def test_perfect_scores():
    y = np.array([0, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    s = y + np.linspace(0, 0.5, 10)
    assert auroc(y, s) == 1.0
    assert auprc(y, s) == 1.0
    assert auprc_ratio(y, s) == pytest.approx(5.0)
    assert early_precision_ratio(y, s) == pytest.approx(5.0)
    assert auroc(y, -s) == 0.0


def test_hand_example():
    # AUROC: positives at ranks 1, 3, 6 of 8; (positive, negative) pairs ordered
    # correctly: 5 + 4 + 2 = 11 of 15
    assert auroc(Y, S) == pytest.approx(11 / 15)
    # AP: precision at each positive = 1/1, 2/3, 3/6, averaged
    assert auprc(Y, S) == pytest.approx((1 + 2 / 3 + 3 / 6) / 3)
    assert auprc_ratio(Y, S) == pytest.approx((1 + 2 / 3 + 3 / 6) / 3 / (3 / 8))
    assert auroc(Y, S) == pytest.approx(roc_auc_score(Y, S))
    assert auprc(Y, S) == pytest.approx(average_precision_score(Y, S))


def test_early_precision_ratio_known_values():
    # top 3 (k = n_positive) hold 2 positives: precision 2/3, rate 3/8
    assert early_precision_ratio(Y, S) == pytest.approx((2 / 3) / (3 / 8))
    assert early_precision_ratio(Y, S, k=1) == pytest.approx(1 / (3 / 8))
    assert early_precision_ratio(Y, S, k=8) == pytest.approx(1.0)


def test_early_precision_includes_ties_at_k():
    y = np.array([1, 0, 0, 1, 0, 0])
    s = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.0])
    # k = 2, the 2nd score (0.5) is shared by three pairs: top set has 4 pairs, 2 positives
    assert early_precision_ratio(y, s) == pytest.approx((2 / 4) / (2 / 6))
    # the answer does not depend on the order of tied pairs
    perm = [0, 3, 2, 1, 4, 5]
    assert early_precision_ratio(y[perm], s[perm]) == early_precision_ratio(y, s)


def test_random_ranking_ratios_near_one():
    rng = np.random.default_rng(0)
    y = (rng.random(20000) < 0.05).astype(int)
    s = rng.random(20000)
    assert auroc(y, s) == pytest.approx(0.5, abs=0.03)
    assert auprc_ratio(y, s) == pytest.approx(1.0, abs=0.15)
    assert early_precision_ratio(y, s) == pytest.approx(1.0, abs=0.2)


def test_evaluate():
    result = evaluate(pd.Series(Y.astype(bool)), list(S))
    assert result == {
        "auroc": pytest.approx(11 / 15),
        "auprc": pytest.approx((1 + 2 / 3 + 3 / 6) / 3),
        "auprc_ratio": pytest.approx((1 + 2 / 3 + 3 / 6) / 3 * 8 / 3),
        "early_precision_ratio": pytest.approx((2 / 3) * 8 / 3),
        "positive_rate": 3 / 8,
        "n_pairs": 8,
        "n_positive": 3,
    }
    assert isinstance(result["n_pairs"], int) and isinstance(result["n_positive"], int)


@pytest.mark.parametrize("metric", [auroc, auprc, auprc_ratio, early_precision_ratio, evaluate])
def test_errors(metric):
    with pytest.raises(ValueError, match="same length; got 8 and 7"):
        metric(Y, S[:-1])
    with pytest.raises(ValueError, match="both classes; got only \\[0\\]"):
        metric(np.zeros(4), np.arange(4.0))
    with pytest.raises(ValueError, match="s has 1 NaN or infinite"):
        metric(Y, np.r_[np.nan, S[1:]])
    with pytest.raises(ValueError, match=r"only 0 and 1 .* got values \[0, 1, 2\]"):
        metric(np.r_[Y[:-1], 2], S)
    with pytest.raises(ValueError, match="one-dimensional"):
        metric(Y.reshape(2, 4), S.reshape(2, 4))


def test_early_precision_bad_k():
    for k in (0, 9, 2.5, True):
        with pytest.raises(ValueError, match=r"k must be an integer in \[1, 8\]"):
            early_precision_ratio(Y, S, k=k)
