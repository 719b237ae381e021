"""The one stop-word list: words that carry grammar or nothing, never content. Rarity weights give them 0,
evidence needs words beyond them, and a real sentence has a healthy share of them (keyword stuffing has
few)."""

# Closed-class words (articles, pronouns, auxiliaries, prepositions, conjunctions, negations and their
# contractions) and the few verbs that only glue a sentence together ("let", "get").
_GRAMMAR = """a an the this that these those it its it's itself they them their theirs there here he she her hers
    him his we you your yours i me my our ours us is are was were be been being am has have had having do does
    did doing done can could will would shall should may might must of to in on at by for with from into onto
    over under about above below between through during before after against as than then now so and or but
    nor if else when while where which who whom whose what why how not no yes also too very just only all any
    each every some such both either neither other another more most less least much many few own same because
    since until unless although though whereas whether via per like up down out off again further once s t
    don't doesn't isn't aren't wasn't weren't can't cannot won't wouldn't shouldn't couldn't hasn't haven't
    hadn't didn't let lets get gets got"""
# Words a spoken answer leans on without saying anything: hedges, fillers and placeholder nouns. "I think it
# is kind of one thing, basically" is no evidence of anything.
_VAGUE = """really basically actually kind sort well yeah okay ok um uh know sure think guess maybe probably
    one ones thing things"""

STOP_WORDS = frozenset(_GRAMMAR.split()) | frozenset(_VAGUE.split())
