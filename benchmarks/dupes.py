"""The similarity distributions the near-duplicate threshold is set from (`python -m benchmarks.run dupes`).

Paraphrase pairs (one question reworded) must be flagged; distinct questions on one subject must not.
"""

from pathlib import Path

import numpy as np

from mockint.bank.near_duplicates import (
    DEFAULT_THRESHOLD,
    duplicate_text,
    find_near_duplicates,
    nearest_neighbour_similarities,
)
from mockint.doors.bank_files import load_bank
from mockint.doors.embeddings import shared_local_embedder

# Paraphrases of one question (reworded question and answer): the near-duplicate check must flag these.
PARAPHRASES = [
    (
        "What is dropout?\nDropout randomly disables units during training to reduce overfitting.",
        "Can you explain the dropout technique?\nDuring training it switches off random neurons so the network "
        "overfits less.",
    ),
    (
        "What is backpropagation?\nIt computes gradients layer by layer so neural networks can learn.",
        "How does backprop work?\nIt works out the gradient of the loss for each layer, from the output backwards, "
        "so the network's weights can be trained.",
    ),
    (
        "What is a CNN?\nA convolutional neural network uses filters to learn spatial features.",
        "Explain what a convolutional network is.\nA network that slides learned filters over the input to pick "
        "up spatial patterns.",
    ),
    (
        "Why do neural networks need activation functions?\nActivations add non-linearity so networks can model "
        "complex patterns.",
        "What would happen without activation functions in a neural net?\nThey introduce non-linearity; without "
        "them the network could only represent linear functions.",
    ),
    (
        "What is vanishing gradient?\nIt happens when gradients become too small for early layers to learn.",
        "Explain the vanishing gradient problem.\nGradients shrink as they flow back, so the first layers barely "
        "get updated and stop learning.",
    ),
    (
        "Why is dot-product attention scaled by the square root of the key dimension?\nThe dot product's variance "
        "grows with d_k; dividing by sqrt(d_k) keeps the softmax from saturating.",
        "Why divide attention scores by sqrt(d_k)?\nWithout the scaling, large dot products push the softmax into "
        "a near one-hot regime with vanishing gradients, since their variance grows with the key dimension.",
    ),
    (
        "What is the difference between a standard deviation and a standard error?\nThe standard deviation is the "
        "spread of observations; the standard error is the spread of an estimate such as the mean.",
        "Standard error versus standard deviation: how do they differ?\nStandard deviation measures how individual "
        "data points vary; standard error measures how much a sample mean would vary across samples.",
    ),
    (
        "Does zero correlation between two variables mean they are independent?\nNo. Correlation only measures "
        "linear association; Y = X^2 has zero correlation with a symmetric X but depends on it.",
        "If two variables are uncorrelated, are they independent?\nNot necessarily: correlation captures only "
        "linear relationships, so X and X squared can be uncorrelated while fully dependent.",
    ),
    (
        "What is Simpson's paradox?\nA trend that holds within every subgroup reverses once the groups are "
        "combined, because of an unevenly distributed third variable.",
        "Explain Simpson's paradox.\nWhen data are aggregated, a relationship seen in each subgroup can flip "
        "direction because a confounder is spread unevenly across the groups.",
    ),
    (
        "What is perplexity?\nThe exponential of the average negative log-likelihood per token on held-out text; "
        "lower is better.",
        "How is perplexity of a language model defined?\nIt is exp of the mean per-token cross-entropy on "
        "held-out data, so a lower value means a better model.",
    ),
    (
        "What is the central limit theorem?\nThe mean of many i.i.d. observations with finite variance is "
        "approximately normal, whatever the original distribution.",
        "State the CLT.\nAverages of many independent draws from any distribution with finite variance are "
        "roughly normally distributed.",
    ),
    (
        "What is the difference between static and contextual word embeddings?\nA static embedding gives a word "
        "one vector everywhere; a contextual one depends on the sentence.",
        "How do contextual embeddings differ from static ones like word2vec?\nStatic vectors are fixed per word, "
        "while contextual vectors change with the surrounding sentence.",
    ),
    (
        "What is batch normalization?\nIt normalizes each feature over the mini-batch, then rescales it with a "
        "learned scale and shift.",
        "Explain batch norm.\nActivations are standardized with the batch mean and variance and then given a "
        "trainable gain and bias.",
    ),
    (
        "What is overfitting?\nThe model fits noise in the training data and generalizes poorly to new data.",
        "What does it mean when a model overfits?\nIt has memorized the training set, including its noise, so "
        "performance on unseen data is much worse.",
    ),
    (
        "What is a p-value?\nThe probability of data at least as extreme as observed if the null hypothesis is true.",
        "How would you define a p-value?\nAssuming the null hypothesis holds, it is the chance of seeing a result "
        "as extreme as ours or more.",
    ),
    (
        "What is the purpose of multi-head attention?\nEach head attends in its own subspace, so the model can "
        "capture several kinds of relationships at once.",
        "Why use several attention heads rather than one?\nDifferent heads project into different subspaces and "
        "can focus on different relations between tokens in parallel.",
    ),
    (
        "What is a learning rate warmup?\nThe learning rate starts small and rises over the first steps to keep "
        "early training stable.",
        "Why do we warm up the learning rate?\nStarting from a tiny step size and increasing it gradually avoids "
        "unstable updates at the beginning of training.",
    ),
    (
        "What is byte-pair encoding?\nA tokenizer that starts from characters and repeatedly merges the most "
        "frequent adjacent pair into a new symbol.",
        "How does BPE tokenization work?\nBeginning with single characters, it keeps merging the most common pair "
        "of neighbouring symbols to build its vocabulary.",
    ),
    (
        "What is the bias-variance trade-off?\nSimple models underfit with high bias; flexible models overfit with "
        "high variance; total error balances the two.",
        "Explain the tradeoff between bias and variance.\nMore complex models reduce bias but increase variance, "
        "so the best generalization comes from balancing them.",
    ),
    (
        "What is a sample ratio mismatch?\nThe observed split between experiment arms differs significantly from "
        "the configured split, signalling a bug.",
        "What is SRM in A/B testing?\nWhen the number of users in each arm deviates from the intended allocation "
        "more than chance allows, which points to an assignment or logging problem.",
    ),
]

