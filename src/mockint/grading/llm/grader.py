"""The LLM grader: one model call per answer, every claim of the model checked in code.

The model reads the reference answer, explanation and numbered rubric points, and replies (JSON)
with a status and verbatim quotes per point, misconceptions with quotes, feedback, an improved
model answer, dimension reasons and an adapted follow-up. Then code decides the grade:

- a point counts only if one of its quotes is found in the answer and is real evidence
  (`evidence.verify_quote`); a quote may back at most two points;
- misconceptions count only with a verified quote;
- `scoring.score_answer` turns the verified findings into score, verdict and dimensions;
- where the model's view is far from what its evidence supports (it credited points the answer
  does not make), its feedback and dimension reasons are replaced by ones built from the evidence.

The answer is untrusted: it goes inside a delimiter whose tag carries a random nonce, with any
tag-like text in it defused, and the system prompt says the block is data, never instructions.
"""

import json
import logging
import re
import secrets
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from mockint.config import Settings, get_settings
from mockint.doors.llm import OUTPUT_MODES, LLMClient, LLMReply
from mockint.doors.prompts import Prompt, load_prompt
from mockint.doors.tokens import count_messages, count_tokens, is_exact, trim_to_tokens
from mockint.errors import GradingError, LLMResponseError, LLMUnavailableError
from mockint.grading.answer_checks import SAY_WHY, stuffing_reason, takes_a_side, trivial_reason
from mockint.grading.evidence import adds_nothing_to, has_content, is_relevant, verify_quote
from mockint.grading.grader import FeedbackCallback, Grader
from mockint.grading.guard import feedback_from_key_points, guard_grade, rubric_text
from mockint.grading.llm.reply import GRADE_REPLY_SCHEMA, GradeReply, ReplyError, StreamedField, parse_reply
from mockint.grading.repetition import drop_repeats
from mockint.grading.scoring import CREDIT, PointVerdict, ScoreResult, ScoringInput, derive_key_points, score_answer
from mockint.grading.version import content_version, package_files
from mockint.text.fillers import strip_fillers
from mockint.types.grade import (
    Coverage,
    Dimensions,
    DimensionScore,
    Grade,
    GraderInfo,
    GradingItem,
    KeyPointResult,
    Verdict,
)
from mockint.types.question import Question

log = logging.getLogger(__name__)

PROMPT_NAME = "grade"
# Sent as max_tokens on every request: a full reply (a status and quotes per point, feedback, a model
# answer, dimension reasons, a follow-up) is 400-800 tokens; 1,200 leaves room without inviting essays.
REPLY_TOKENS = 1200
MAX_POINTS_PER_QUOTE = 2
MAX_FOLLOW_UP_CHARS = 400
# When the model credits this much more than its quotes back (in points, or as a share of the rubric),
# its feedback praises things the answer does not say, so it is replaced by feedback from the evidence.
OVERCLAIM_POINTS = 1.5
OVERCLAIM_SHARE = 1 / 3
_REPAIR_ECHO_CHARS = 2000
_TAG_START = re.compile(r"<(?=\s*/?\s*[A-Za-z])")


