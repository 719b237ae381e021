from datetime import UTC, datetime, timedelta

from fsrs import Rating

from mockint.history.database import History
from mockint.history.review import ReviewScheduler, rating_for

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def test_score_bands_map_to_ratings():
    assert [rating_for(s) for s in (0, 1.9, 2, 2.9, 3, 4.2, 4.25, 5)] == [
        Rating.Again,
        Rating.Again,
        Rating.Hard,
        Rating.Hard,
        Rating.Good,
        Rating.Good,
        Rating.Easy,
        Rating.Easy,
    ]


def test_poor_answers_come_back_sooner():
    review = ReviewScheduler(History.from_settings())
    poor = review.record("poor", 0.5, when=T0)
    hard = review.record("hard", 2.5, when=T0)
    good = review.record("good", 3.5, when=T0)
    easy = review.record("easy", 5.0, when=T0)
    assert poor.due < hard.due <= good.due < easy.due
    assert review.due_questions(T0 + timedelta(minutes=2)) == ["poor"]


def test_cards_persist_and_due_list_is_most_overdue_first():
    history = History.from_settings()
    ReviewScheduler(history).record("a", 5.0, when=T0)
    ReviewScheduler(history).record("b", 1.0, when=T0)
    fresh = ReviewScheduler(History(history.path))  # a new process would see the same cards
    assert fresh.card("a").due > fresh.card("b").due
    far = T0 + timedelta(days=400)
    assert fresh.due_questions(far) == ["b", "a"]
    assert fresh.due_questions(T0) == []
    assert fresh.next_due() == fresh.card("b").due


def test_repeated_success_spaces_reviews_out():
    review = ReviewScheduler(History.from_settings())
    when = T0
    intervals = []
    for _ in range(4):
        card = review.record("q", 4.0, when=when)
        intervals.append(card.due - when)
        when = card.due
    assert intervals == sorted(intervals) and intervals[-1] > timedelta(days=3)


def test_explicit_rating_overrides_score():
    review = ReviewScheduler(History.from_settings())
    revealed = review.record("q", 5.0, when=T0, rating=Rating.Again)
    assert revealed.due - T0 < timedelta(hours=1)
