"""Advice on a valid bank: what the schema allows but makes practice worse. `mockint bank validate` prints it
as warnings, which never fail the command or stop a bank from loading."""

from mockint.doors.bank_files import BankProblem, ValidationReport, bank_file_label

# The shipped bank's longest `answer` is 91 words (median 60), and a spoken answer to a hard question is expected
# to run to 280 words at most (speech/delivery.py's EXPECTED_WORD_BANDS). Past 300 words an answer is an essay, not
# what a candidate says first, and the feedback card's model answer ("From the reference answer: ...") repeats it.
MAX_ANSWER_WORDS = 300

NO_KEY_POINTS = (
    "no key points, so it is graded against points taken from its reference answer and explanation; "
    "add `key_points:` (the atomic points a full answer makes, one per item) for a rubric of your own"
)


def bank_warnings(report: ValidationReport) -> list[BankProblem]:
    """One warning per question without key points or with an answer too long to be spoken in an interview."""
    warnings = []
    for q in report.questions:
        path, line = report.locations[q.id]
        label = bank_file_label(path, report.corpus_dir)
        if not q.key_points:
            warnings.append(BankProblem(label, NO_KEY_POINTS, q.id, "key_points", line))
        words = len(q.answer.split())
        if words > MAX_ANSWER_WORDS:
            message = (
                f"the answer is {words} words, longer than an interview answer (over {MAX_ANSWER_WORDS}), and the "
                "card's model answer repeats it whole; keep `answer` to what a strong candidate says first and "
                "move the reasoning to `explanation`"
            )
            warnings.append(BankProblem(label, message, q.id, "answer", line))
    return warnings
