"""How far a dev-set figure can be trusted: a 95 % interval for a share of questions, and the
exact sign test for two runs over the same questions.

Dev sets here are 27 to 500 questions. On 100 questions an accuracy of 0.63 is compatible with
anything from about 0.53 to 0.72, and a change that flips 2 answers one way and 7 the other
(0.05) is still p = 0.18. A delta printed without its noise invites reading noise as progress;
docs/evaluation.md quotes these figures beside its comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence

CONFIDENCE = 0.95


def interval(outcomes: Sequence[float]) -> list[float] | None:
    """Wilson score interval of the share of 1s among per-question 0/1 outcomes (it stays inside
    [0, 1] and is honest at 0 or n successes, where the normal approximation collapses)."""
    if not outcomes:
        return None
    from scipy.stats import binomtest  # scipy.stats takes ~0.5 s to import: only where a summary is written

    found = binomtest(round(sum(outcomes)), len(outcomes)).proportion_ci(CONFIDENCE, method="wilson")
    return [round(float(found.low), 4), round(float(found.high), 4)]


def sign_test(gained: int, lost: int) -> float:
    """Two-sided exact p of flips splitting at least this unevenly if both runs were equally good.
    Questions both runs got right, or both wrong, say nothing about which is better and are left out."""
    if gained + lost == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(gained, gained + lost, 0.5).pvalue)
