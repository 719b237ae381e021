"""The offline card's depth: how far an answer goes into the item's explanation, anchored on the item itself."""

import pytest

from mockint.doors.bank_files import load_bank
from mockint.doors.embeddings import shared_local_embedder
from mockint.grading.offline.grader import OfflineGrader
from mockint.types.grade import GradingItem

pytestmark = pytest.mark.slow

DPO = GradingItem(
    question_id="dpo",
    question="How does Direct Preference Optimization (DPO) work, and what are its trade-offs compared with PPO-based "
    "RLHF?",
    reference_answer="DPO skips the explicit reward model and the RL loop: the KL-regularised objective has a "
    "closed-form optimal policy, so the policy is trained directly on preference pairs with a logistic loss on the "
    "log-probability ratios against a frozen reference model. It is simpler, cheaper and more stable than PPO, but "
    "it is offline and cannot learn from the policy's own new samples unless run iteratively.",
    explanation="Because the optimal policy of the KL-constrained reward maximisation can be written in terms of the "
    "reward, the reward can be expressed through the policy itself, so preferences train the policy directly. PPO "
    "needs policy, reference, reward and value models and on-policy sampling, which makes it costly and unstable to "
    "tune. Without exploration DPO can overfit the preference data and drift where the data say nothing.",
    key_points=[
        "DPO optimises the policy directly on preference pairs without a separate reward model",
        "DPO is simpler and more stable than PPO because it needs no sampling loop or value model",
        "DPO is offline and cannot learn from the policy's own new samples unless used iteratively",
    ],
)
# Both answers make every key point; only the first says why.
REASONED = (
    "DPO drops the reward model and the PPO loop. Because the KL-regularised objective has a closed-form optimum, "
    "the reward can be written through the policy, so you train the policy directly on preference pairs with a "
    "logistic loss. It's simpler and more stable than PPO since there's no value model or on-policy sampling, which "
    "is what makes PPO costly to tune. The downside is that it's offline: it only learns from a fixed preference "
    "dataset, so it can't learn from its own new samples unless you run it iteratively."
)
HEADLINES = (
    "DPO trains the policy on preference pairs without a reward model. It is simpler and more stable than PPO. "
    "It is offline, so it cannot learn from its own new samples unless used iteratively."
)


REVIEWED = (
    "DPO drops the separate reward model and the PPO sampling loop. Because the KL-regularised RLHF objective has a "
    "closed-form optimum, you can train the policy directly on preference pairs with a logistic loss: it pushes up "
    "the log-probability ratio of the chosen response against a frozen reference model relative to the rejected one, "
    "and beta controls how far the policy can drift from the reference. It's simpler, cheaper and more stable than "
    "PPO since there's no value model or on-policy sampling. The downside is that it's offline: it only learns from "
    "a fixed preference dataset, so it can't explore or learn from its own new mistakes unless you run it "
    "iteratively."
)


@pytest.fixture(scope="module")
def grader():
    return OfflineGrader(embedder=shared_local_embedder())


def test_an_answer_that_gives_the_reasons_is_deeper_than_one_that_lists_the_points(grader):
    reasoned, headlines = grader.grade(DPO, REASONED), grader.grade(DPO, HEADLINES)
    assert reasoned.dimensions.depth.score >= headlines.dimensions.depth.score + 0.5
    assert reasoned.dimensions.depth.reason == "Goes into the reasoning, not just the headline."


def test_a_complete_reasoned_answer_shorter_than_the_reference_goes_into_the_reasoning(grader):
    # A candidate's review: this answer makes all five points with their reasons, and depth said "Says what, but
    # not enough of why or how" (3.3) because the bank's reference answer is longer.
    item = GradingItem.from_question(next(q for q in load_bank(None).questions if q.id == "llm-dpo-vs-ppo"))
    depth = grader.grade(item, REVIEWED).dimensions.depth
    assert depth.score >= 4.0
    assert depth.reason == "Goes into the reasoning, not just the headline."


def test_depth_runs_from_the_question_to_the_reference_answer(grader):
    _, _, reference = grader.analyse(DPO, DPO.reference_answer)
    _, _, restated = grader.analyse(DPO, DPO.question)
    assert reference.features["depth"] == pytest.approx(1.0)
    assert restated.features["depth"] == pytest.approx(0.0)


def test_without_an_explanation_depth_falls_back_to_length(grader):
    bare = DPO.model_copy(update={"explanation": ""})
    _, _, analysis = grader.analyse(bare, REASONED)
    assert "depth" not in analysis.features
    assert grader.grade(bare, REASONED).dimensions.depth.score > 0
