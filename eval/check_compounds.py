"""Check CC's spelling rule (`text.compounds`) on the train splits: the pairs of words the answers write apart
that close up into a one-piece word of the item's texts spelled exactly (what the grader does), and the pairs a
looser rule, matching by stem, would close up besides.

    python eval/check_compounds.py [--datasets ../shared/datasets] [--json]

Pure text, no model: a minute or less. The labelled set showed the looser rule's failure ("use red" closed up into
"user"); this check judges the choice on the train splits instead, where people's answers were written apart from
the grader.
"""

import sys
from collections import Counter
from collections.abc import Iterable, Sequence

from asag import Answer, check_args, load, print_figures

from mockint.grading.offline.references import clean_reference, pseudo_key_points
from mockint.text.compounds import closed_forms, split_words
from mockint.text.stems import stem
from mockint.text.words import is_content


def closings(answers: Iterable[Answer]) -> tuple[Counter[str], Counter[str]]:
    """The pairs of words the answers close up as the grader does (spelled exactly), and those only a stem rule
    would close up ("first second -> stem")."""
    exact: Counter[str] = Counter()
    by_stem: Counter[str] = Counter()
    forms: dict[tuple[str, str], frozenset[str]] = {}
    for answer in answers:
        item = answer.item
        key = (answer.dataset, item.question_id)
        if key not in forms:
            reference = clean_reference(item.reference_answer)
            forms[key] = closed_forms(item.question, reference, item.explanation, *pseudo_key_points(reference))
        stems = {stem(w) for w in forms[key]}
        for first, second, _, _ in split_words(answer.text.lower()):
            if not (first.isalpha() and second.isalpha() and is_content(first) and is_content(second)):
                continue
            if first + second in forms[key]:
                exact[f"{first} {second}"] += 1
            elif stem(first + second) in stems:
                by_stem[f"{first} {second} -> {stem(first + second)}"] += 1
    return exact, by_stem


def main(argv: Sequence[str] | None = None) -> int:
    args = check_args(__doc__ or "", argv)
    exact, by_stem = closings(a for a in load(args.datasets) if a.split == "train")
    print_figures(
        {
            "closed up, spelled exactly (shipped)": sum(exact.values()),
            "exact pairs": dict(exact.most_common()),
            "closed up only by stem (not shipped)": sum(by_stem.values()),
            "stem-only pairs": dict(by_stem.most_common()),
        },
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
