"""The offline grader: semantic grading with the local embedding model, no key, no internet.

How it grades (`OfflineGrader.grade`):
1. Spoken-style noise is stripped ("um", "you know", "the the", false starts) with a map back to the
   original text, so fillers cost no content points and quoted spans index the original answer.
2. Non-answers ("idk", "pass", empty) score 0. Attempts to instruct the grader and keyword lists are
   graded but capped at 1, answers that only restate the question at 0, with the reason in the notes.
3. The answer's sentences are embedded in ONE batch (all-MiniLM-L6-v2 contextual word-piece vectors,
   one sentence per row so unrelated padding cannot change how the rest is read; sentence vectors are
   pooled from the word vectors). The item side (question, reference answer, explanation, key points)
   is embedded once per item and kept in an LRU cache (`prepare`).
4. Features (`offline_features.analyse`): BERTScore-style alignment recall and precision, each word
   weighted by rarity (wordfreq Zipf, not an IDF fitted on one dataset) with the question's own words
   demoted; key-point coverage (items without key points use the reference's sentences as pseudo key
   points); stem overlap; pooled-vector cosine with the reference and the question; length adequacy;
   off-topic share. Recall, coverage, overlap and cosine are measured as the gain over what the
   question itself earns as an answer, so restating the question is worth nothing on any item.
5. A small logistic-link linear model (`calibration.Calibration`, seven weights) maps them to 0-5, pooled
   in log-odds (its `scorer_weight`, 0.3 in v4) with the fine-tuned answer scorer (`answer_scorer`: a
   MiniLM cross-encoder that reads the reference and the answer together, run on a second thread beside
   step 3);
   a contradicted key point (opposite word or negation in the clause aligned with it, a claim the answer
   denies, "It is not true that ...", or the claim made about the other side of a contrast the question
   sets, e.g. bias for variance) then costs a point and caps the grade at 2.5. A denied claim earns no
   credit for the words it shares with the reference, and a cue that fires on the item's own reference
   answer is not used on that item (`features.with_reference_check`). On an item with authored key points, an
   answer that says none of them, even in part, in words the reference mostly does not back, scores at most
   NOTHING_OF_THE_RUBRIC_MAX (`says_none_of_the_rubric`).

Calibration: the shipped `calibration.json` (v4) was fitted on the `training` split of the SAF English
short-answer dataset (human-graded networking answers, Filighera et al. 2022), and its blend with the
answer scorer chosen on the train splits of all three datasets (`--blend-scorer --log-odds`).
`eval/calibrate_offline.py` refits on the train splits of SAF, SciEntsBank and Beetle, choosing model and
features by cross-validation grouped by question, reports both on the unseen splits, and replaces the file
only with `--write`. The estimate and the key-point verdicts then go through `scoring.score_answer`, the
rule every grader shares. Empty answers are left out of the fit (rule 2 grades them).
"""

import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import pairwise
from typing import Protocol

import numpy as np

from mockint.blas import one_blas_thread
from mockint.doors.embeddings import LOCAL_MODEL_NAME, TokenEmbeddings, shared_local_embedder
from mockint.errors import GradingError
from mockint.grading.answer_checks import copy_reason, takes_a_side, trivial_reason, yes_no_reversal
from mockint.grading.evidence import says_part_of, supports
from mockint.grading.grader import FeedbackCallback, Grader
from mockint.grading.guard import answer_caps, rubric_text
from mockint.grading.offline.alignment import WordVectors, concat, empty_words, merge_word_pieces, pooled
from mockint.grading.offline.answer_scorer import ADAPTER_DIR, CROSS_FEATURE, AnswerScorer, shipped_scorer
from mockint.grading.offline.calibration import Calibration, load_calibration
from mockint.grading.offline.comparisons import SidedRubric, reversals, sided_rubrics
from mockint.grading.offline.contradiction import ContradictionModel, load_contradiction_model
from mockint.grading.offline.contrasts import contrast_pairs
from mockint.grading.offline.features import (
    COVERED_AT,
    PARTLY_AT,
    STRONG_SENTENCE,
    Analysis,
    PointResult,
    PreparedAnswer,
    PreparedItem,
    analyse,
    claims_of,
    with_question_baseline,
    with_reference_check,
)
from mockint.grading.offline.feedback import (
    CORRECT_FROM,
    Findings,
    dimensions_for,
    feedback_text,
    model_answer_text,
    verdict_for,
)
from mockint.grading.offline.references import clean_reference, pseudo_key_points
from mockint.grading.repetition import Repetition, drop_repeats, rambling_reason
from mockint.grading.scoring import (
    ESTIMATE_WITH_MISCONCEPTION_MAX,
    PARTIAL_AT,
    PointVerdict,
    ScoringInput,
    score_answer,
)
from mockint.grading.version import content_version, package_files
from mockint.text.acronyms import AcronymForms, acronym_forms, acronyms_as_written
from mockint.text.clauses import hangs_on_previous
from mockint.text.complexity import Stated, classes_as_written, complexities
from mockint.text.compounds import close_compounds, closed_forms
from mockint.text.fillers import CleanText, count_fillers, filler_words, strip_fillers
from mockint.text.numbers import number_forms, numbers_as_written
from mockint.text.sentences import clause_spans, sentence_spans
from mockint.text.stems import content_stems
from mockint.text.words import words
from mockint.types.grade import Coverage, Grade, GraderInfo, GradingItem, KeyPointResult