def reply_tokens(settings: Settings) -> int:
    """max_tokens for the reply: REPLY_TOKENS, or a third of a small context window (the prompt gets the rest)."""
    return min(REPLY_TOKENS, settings.llm_context_tokens // 3)


def fence_answer(answer: str, tag: str) -> str:
    """The answer made safe to place between <tag> and </tag>: the tag itself is removed and every
    '<' that could open or close a tag becomes '‹', so the block cannot be closed from inside."""
    cleaned = re.sub(re.escape(tag), "", answer, flags=re.IGNORECASE)
    return _TAG_START.sub("‹", cleaned)


def new_tag() -> str:
    return f"answer-{secrets.token_hex(8)}"


def rubric_points(item: GradingItem) -> list[str]:
    """The item's key points, or points derived from its reference material when it has none."""
    return list(item.key_points) or derive_key_points(item.reference_text)


@dataclass
class _Request:
    messages: list[dict[str, str]]
    answer: str
    notes: list[str]


def build_request(
    prompt: Prompt, item: GradingItem, points: list[str], answer: str, *, tag: str, settings: Settings, model: str
) -> _Request:
    """Render the grading prompt within the token budget: answer first trimmed to
    `max_answer_tokens`, then, if the context is still too small, the explanation, then the answer."""
    notes: list[str] = []
    answer, trimmed = trim_to_tokens(answer, settings.max_answer_tokens, model)
    if trimmed:
        notes.append(f"Your answer was long; only its first {settings.max_answer_tokens} tokens were graded.")
    explanation = item.explanation
    budget = settings.llm_context_tokens - reply_tokens(settings)

    def render() -> list[dict[str, str]]:
        return prompt.render(
            tag=tag,
            question=item.question,
            reference_answer=item.reference_answer,
            explanation=explanation or "(none)",
            rubric="\n".join(f"{i}. {p}" for i, p in enumerate(points, 1)),
            follow_up=item.follow_up or "(none: write one)",
            answer=fence_answer(answer, tag),
        )

    messages = render()
    over = count_messages(messages, model) - budget
    if over > 0 and explanation:
        explanation, _ = trim_to_tokens(explanation, max(0, count_tokens(explanation, model) - over), model)
        notes.append("The reference explanation was shortened to fit the model's context window.")
        messages = render()
        over = count_messages(messages, model) - budget
    if over > 0 and answer:
        answer, _ = trim_to_tokens(answer, max(0, count_tokens(answer, model) - over), model)
        notes.append("Your answer was shortened further to fit the model's context window.")
        messages = render()
        over = count_messages(messages, model) - budget
    if over > 0:
        raise GradingError(
            f"The grading prompt needs {budget + over} tokens but MOCKINT_LLM_CONTEXT_TOKENS="
            f"{settings.llm_context_tokens} leaves {budget} after room for the reply.",
            hint="Set MOCKINT_LLM_CONTEXT_TOKENS to your model's real context size.",
        )
    return _Request(messages=messages, answer=answer, notes=notes)


def llm_version(model: str, prompt: Prompt) -> str:
    """The version of what decides an LLM grade: the model, the prompt file, the reply schema and the code
    that turns a reply into a score (this package, evidence checks, the scoring rule, the guard and answer checks
    every grade passes, the text toolkit)."""
    files = package_files(
        "grading/llm",
        "grading/evidence.py",
        "grading/scoring.py",
        "grading/guard.py",
        "grading/answer_checks.py",
        "grading/repetition.py",
        "text",
    )
    schema = json.dumps(GRADE_REPLY_SCHEMA, sort_keys=True)
    return content_version(files, model, prompt.path.read_text(encoding="utf-8"), schema)


class LLMGrader(Grader):
    """Grades with one call to an OpenAI-compatible chat model. `name` keys caches: model + prompt."""

    kind = "llm"
    streams_feedback = True

    def __init__(self, client: LLMClient, prompt: Prompt | None = None, settings: Settings | None = None) -> None:
        self.client = client
        self.prompt = prompt or load_prompt(PROMPT_NAME)
        self.settings = settings or get_settings()
        self.version = llm_version(client.model, self.prompt)
        self.name = f"llm:{client.model}:{self.prompt.version}:{self.version}"

    def cache_scopes(self) -> list[str]:
        """Cache scopes a grade of this grader may be read from, best first: this endpoint with the output
        mode it accepts now and each it may still fall back to (see grading/cache.py)."""
        modes = OUTPUT_MODES[OUTPUT_MODES.index(self.client.response_format_mode) :]
        return [f"{self.client.where}|{mode}" for mode in (*modes, "")]

    def grade(self, item: GradingItem, answer: str, on_feedback: FeedbackCallback | None = None) -> Grade:
        """Grade `answer`; `on_feedback` gets the feedback text as it streams, and last the final text."""
        points = rubric_points(item)
        if not has_content(answer):
            grade = self._no_answer(item, points, answer)
        else:
            # One deadline (MOCKINT_LLM_DEADLINE) for the whole grade: the call, its retries and any repair.
            with self.client.deadline():
                grade = self._grade_with_model(item, points, answer, on_feedback)
        grade = guard_grade(item, answer, grade)
        if on_feedback is not None:
            on_feedback(grade.feedback)
        return grade

    def _grade_with_model(
        self, item: GradingItem, points: list[str], answer: str, on_feedback: Callable[[str], None] | None
    ) -> Grade:
        tag = new_tag()
        request = build_request(
            self.prompt, item, points, answer, tag=tag, settings=self.settings, model=self.client.model
        )
        replies: list[LLMReply] = []
        first = self._call(request.messages, on_feedback)
        replies.append(first)
        try:
            reply = parse_reply(first.text, len(points))
        except ReplyError as exc:
            log.debug("grade reply invalid (%s); asking once for a repair", exc)
            repair = [
                *request.messages,
                {"role": "assistant", "content": first.text[:_REPAIR_ECHO_CHARS]},
                {"role": "user", "content": self.prompt.render_extra("repair", error=str(exc))},
            ]
            try:
                second = self._call(repair, None)
            except LLMUnavailableError as failed:
                # The server did answer, unusably: "could not be reached" would send the user to the wrong place.
                raise LLMResponseError(
                    f"The model '{first.model}' replied, but not with a usable grade ({exc}), and the repair "
                    f"request failed: {failed.problem}",
                    hint=failed.hint,
                ) from None
            replies.append(second)
            try:
                reply = parse_reply(second.text, len(points))
            except ReplyError as again:
                raise LLMResponseError(
                    f"The model '{replies[-1].model}' did not return a usable grade, even after a repair "
                    f"request: {again}.",
                    hint=f"Try a stronger model (MOCKINT_MODEL), or {self.client.offline_switch}.",
                ) from None
        info = GraderInfo(
            kind="llm",
            # The model the server says replied: a server serving another model than MOCKINT_MODEL names it here.
            model=replies[-1].model,
            version=self.version,
            prompt_version=self.prompt.version,
            endpoint=self.client.where,
            output_mode=replies[-1].output_mode,
            prompt_tokens=sum(r.prompt_tokens for r in replies),
            completion_tokens=sum(r.completion_tokens for r in replies),
            latency_ms=round(sum(r.latency_ms for r in replies), 1),
        )
        return _grade_from_reply(item, points, request.answer, reply, info, request.notes)

    def _call(self, messages: list[dict[str, str]], on_feedback: Callable[[str], None] | None) -> LLMReply:
        args = {"schema": GRADE_REPLY_SCHEMA, "schema_name": "grade", "max_tokens": reply_tokens(self.settings)}
        if on_feedback is None:
            return self.client.complete_json(messages, **args)
        stream = self.client.stream_json(messages, **args)
        feedback = StreamedField("feedback")
        for delta in stream:
            if shown := feedback.feed(delta):
                on_feedback(shown)
        if shown := feedback.finish():
            on_feedback(shown)
        return stream.reply

    def _no_answer(self, item: GradingItem, points: list[str], answer: str) -> Grade:
        info = GraderInfo(
            kind="llm",
            model=self.client.model,
            version=self.version,
            prompt_version=self.prompt.version,
            endpoint=self.client.where,
        )
        result = score_answer(ScoringInput(points=[], answered=False))
        clean = strip_fillers(answer).text
        return _assemble(
            item,
            result,
            [KeyPointResult(point=p, status=Coverage.missed) for p in points],
            [],
            feedback=(
                f"{SAY_WHY} The model answer shows one way."
                if takes_a_side(clean)
                else "You did not give an answer. Start from the core idea, then explain why it holds; "
                "the model answer shows one way."
            ),
            reasons={},
            model_answer=item.reference_answer,
            follow_up=item.follow_up,
            info=info,
            notes=[f"Not sent to the model. {trivial_reason(clean)}"],
        )


def _grade_from_reply(
    item: GradingItem, points: list[str], answer: str, reply: GradeReply, info: GraderInfo, notes: list[str]
) -> Grade:
    notes = list(notes)
    claims = {}
    for claim in reply.key_points:
        if 1 <= claim.n <= len(points):
            claims.setdefault(claim.n, claim)
    if len(claims) < len(reply.key_points):
        log.debug("ignored %d key-point entries with unknown or repeated numbers", len(reply.key_points) - len(claims))

    results, verdicts, uses = [], [], Counter()
    for n, point in enumerate(points, 1):
        claim = claims[n]  # parse_reply refused a reply that leaves a point unjudged
        span = None
        if claim.status is not Coverage.missed:
            for quote in claim.quotes:
                found = verify_quote(quote, answer, question=item.question, reference=f"{point}\n{item.reference_text}")
                if found is not None and uses[found] < MAX_POINTS_PER_QUOTE:
                    span = found
                    uses[found] += 1
                    break
        status = claim.status if span is not None else Coverage.missed
        results.append(
            KeyPointResult(point=point, status=status, evidence=answer[span[0] : span[1]] if span else None, span=span)
        )
        verdicts.append(PointVerdict(status=status, verified=span is not None))

    misconceptions = []
    for wrong in reply.misconceptions:
        found = verify_quote(wrong.quote, answer, question=item.question)
        if found is not None:
            misconceptions.append(f'{wrong.claim.strip()} (you said: "{answer[found[0] : found[1]]}")')
    if dropped := len(reply.misconceptions) - len(misconceptions):
        notes.append(
            f"{dropped} misconception(s) the model reported were ignored: their quotes are not in your answer."
        )

    keyword_list = stuffing_reason(answer, item.question, rubric_text(item)) is not None
    repetition = drop_repeats(strip_fillers(answer))
    if repetition.note():
        notes.append(repetition.note())
    if keyword_list:
        notes.append("Your answer reads as a list of terms; each point earned at most partial credit.")
    on_topic = reply.on_topic and is_relevant(answer, f"{item.question}\n{item.reference_text}")
    opinion = {name: getattr(reply.dimensions, name).score for name in ("depth", "communication")}
    result = score_answer(
        ScoringInput(
            points=verdicts,
            misconceptions=len(misconceptions),
            answered=not adds_nothing_to(answer, item.question),
            on_topic=on_topic,
            keyword_list=keyword_list,
            repeated=repetition.mostly_repeated,
            opinion=opinion,
        )
    )
    if result.held_back:
        notes.append(result.held_back)

    claimed = sum(CREDIT[c.status] for c in claims.values())
    backed = sum(CREDIT[v.status] for v in verdicts if v.verified)
    feedback = reply.feedback.strip()
    if claimed - backed >= max(OVERCLAIM_POINTS, len(points) * OVERCLAIM_SHARE):
        feedback = feedback_from_key_points(results)
        notes.append("The model's feedback was replaced: it credited points your answer does not make.")
    reasons = {
        name: getattr(reply.dimensions, name) for name in ("correctness", "completeness", "depth", "communication")
    }
    follow_up = reply.follow_up.strip()
    if not has_content(follow_up):
        follow_up = ""
    return _assemble(
        item,
        result,
        results,
        misconceptions,
        feedback=feedback,
        # A placeholder reason ("...") says nothing: the reason from the evidence stands in, as for a far-off score.
        reasons={
            k: v.reason.strip()
            for k, v in reasons.items()
            if abs(v.score - result.dimensions[k]) <= 1 and has_content(v.reason)
        },
        # Labelled as the offline card labels it, so the reference is not read as the grader's own answer.
        model_answer=reply.model_answer.strip()
        if has_content(reply.model_answer)
        else f"From the reference answer: {item.reference_answer.strip()}",
        follow_up=follow_up if follow_up and len(follow_up) <= MAX_FOLLOW_UP_CHARS else item.follow_up,
        info=info,
        notes=notes,
    )


def _assemble(
    item: GradingItem,
    result: ScoreResult,
    results: list[KeyPointResult],
    misconceptions: list[str],
    *,
    feedback: str,
    reasons: dict[str, str],
    model_answer: str,
    follow_up: str | None,
    info: GraderInfo,
    notes: list[str],
) -> Grade:
    credited = sum(1 for r in results if r.status is not Coverage.missed)
    fallback_reasons = {
        "correctness": (
            f"{len(misconceptions)} statement(s) in your answer are wrong."
            if misconceptions
            else "Nothing you said contradicts the reference."
            if credited
            else "Nothing in your answer could be checked against the reference."
        ),
        "completeness": f"Your own words back {credited} of {len(results)} rubric points.",
        "depth": "Depth counts only for points your answer actually makes.",
        "communication": "Clarity counts only for content your answer actually makes.",
    }
    if result.verdict in (Verdict.no_answer, Verdict.off_topic):
        reasons = {}
    dims = {
        name: DimensionScore(score=result.dimensions[name], reason=reasons.get(name) or fallback_reasons[name])
        for name in fallback_reasons
    }
    return Grade(
        score=result.score,
        verdict=result.verdict,
        dimensions=Dimensions(**dims),
        key_points=results,
        misconceptions=misconceptions,
        feedback=feedback,
        model_answer=model_answer,
        follow_up=follow_up,
        grader=info,
        notes=notes,
    )


@dataclass(frozen=True)
class PromptStats:
    questions: int
    median: float
    p95: float
    max: int
    exact: bool


def prompt_stats(
    questions: Iterable[Question], settings: Settings | None = None, prompt: Prompt | None = None
) -> PromptStats:
    """Prompt tokens of the grading prompt over `questions`, each answered with its own reference
    answer (a realistic full-length answer). `exact` is False when tiktoken tables were unavailable."""
    settings = settings or get_settings()
    prompt = prompt or load_prompt(PROMPT_NAME)
    counts = []
    for question in questions:
        item = GradingItem.from_question(question)
        request = build_request(
            prompt, item, rubric_points(item), question.answer, tag=new_tag(), settings=settings, model=settings.model
        )
        counts.append(count_messages(request.messages, settings.model))
    if not counts:
        raise GradingError("No questions to measure.", hint="Check the question bank (mockint bank validate).")
    ordered = sorted(counts)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return PromptStats(
        questions=len(counts),
        median=statistics.median(counts),
        p95=p95,
        max=ordered[-1],
        exact=is_exact(settings.model),
    )
