"""How rare a word is in general English: the weight of a word's meaning in an alignment."""

from functools import lru_cache

from wordfreq import zipf_frequency

from mockint.text.words import is_content


@lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """0..1 weight from the word's general English frequency (wordfreq Zipf scale): common words count
    little, rare technical words a lot. Independent of any one dataset, unlike a fitted IDF."""
    w = word.lower()
    if not is_content(w):
        return 0.0
    zipf = zipf_frequency(w, "en")
    # Zipf 7 is the commonest English word ("the"), 2 a rare one: (7 - zipf) / 5 maps that range onto 0..1;
    # the 0.05 floor keeps a common content word from vanishing.
    return float(min(1.0, max(0.05, (7.0 - zipf) / 5.0)))
