"""Word error rate of a transcript against what was said (jiwer), after the normalisation a spoken
answer needs: case, punctuation and hyphens ("k-fold" said is "k fold" heard) do not count as errors."""

import jiwer

_NORMALISE = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.SubstituteRegexes({r"[-–—]": " "}),
        jiwer.RemovePunctuation(),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
        jiwer.ReduceToListOfListOfWords(),
    ]
)


def word_error_rate(reference: str | list[str], hypothesis: str | list[str]) -> float:
    """(substitutions + deletions + insertions) / reference words, pooled over all pairs when given lists."""
    refs = [reference] if isinstance(reference, str) else reference
    hyps = [hypothesis] if isinstance(hypothesis, str) else hypothesis
    # jiwer refuses an empty hypothesis string; a single space is "nothing heard", every word deleted.
    hyps = [h if h.strip() else " " for h in hyps]
    return jiwer.wer(refs, hyps, reference_transform=_NORMALISE, hypothesis_transform=_NORMALISE)