MAX_ANSWER_SENTENCES = 40
# The most a wall of text mostly beside the question scores: as much as an answer with a misconception.
MOSTLY_OFF_MAX = ESTIMATE_WITH_MISCONCEPTION_MAX
# The question restated says nothing the question did not, so it earns nothing.
COPY_SCORE = 0.0


class TokenEmbedder(Protocol):
    def token_embeddings(self, texts: list[str]) -> list[TokenEmbeddings]: ...


def _embed_texts(embedder: TokenEmbedder, texts: list[str]) -> list[tuple[list[tuple[int, int]], list[WordVectors]]]:
    """Embed the sentences of several texts in one batch; per text, its sentence spans and word vectors."""
    spans = [sentence_spans(t)[:MAX_ANSWER_SENTENCES] if t else [] for t in texts]
    flat = [t[s:e] for t, sp in zip(texts, spans, strict=True) for s, e in sp]
    outputs = iter(embedder.token_embeddings(flat) if flat else [])
    result = []
    for t, sp in zip(texts, spans, strict=True):
        parts = []
        for s, e in sp:
            out = next(outputs)
            parts.append(merge_word_pieces(t[s:e], out.tokens, out.vectors, out.offsets, base=s))
        result.append((sp, parts))
    return result


def _item_texts(item: GradingItem) -> tuple[str, list[str], bool]:
    reference = clean_reference(item.reference_answer)
    if not words(reference):
        raise GradingError(
            f"Cannot grade offline: the question '{item.question[:60]}' has no reference answer to compare with.",
            hint="Add a reference answer to the item (the bank's `answer` field, or the eval file's reference column).",
        )
    points = [p.strip() for p in item.key_points if p.strip()]
    pseudo = not points
    if pseudo:
        points = pseudo_key_points(reference)
    return reference, points, pseudo


def prepare_item(embedder: TokenEmbedder, item: GradingItem) -> PreparedItem:
    return prepare_items(embedder, [item])[0]


def prepare_items(embedder: TokenEmbedder, items: list[GradingItem]) -> list[PreparedItem]:
    """Prepare several items with ONE embedding batch over all their texts."""
    texts = [_item_texts(item) for item in items]
    rubrics = [
        (item.question, reference, item.explanation, *points)
        for item, (reference, points, _) in zip(items, texts, strict=True)
    ]
    forms = [
        (
            closed_forms(*rubric),
            number_forms(*rubric),
            tuple(c for text in rubric for c in complexities(text)),
            acronym_forms(*rubric),
        )
        for rubric in rubrics
    ]
    # The question read as an answer (the baseline) is read as answers are: its split words closed up, its numbers,
    # classes and acronyms written as the rubric writes them.
    questions = [
        as_answer_reads(CleanText(item.question, tuple(range(len(item.question)))), *f).text
        for item, f in zip(items, forms, strict=True)
    ]
    flat = [
        [question, reference, item.explanation, *points]
        for item, question, (reference, points, _) in zip(items, questions, texts, strict=True)
    ]
    embedded_all = iter(_embed_texts(embedder, [t for group in flat for t in group]))
    return [
        _prepared_from(item, question, f, reference, points, pseudo, [next(embedded_all) for _ in group])
        for item, question, f, (reference, points, pseudo), group in zip(
            items, questions, forms, texts, flat, strict=True
        )
    ]


def as_answer_reads(
    clean: CleanText,
    closed: frozenset[str],
    numbers: frozenset[str],
    classes: tuple[Stated, ...],
    acronyms: AcronymForms,
) -> CleanText:
    """`clean` as the item reads an answer: its split words closed up (`closed`, CC), its numbers (`numbers`, NW), its
    complexity classes said in words (`classes`, CS) and its acronyms (`acronyms`, AB) written as the rubric writes
    them."""
    read = classes_as_written(numbers_as_written(close_compounds(clean, closed), numbers), classes)
    return acronyms_as_written(read, acronyms)


