"""Spaced repetition over questions with FSRS: answered poorly, a question comes back sooner.

A 0-5 grade becomes an FSRS rating; each question keeps one FSRS card, stored as JSON in the
history database, so "due for review" survives restarts and is shared by every tab.
"""

import hashlib
from datetime import datetime

from fsrs import Card, Rating, Scheduler

from mockint.history.database import History, utc_now

# Score bands -> ratings. A 0-5 rubric score below 2 means the candidate could not produce the
# answer (Again); 2-3 is a struggle (Hard); 3-4.25 a solid answer (Good); above, effortless (Easy).
_BANDS: tuple[tuple[float, Rating], ...] = ((2.0, Rating.Again), (3.0, Rating.Hard), (4.25, Rating.Good))


def rating_for(score: float) -> Rating:
    for upper, rating in _BANDS:
        if score < upper:
            return rating
    return Rating.Easy


class ReviewScheduler:
    """FSRS cards per question id, persisted through `History`."""

    def __init__(self, history: History, scheduler: Scheduler | None = None) -> None:
        self.history = history
        # No fuzzing: a candidate comparing two questions should see the schedule the scores imply.
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)

    def card(self, question_id: str) -> Card | None:
        return self._cards().get(question_id)

    def _cards(self) -> dict[str, Card]:
        """Every readable card; an unreadable one is left out (and counted in `history.unreadable`), so the
        question starts afresh instead of breaking due mode."""
        cards = {}
        for question_id, raw in self.history.cards().items():
            try:
                cards[question_id] = Card.from_json(raw)
            except (ValueError, KeyError, TypeError):
                self.history.unreadable.add(("review_cards", question_id))
        return cards

    def record(
        self, question_id: str, score: float, *, when: datetime | None = None, rating: Rating | None = None
    ) -> Card:
        """Review the question's card with the rating its score implies (or `rating`); returns the new card."""
        when = when or utc_now()
        card = self.card(question_id) or Card(card_id=_card_id(question_id), due=when)
        updated, _log = self.scheduler.review_card(card, rating or rating_for(score), review_datetime=when)
        self.history.save_card(question_id, updated.to_json())
        return updated

    def due_questions(self, now: datetime | None = None) -> list[str]:
        """Question ids whose card is due at `now`, most overdue first."""
        now = now or utc_now()
        due = [(card.due, qid) for qid, card in self._cards().items() if card.due <= now]
        return [qid for _, qid in sorted(due)]

    def next_due(self) -> datetime | None:
        """When the next card falls due, for telling the candidate when to come back."""
        dues = [card.due for card in self._cards().values()]
        return min(dues) if dues else None


def _card_id(question_id: str) -> int:
    # fsrs defaults the id to a timestamp and sleeps 1 ms to keep ids unique; a stable id avoids both.
    return int(hashlib.sha256(question_id.encode("utf-8")).hexdigest()[:12], 16)