# Distinct questions on one subject: the check must NOT flag these.
SAME_SUBJECT = [
    (
        "What is dropout?\nDropout randomly disables units during training to reduce overfitting.",
        "Is dropout used at inference time?\nNo; at inference all units are kept and activations are scaled "
        "(or training used inverted dropout).",
    ),
    (
        "What is backpropagation?\nIt computes gradients layer by layer so neural networks can learn.",
        "How does backpropagation relate to gradient descent?\nBackpropagation computes the gradients; gradient "
        "descent uses them to update the weights.",
    ),
    (
        "What is BLEU?\nA precision-oriented n-gram overlap metric for machine translation.",
        "What is ROUGE?\nA recall-oriented overlap metric used to evaluate summaries.",
    ),
    (
        "What is a type I error?\nRejecting a true null hypothesis: a false positive.",
        "What is statistical power?\nThe probability of detecting a true effect: one minus the type II error rate.",
    ),
    (
        "What is vanishing gradient?\nIt happens when gradients become too small for early layers to learn.",
        "What is an exploding gradient and how do you fix it?\nGradients grow without bound through layers; "
        "gradient clipping and careful initialization help.",
    ),
    (
        "What is batch normalization?\nIt normalizes each feature over the mini-batch, then rescales it.",
        "Why do transformers use layer normalization instead of batch normalization?\nLayerNorm normalizes each "
        "sample over its features, with no dependence on batch size or sequence length.",
    ),
    (
        "How does word2vec learn embeddings?\nIt trains a shallow network to predict context words and keeps the "
        "learned weights as word vectors.",
        "How does GloVe differ from word2vec?\nGloVe fits vectors to a global co-occurrence matrix instead of "
        "predicting local context windows.",
    ),
    (
        "What is a confidence interval?\nA range produced by a procedure that covers the true value in a stated "
        "share of repeated experiments.",
        "What is a credible interval?\nA Bayesian range that contains the parameter with a stated posterior "
        "probability.",
    ),
    (
        "What is BPE?\nA tokenizer that merges the most frequent adjacent symbol pairs.",
        "Why do GPT tokenizers use byte-level BPE?\nWorking on UTF-8 bytes means any text can be encoded without "
        "unknown tokens.",
    ),
    (
        "What is an A/B test?\nA randomized experiment comparing a control and a treatment on a metric.",
        "How do you pick the sample size for an A/B test?\nFrom the baseline rate, the minimum detectable effect, "
        "alpha and power.",
    ),
    (
        "What is self-attention?\nEach token computes weights over all tokens from query-key similarity and mixes "
        "their values.",
        "Why is self-attention expensive for long sequences?\nEvery token attends to every other, so cost grows "
        "quadratically with length.",
    ),
    (
        "What is L2 regularization?\nIt adds the squared weight norm to the loss, shrinking weights toward zero.",
        "What is L1 regularization and why does it give sparse models?\nThe absolute-value penalty has a corner "
        "at zero, so many weights become exactly zero.",
    ),
]


def measure_near_duplicates(corpus: Path | None) -> dict:
    bank = load_bank(corpus)
    embedder = shared_local_embedder()
    ids = [q.id for q in bank.questions]
    vectors = embedder.embed([duplicate_text(q) for q in bank.questions])
    nn = nearest_neighbour_similarities(vectors)
    para = [_pair_similarity(embedder, a, b) for a, b in PARAPHRASES]
    same = [_pair_similarity(embedder, a, b) for a, b in SAME_SUBJECT]
    closest = find_near_duplicates(ids, vectors, float(np.sort(nn)[-1]) - 1e-6)
    return {
        "questions": len(bank),
        "nn": nn,
        "closest": ", ".join(f"{p.first} ~ {p.second}" for p in closest[:1]),
        "para": para,
        "same": same,
        "best": _best_threshold(para, same, float(nn.max())),
        "flagged": len(find_near_duplicates(ids, vectors, DEFAULT_THRESHOLD)),
    }


def _best_threshold(para: list[float], same: list[float], bank_max: float) -> float:
    """Middle of the threshold range that best separates paraphrases from distinct pairs (recall minus
    false-flag rate), kept above every current bank pair."""

    def merit(t: float) -> float:
        return sum(p >= t for p in para) / len(para) - sum(s >= t for s in same) / len(same)

    grid = [float(t) for t in np.arange(0.5, 0.96, 0.005) if t > bank_max]
    top = max(merit(t) for t in grid)
    plateau = [t for t in grid if merit(t) == top]
    return round((plateau[0] + plateau[-1]) / 2, 3)


def _pair_similarity(embedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return float(va @ vb)