def _prepared_from(
    item: GradingItem,
    question_text: str,
    forms: tuple[frozenset[str], frozenset[str], tuple[Stated, ...], AcronymForms],
    reference: str,
    points: list[str],
    pseudo: bool,
    embedded: list[tuple[list[tuple[int, int]], list[WordVectors]]],
) -> PreparedItem:
    question, ref_words, expl_words, *point_words = [concat(parts) if parts else empty_words() for _, parts in embedded]
    # What an answer should cover: the reference answer and, when the item has them, its key points (a bank's
    # one-line reference leaves most of the rubric in the key points). Pseudo points repeat the reference.
    target = ref_words if pseudo else concat([ref_words, *point_words])
    ends = np.cumsum([len(ref_words), *(len(p) for p in point_words)]).tolist()
    prepared = PreparedItem(
        question_stems=content_stems(item.question),
        closed_forms=forms[0],
        number_forms=forms[1],
        class_forms=forms[2],
        acronym_forms=forms[3],
        question_vec=pooled(question.vectors, question.rarity),
        reference=target,
        rubric=concat([ref_words, *point_words, expl_words]),
        points=tuple(points),
        point_words=tuple(point_words),
        points_are_pseudo=pseudo,
        reference_text=reference,
        reference_rows=(0, len(target)),
        point_rows=tuple(pairwise(ends)),
        explanation_rows=(ends[-1], ends[-1] + len(expl_words)),
        contrasts=tuple(contrast_pairs(item.question, " ".join([reference, *points]))),
    )
    prepared = replace(
        prepared,
        claims=claims_of(prepared),
        sided=() if pseudo else sided_rubrics(prepared.points, prepared.contrasts, reference),
    )
    question_spans, reference_spans = embedded[0][0], embedded[1][0]
    as_answer = PreparedAnswer(
        text=question_text,
        words=question,
        sentences=tuple(question_spans),
        clauses=tuple(c for s in question_spans for c in clause_spans(question_text, s)),
    )
    reference_as_answer = PreparedAnswer(
        text=reference,
        words=ref_words,
        sentences=tuple(reference_spans),
        clauses=tuple(c for s in reference_spans for c in clause_spans(reference, s)),
    )
    return with_reference_check(with_question_baseline(prepared, as_answer), reference_as_answer)


def prepare_answer(embedder: TokenEmbedder, text: str) -> PreparedAnswer:
    return prepare_answers(embedder, [text])[0]


def prepare_answers(embedder: TokenEmbedder, texts: list[str]) -> list[PreparedAnswer]:
    """Prepare several answers with ONE embedding batch over all their sentences."""
    result = []
    for text, (sentences, parts) in zip(texts, _embed_texts(embedder, texts), strict=True):
        clauses = tuple(c for s in sentences for c in clause_spans(text, s))
        result.append(
            PreparedAnswer(
                text=text, words=concat(parts) if parts else empty_words(), sentences=tuple(sentences), clauses=clauses
            )
        )
    return result


def clean_answer(answer: str, item: PreparedItem | None) -> Repetition:
    """The answer as graded: fillers removed, then sentences that repeat an earlier one (counted once), then the
    words it writes apart that the item writes as one closed up, and its numbers and complexity classes said in
    words written as the item writes them (none of these for an item that could not be prepared)."""
    repetition = drop_repeats(strip_fillers(answer))
    if item is None:
        return repetition
    return replace(
        repetition,
        kept=as_answer_reads(
            repetition.kept, item.closed_forms, item.number_forms, item.class_forms, item.acronym_forms
        ),
    )


# The score model's feature holding the contradiction model's probability for the whole answer.
CONTRADICTION_FEATURE = "contradiction_p"


def contradiction_probability(model: ContradictionModel, item: PreparedItem, answer: PreparedAnswer) -> float:
    """How likely the answer says the opposite of the reference answer, as the model was fitted: the
    reference's and the answer's mean word vectors and texts."""
    ref_rows = item.point_rows[0][0] if item.point_rows and not item.points_are_pseudo else len(item.reference)
    reference = item.rubric.vectors[:ref_rows]
    ref_vec = reference.mean(axis=0) if len(reference) else np.zeros(item.rubric.vectors.shape[1], np.float32)
    ans_vec = answer.words.vectors.mean(axis=0) if len(answer.words) else np.zeros_like(ref_vec)
    return model.probability(item.reference_text, answer.text, ref_vec, ans_vec)


def _with_cross(analysis: Analysis, cross: float | None) -> Analysis:
    """The analysis with the answer scorer's logit among its features when the score model reads it."""
    if cross is not None:
        for features in (analysis.features, analysis.trimmed_features):
            if features is not None:
                features[CROSS_FEATURE] = cross
    return analysis


def _learned_contradiction(
    model: ContradictionModel, point: PointResult, point_words: WordVectors, answer: PreparedAnswer
) -> PointResult:
    """The point's verdict with the learned contradiction signal over the point and its best clause."""
    if point.contradiction is not None or point.clause is None or not len(point_words):
        return point
    rows = answer.words.within(*point.clause)
    if not rows.any():
        return point
    clause = answer.text[point.clause[0] : point.clause[1]]
    if model.contradicts(
        point.point, clause, point_words.vectors.mean(axis=0), answer.words.vectors[rows].mean(axis=0)
    ):
        return replace(point, contradiction="says the opposite of it")
    return point


