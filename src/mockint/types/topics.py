"""A topic's name as the candidate reads it, from its slug (the `topic` of a bank question)."""

# Slug words that are written in capitals (or mixed case) in prose. A slug is lower case by rule, and the bank
# declares no display names, so capitalising its first word made "Nlp", "Mlops" and "Llms rag". Listed by hand:
# a word is an acronym only by convention; a word not here (an imported bank's own) reads as a plain word.
_WRITTEN_AS = {
    "ai": "AI",
    "api": "API",
    "cv": "CV",
    "gpu": "GPU",
    "llm": "LLM",
    "llms": "LLMs",
    "ml": "ML",
    "mlops": "MLOps",
    "nlp": "NLP",
    "rag": "RAG",
    "sql": "SQL",
}
# Shipped topics whose slug runs two subjects together, where the words alone read as one ("LLMs RAG").
_JOINED = {"llms-rag": "LLMs & RAG", "data-engineering-sql": "Data engineering & SQL"}


def topic_name(slug: str) -> str:
    """'llms-rag' -> 'LLMs & RAG', 'classical-ml' -> 'Classical ML', 'deep-learning' -> 'Deep learning'."""
    if slug in _JOINED:
        return _JOINED[slug]
    words = [_WRITTEN_AS.get(word, word) for word in slug.split("-")]
    if words and words[0] == words[0].lower():
        words[0] = words[0].capitalize()
    return " ".join(words)