def _with_reversals(
    item: PreparedItem, sided: SidedRubric, answer: PreparedAnswer, points: list[PointResult]
) -> list[PointResult]:
    """The points the answer turns around (`comparisons.reversals`: a comparison or a named method put on the
    wrong side) marked contradicted, with the answer's piece that does it: the alignment credits "one-stage is
    slower but more accurate" for "one-stage detectors are faster, while two-stage detectors were more
    accurate"."""
    result = list(points)
    for r in reversals(sided, answer.text, item.points):
        if result[r.point].contradiction is None:
            result[r.point] = replace(result[r.point], clause=r.span, contradiction=r.reason)
    return result


def estimate(
    calibration: Calibration,
    features: dict[str, float],
    ceiling: float | None,
    trimmed: dict[str, float] | None = None,
) -> float:
    """The fitted model's score (the lower of the answer's and, given `trimmed`, that of the answer without
    its filler sentences), held to the `ceiling` of a non-genuine answer: the base `score_answer` starts
    from."""
    score = min(calibration.score(f) for f in (features, trimmed) if f is not None)
    if ceiling is not None:
        score = min(score, ceiling)
    return max(0.0, score)


def scoring_input(points: list[Coverage], misconceptions: int, base: float, repeated: bool = False) -> ScoringInput:
    """The offline findings in the terms of the one scoring rule every grader's findings go through. The
    offline grader never calls an answer off topic (the rule's 0): its fitted estimate already scores one low,
    and the hand-set gate it used (no key point credited and 70% of the words in sentences unrelated to the
    question) zeroed 684 train answers, a third of which people graded 2.5 or more ("there is a gap between
    them"), while changing the train splits' r by -0.006 to +0.001 (eval/README.md, 2026-12-03)."""
    return ScoringInput(
        points=[PointVerdict(status, verified=True) for status in points],
        misconceptions=misconceptions,
        estimate=base,
        repeated=repeated,
    )


def final_score(
    calibration: Calibration,
    features: dict[str, float],
    contradicted: int,
    ceiling: float | None,
    trimmed: dict[str, float] | None = None,
    repeated: bool = False,
) -> float:
    """The score the grader gives (`score_answer` over the estimate; key-point verdicts do not move it)."""
    base = estimate(calibration, features, ceiling, trimmed)
    score = score_answer(scoring_input([Coverage.partly], contradicted, base, repeated)).score
    return score if ceiling is None else min(score, ceiling)


def _holds_any(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether `span` overlaps any of `spans` (half-open, in the same text's coordinates)."""
    return any(start < span[1] and span[0] < end for start, end in spans)


def _clean_span(clean: CleanText, span: tuple[int, int]) -> tuple[int, int]:
    """The clean-text span of the characters kept from `span` of the original answer."""
    return bisect_left(clean.origin, span[0]), bisect_left(clean.origin, span[1])


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order, empty ones dropped."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _ignored_note(fillers: dict[str, int], stutter_words: int) -> str | None:
    """What spoken-style grading left out, named: "Ignored 3 fillers ('um', 'you know') and 1 repeated word
    or false start (spoken style)."; None when nothing was."""
    parts = []
    if fillers:
        n = sum(fillers.values())
        named = ", ".join(f"'{kind}'" for kind in fillers)
        parts.append(f"{n} filler{'s' if n > 1 else ''} ({named})")
    if stutter_words:
        parts.append(f"{stutter_words} repeated word{'s' if stutter_words > 1 else ''} or false start")
    return f"Ignored {' and '.join(parts)} (spoken style)." if parts else None


def supporting_span(
    point: str, clause: tuple[int, int], clean: CleanText, answer: str, question: str
) -> tuple[int, int] | None:
    """Where in the answer the quote for a covered point comes from: the clause aligned with it, or the
    sentence holding that clause when the clause alone says too little ("which reduces overfitting"); none
    when neither supports the point (a quote that shares nothing with the point is not evidence for it), unless
    the sentence says part of the point in its words (`says_part_of`: "more micro-batches shrink it.")."""
    sentence = next((s for s in sentence_spans(clean.text) if s[0] <= clause[0] and clause[1] <= s[1]), clause)
    for start, end in (clause, sentence):
        span = clean.span_in_original(start, end)
        if supports(answer[span[0] : span[1]], point, question):
            return span
    span = clean.span_in_original(*sentence)
    return span if says_part_of(answer[span[0] : span[1]], point, question) else None


# The most an answer scores that says none of an authored rubric's points, even in part, with no misconception,
# in words the reference material mostly does not back (precision under CORRECT_FROM, where the card's
# correctness is 0): the top of "incorrect" at one decimal, so the score agrees with the card's 0 of N points
# and correctness 0 (FB, eval/README.md). Not for pseudo points (the reference's sentences): on the train splits
# people often credit answers those miss (F, rejected there).
NOTHING_OF_THE_RUBRIC_MAX = round(PARTIAL_AT - 0.1, 1)


def says_none_of_the_rubric(
    prepared: PreparedItem, key_points: list[KeyPointResult], misconceptions: list[str], features: dict[str, float]
) -> bool:
    return (
        not prepared.points_are_pseudo
        and bool(key_points)
        and not misconceptions
        and all(k.status is Coverage.missed for k in key_points)
        and features["precision"] < CORRECT_FROM
    )


def cap_reasons(
    item: GradingItem, answer: str, clean: CleanText, analysis: Analysis, uncapped: float
) -> dict[str, float]:
    """Why the answer is not a genuine attempt, each reason with the most it may score: the checks every
    grader's grade goes through (`guard.answer_caps`: instructions to the grader and a keyword list
    CAPPED_SCORE), and the question restated in other words, told by the features and the `uncapped`
    estimate, COPY_SCORE."""
    found = answer_caps(item, answer, clean.text)
    copied = copy_reason(
        analysis.question_novelty, analysis.features, clean.text, item.question, rubric_text(item), uncapped
    )
    if copied:
        found.setdefault(copied, COPY_SCORE)
    return found


class ItemCache:
    """LRU of prepared items keyed by the item's texts: the reference side is embedded once."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._data: OrderedDict[str, PreparedItem] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, embedder: TokenEmbedder, item: GradingItem) -> PreparedItem:
        result = self.get_many(embedder, [item])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def get_many(self, embedder: TokenEmbedder, items: list[GradingItem]) -> list[PreparedItem | Exception]:
        """Every item prepared; the distinct uncached ones in one batch. An item that cannot be prepared
        gets its exception, so it fails only the answers graded against it."""
        keys = [_item_key(item) for item in items]
        found: dict[str, PreparedItem | Exception] = {}
        with self._lock:
            for key in keys:
                if key in self._data:
                    self._data.move_to_end(key)
                    found[key] = self._data[key]
        missing: dict[str, GradingItem] = {}
        for key, item in zip(keys, items, strict=True):
            if key not in found and key not in missing:
                try:
                    _item_texts(item)
                except GradingError as exc:
                    found[key] = exc
                    continue
                missing[key] = item
        if missing:
            fresh = prepare_items(embedder, list(missing.values()))
            with self._lock:
                for key, prepared in zip(missing, fresh, strict=True):
                    found[key] = self._data[key] = prepared
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
        return [found[key] for key in keys]


def offline_version(calibration: Calibration) -> str:
    """The version of what decides an offline grade: the rule code (this package, the answer checks and the
    guard's caps, repetition, the scoring rule, the text toolkit), the embedding model, the calibration's
    fitted numbers and, when the calibration reads it, the answer scorer's adapter."""
    files = package_files(
        "grading/offline",
        "grading/answer_checks.py",
        "grading/guard.py",
        "grading/repetition.py",
        "grading/scoring.py",
        "text",
    )
    if calibration.reads_scorer:
        files += [*package_files("doors/cross_encoder.py"), *sorted(ADAPTER_DIR.iterdir())]
    fitted = calibration.model_dump_json(
        include={
            "kind",
            "features",
            "mean",
            "scale",
            "weights",
            "bias",
            "trees",
            "settings",
            "scorer_weight",
            "pooling",
        }
    )
    return content_version(files, LOCAL_MODEL_NAME, fitted)


def _item_key(item: GradingItem) -> str:
    return item.model_dump_json(include={"question", "reference_answer", "explanation", "key_points"})


class OfflineGrader(Grader):
    """Grades against the item with local embeddings and a calibrated feature model."""

    batches = True

    def __init__(
        self,
        embedder: TokenEmbedder | None = None,
        calibration: Calibration | None = None,
        contradiction: ContradictionModel | None = None,
        scorer: AnswerScorer | None = None,
    ) -> None:
        self._embedder = embedder
        self._scorer = scorer
        self.calibration = calibration or load_calibration()
        self.version = offline_version(self.calibration)
        self.name = f"offline:minilm-align:{self.version}"
        self._items = ItemCache()
        self._contradiction = contradiction
        self._scorer_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mockint-scorer")
        one_blas_thread()

    @property
    def embedder(self) -> TokenEmbedder:
        if self._embedder is None:
            self._embedder = shared_local_embedder()
        return self._embedder

    def prepare(self, item: GradingItem) -> None:
        """Embed the item's side ahead of grading (e.g. while the candidate thinks)."""
        self._items.get(self.embedder, item)

    @property
    def contradiction(self) -> ContradictionModel:
        if self._contradiction is None:
            self._contradiction = load_contradiction_model()
        return self._contradiction

    def _uses_contradiction(self) -> bool:
        return CONTRADICTION_FEATURE in self.calibration.features

    @property
    def scorer(self) -> AnswerScorer:
        if self._scorer is None:
            self._scorer = shipped_scorer()
        return self._scorer

    def _cross(self, pairs: list[tuple[str, str]]) -> list[float | None]:
        """The answer scorer's logit per (reference, answer) pair, when the score model reads it."""
        if not self.calibration.reads_scorer:
            return [None] * len(pairs)
        return [float(v) for v in self.scorer.logits(pairs)]

    def _analysed(self, reference: str, item: PreparedItem, text: str) -> Analysis:
        """The answer embedded and analysed while the answer scorer, when the score model reads it, reads the
        pair: each is a one-thread ONNX run, so on two cores the scorer's run overlaps the embedding and the
        analysis and adds little to a single grade's time."""
        if not self.calibration.reads_scorer:
            return self._analyse(item, prepare_answer(self.embedder, text))
        scored = self._scorer_thread.submit(self._cross, [(reference, text)])
        analysis = self._analyse(item, prepare_answer(self.embedder, text))
        (cross,) = scored.result()
        return _with_cross(analysis, cross)

    def _analyse(self, item: PreparedItem, answer: PreparedAnswer) -> Analysis:
        """The answer's features, with the learned contradiction probability when the score model uses it."""
        analysis = analyse(item, answer)
        if self._uses_contradiction() and self.contradiction.point_level and not item.points_are_pseudo:
            analysis.points = [
                _learned_contradiction(self.contradiction, p, pw, answer)
                for p, pw in zip(analysis.points, item.point_words, strict=True)
            ]
        for sided in item.sided:
            analysis.points = _with_reversals(item, sided, answer, analysis.points)
        if CONTRADICTION_FEATURE in self.calibration.features:
            p = contradiction_probability(self.contradiction, item, answer)
            for features in (analysis.features, analysis.trimmed_features):
                if features is not None:
                    features[CONTRADICTION_FEATURE] = p
        return analysis

    def analyse(self, item: GradingItem, answer: str) -> tuple[CleanText, PreparedItem, Analysis | None]:
        """Features of `answer` (after filler and repetition removal); no analysis for an answer with no
        content."""
        prepared = self._items.get(self.embedder, item)
        clean = clean_answer(answer, prepared).kept
        if trivial_reason(clean.text):
            return clean, prepared, None
        return clean, prepared, self._analysed(item.reference_answer, prepared, clean.text)

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        started = time.perf_counter()
        prepared = self._items.get(self.embedder, item)
        repetition = clean_answer(answer, prepared)
        clean = repetition.kept
        analysis = None
        if not trivial_reason(clean.text):
            analysis = self._analysed(item.reference_answer, prepared, clean.text)
        latency = (time.perf_counter() - started) * 1000.0
        return self._grade(item, answer, repetition, prepared, analysis, latency)

    def grade_many(self, items: Sequence[GradingItem], answers: Sequence[str]) -> list[Grade | Exception]:
        """Grade `answers[i]` against `items[i]` for every i with one embedding batch for the distinct items
        and one for all the answers; the same grades as `grade` one at a time. A case that fails gets its
        exception in its place. Each grade's latency is the batch time divided by the batch size."""
        if len(items) != len(answers):
            raise ValueError("grade_many needs one item per answer")
        if not answers:
            return []
        started = time.perf_counter()
        prepared = self._items.get_many(self.embedder, list(items))
        repetitions = [
            clean_answer(a, None if isinstance(p, Exception) else p) for a, p in zip(answers, prepared, strict=True)
        ]
        cleans = [r.kept for r in repetitions]
        todo = [
            i
            for i, (c, p) in enumerate(zip(cleans, prepared, strict=True))
            if not isinstance(p, Exception) and not trivial_reason(c.text)
        ]
        embedded = dict(zip(todo, prepare_answers(self.embedder, [cleans[i].text for i in todo]), strict=True))
        cross = dict(zip(todo, self._cross([(items[i].reference_answer, cleans[i].text) for i in todo]), strict=True))
        results: list[Grade | Exception] = []
        for i, (item, answer) in enumerate(zip(items, answers, strict=True)):
            try:
                if isinstance(prepared[i], Exception):
                    raise prepared[i]
                analysis = _with_cross(self._analyse(prepared[i], embedded[i]), cross[i]) if i in embedded else None
                results.append(self._grade(item, answer, repetitions[i], prepared[i], analysis, 0.0))
            except Exception as exc:  # one bad case must not sink the batch
                results.append(exc)
        latency = round((time.perf_counter() - started) * 1000.0 / len(answers), 1)
        return [
            r
            if isinstance(r, Exception)
            else r.model_copy(update={"grader": r.grader.model_copy(update={"latency_ms": latency})})
            for r in results
        ]

    def _grade(
        self,
        item: GradingItem,
        answer: str,
        repetition: Repetition,
        prepared: PreparedItem,
        analysis: Analysis | None,
        latency_ms: float,
    ) -> Grade:
        clean = repetition.kept
        findings = self._findings(item, answer, repetition, prepared, analysis)
        notes = list(findings.cap_reasons) + [
            n for n in (findings.repetition, findings.rambling, findings.held_incorrect) if n
        ]
        if prepared.points_are_pseudo:
            n = len(prepared.points)
            notes.append(f"Checked against {n} point{'s' if n != 1 else ''} taken from the reference answer.")
        if (
            findings.score >= PARTIAL_AT
            and not findings.misconceptions
            and all(k.status is Coverage.missed for k in findings.key_points)
        ):
            # The card's dimensions say nothing was found beside a score that says partly right; capping the score
            # costs agreement with people (experiment F, eval/README.md), so the card says where the score is from.
            notes.append(
                "No rubric point was found in your answer, so this score rests on the estimate learned from answers "
                "people graded: compare your answer with the reference."
            )
        verdict = verdict_for(findings)
        # Why the rule's verdict is below its score's band; not where a cap lowered the score into that verdict's
        # band, and its own note says why ("Rated incorrect, not partial" beside a score of 1.4 says nothing).
        held_back = findings.rule.held_back if findings.rule is not None else None
        if held_back and verdict is findings.rule.verdict and findings.score >= findings.rule.score:
            notes.append(held_back)
        ignored = _ignored_note(findings.fillers, findings.stutter_words)
        if ignored:
            notes.append(ignored)
        if len(sentence_spans(clean.text)) > MAX_ANSWER_SENTENCES:
            notes.append(f"Only the first {MAX_ANSWER_SENTENCES} sentences were graded.")
        return Grade(
            score=round(findings.score, 2),
            verdict=verdict,
            dimensions=dimensions_for(findings),
            key_points=findings.key_points,
            misconceptions=findings.misconceptions,
            feedback=feedback_text(findings),
            model_answer=model_answer_text(findings),
            follow_up=item.follow_up,
            grader=GraderInfo(
                kind="offline",
                model=f"{LOCAL_MODEL_NAME} + calibration {self.calibration.version}",
                version=self.version,
                latency_ms=round(latency_ms, 1),
            ),
            notes=notes,
        )

    def _findings(
        self, item: GradingItem, answer: str, repetition: Repetition, prepared: PreparedItem, analysis: Analysis | None
    ) -> Findings:
        clean = repetition.kept
        fillers = count_fillers(answer)
        removed = max(0, len(words(answer)) - repetition.total_words)
        common = dict(
            points_are_pseudo=prepared.points_are_pseudo,
            reference_answer=item.reference_answer,
            fillers=fillers,
            # What was dropped beyond the fillers' own words: stutters ("the the") and false starts ("dis-").
            stutter_words=max(0, removed - filler_words(answer)),
            answer_words=len(words(clean.text)),
            repetition=repetition.note(),
            rambling=rambling_reason(repetition.total_words, len(words(item.reference_answer))),
        )
        if analysis is None:
            missed = [KeyPointResult(point=p, status=Coverage.missed) for p in prepared.points]
            return Findings(
                score=0.0,
                key_points=missed,
                misconceptions=[],
                strong_sentences=[],
                off_topic=[],
                features={},
                trivial=trivial_reason(clean.text),
                takes_a_side=takes_a_side(clean.text),
                **common,
            )
        uncapped = estimate(self.calibration, analysis.features, None, analysis.trimmed_features)
        caps = cap_reasons(item, answer, clean, analysis, uncapped)
        ceiling = min(caps.values(), default=None)
        if common["rambling"] and analysis.features["precision"] < CORRECT_FROM:
            # A wall of text most of whose words the reference does not back (its precision below the typical
            # wrong answer's, where the card's correctness reaches 0) is mostly beside the question, however
            # right its one good sentence: "partially right with a notable problem", the top of that band.
            common["rambling"] += f" Most of it is not about the question, so it scores at most {MOSTLY_OFF_MAX:g}."
            ceiling = MOSTLY_OFF_MAX if ceiling is None else min(ceiling, MOSTLY_OFF_MAX)
        base = uncapped if ceiling is None else min(uncapped, ceiling)  # as `estimate` holds it, computed once
        key_points, misconceptions = [], []
        contradicted = [r.clause for r in analysis.points if r.contradiction and r.clause]
        reversal = yes_no_reversal(item.question, item.reference_answer, clean.text)
        reversed_clause = None
        if reversal is not None:
            # The clause that answers with the other word states the wrong claim: no evidence of a point (YN).
            said = reversal[0]
            first = sentence_spans(clean.text)[0]
            reversed_clause = next((c for c in clause_spans(clean.text, first) if c[0] <= said[0] < c[1]), first)
            contradicted.append(reversed_clause)
        for result in analysis.points:
            # A clause the card calls wrong for one point is no evidence that the answer gets another right:
            # "A p-value is the probability that the null hypothesis is true" contradicts one point and was
            # quoted as covering the definition it gets wrong. Only the card moves: the estimate is unchanged.
            backs_wrong_claim = (
                not result.contradiction and result.clause is not None and _holds_any(result.clause, contradicted)
            )
            status = (
                Coverage.missed
                if result.contradiction or backs_wrong_claim or result.recall < PARTLY_AT
                else Coverage.covered
                if result.recall >= COVERED_AT
                else Coverage.partly
            )
            evidence = span = None
            if result.contradiction and result.clause is not None:
                span = clean.span_in_original(*result.clause)
                evidence = answer[span[0] : span[1]]
            elif result.clause is not None and status is not Coverage.missed:
                span = supporting_span(result.point, result.clause, clean, answer, item.question)
                evidence = None if span is None else answer[span[0] : span[1]]
            if result.contradiction:
                misconceptions.append(
                    f"{result.contradiction}: you said '{evidence}', but the reference says '{result.point}'"
                )
            key_points.append(KeyPointResult(point=result.point, status=status, evidence=evidence, span=span))
        if reversal is not None and reversed_clause is not None:
            word, clause = (answer[slice(*clean.span_in_original(*span))] for span in (reversal[0], reversed_clause))
            meant = item.reference_answer[slice(*sentence_spans(item.reference_answer)[0])]
            misconceptions.append(
                f"says '{word}' where the reference says '{reversal[1]}': you said '{clause}', but the reference says "
                f"'{meant}'"
            )
        rule = score_answer(
            scoring_input([k.status for k in key_points], len(misconceptions), base, repetition.mostly_repeated)
        )
        held_incorrect = None
        # The note only where the cap holds the score down: beside a lower score "at most 1.4" explains nothing.
        if rule.score > NOTHING_OF_THE_RUBRIC_MAX and says_none_of_the_rubric(
            prepared, key_points, misconceptions, analysis.features
        ):
            held_incorrect = (
                "No key point was found in your answer, and little of it is backed by the reference material, so it "
                f"scores at most {NOTHING_OF_THE_RUBRIC_MAX:g}."
            )
        elif rule.score > NOTHING_OF_THE_RUBRIC_MAX and reversal is not None:
            # The word that decides a yes-or-no question is wrong, so the answer is, whatever else it says (YI): on
            # the train splits people graded every such answer 0 (eval/README.md).
            held_incorrect = (
                f"Your answer opens with the other answer than the reference's ('{reversal[1]}'), so it scores at "
                f"most {NOTHING_OF_THE_RUBRIC_MAX:g}."
            )
        if held_incorrect:
            ceiling = NOTHING_OF_THE_RUBRIC_MAX if ceiling is None else min(ceiling, NOTHING_OF_THE_RUBRIC_MAX)
        score = rule.score if ceiling is None else min(rule.score, ceiling)
        # The model answer quotes the candidate's words without the fillers, and of a strong sentence only the
        # quoted evidence of points the card finds covered: a sentence close to the reference that covers
        # nothing ("I might be wrong about the scaling part") is an aside, one that only touches on a point may
        # say it wrongly ("High bias means the model memorised the training data" touches on the point about
        # bias), and so may the rest of a sentence whose one clause is credited ("L1 adds the absolute weights
        # to the loss, but it never zeroes anything"); the reference's wording stands in for such points.
        credited = [
            _clean_span(clean, k.span) for k in key_points if k.span is not None and k.status is Coverage.covered
        ]
        # A credited piece that only says something of the clause before it ("which comes from the model
        # reacting to noise") is quoted from its sentence's start, with what it hangs on.
        strong = [
            clean.text[s if hangs_on_previous(clean.text[start:end]) else start : end]
            for s, e in sorted(analysis.on_topic)
            if analysis.sentence_strength.get((s, e), 0.0) >= STRONG_SENTENCE and not _holds_any((s, e), contradicted)
            for start, end in _merged([(max(s, a), min(e, b)) for a, b in credited if a < e and s < b])
        ]
        off_topic = [answer[slice(*clean.span_in_original(*s))] for s in sorted(analysis.off_topic)]
        return Findings(
            score=score,
            key_points=key_points,
            misconceptions=misconceptions,
            strong_sentences=strong,
            off_topic=off_topic,
            features=analysis.features,
            cap_reasons=list(caps),
            ceiling=ceiling,
            rule=rule,
            held_incorrect=held_incorrect,
            **common,
        )
