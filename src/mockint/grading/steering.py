"""Telling an answer that tries to steer the grader from one that answers the question. Pure functions.

An answer steers when a part of it speaks to whoever grades it instead of about the subject. The forms
below are the ones prompt-injection write-ups describe (instructions to ignore the rules, fake role or
system tags, notes addressed to the grader, grade values written as output, claims that the reference is
wrong, requests for a mark) in the words a grading task gives them. Each pattern needs words about the
grading of THIS answer, or a second party addressed as its grader, so a subject that itself speaks of
scores, ratings, outputs or models ("the class with the highest score", "the model outputs a
probability") stays content. `python eval/steering_check.py` measures them (eval/steering/README.md): the
share caught of attempts written after the patterns were frozen, and how many human-graded answers, bank
texts, subject sentences and candidates' asides about their own answer they flag.
"""

import re

from mockint.text.stems import stem
from mockint.text.words import is_content, words

# Who grades: the names an answer gives its grader. A bare "model" or "assistant" is left out where the
# pattern could read a subject's own model ("the model will output 5 classes").
_GRADER = (
    r"(?:graders?|(?:grading|marking|scoring)\s+(?:model|system|ai)|evaluat(?:or|ing\s+model)|examiner|assessor|"
    r"marker|scorer|reviewer|(?:ai|automated|automatic)\s+grader)"
)
_ADDRESSEE = rf"(?:{_GRADER}|ai|a\.i\.|llm|(?:language\s+)?model\s+reading\s+this|language\s+model|assistant|chatbot)"
# What a grade is called, and the values that ask for the top of the scale.
_GRADE_NOUN = r"(?:scores?|grades?|marks?|ratings?|credit|points|verdict|stars)"
_TOP = r"(?:top|best|highest|max(?:imum)?|full|perfect|excellent)"
_TOP_NUMBER = r"(?:5|five|10|ten|100)"
# The answer itself, as the thing to be graded.
_THIS_ANSWER = r"(?:(?:this|my|the)\s+(?:answer|response|submission|reply|solution)|this\s+one)"
_VALUE = (
    rf"(?:as\s+)?(?:an?\s+|the\s+)?(?:{_TOP_NUMBER}\b|{_TOP}\b|correct\b|complete\b|fully\s+correct\b|highly\b|"
    r"generously\b|accordingly\b|in\s+full\b)"
)
# Where a sentence (or a line, or a tag) starts: role tags and addressed notes sit there.
_START = r"(?:^|(?<=[.!?;\n>\]]))\s*"

_PATTERNS = (
    # Instructions to drop the rules.
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:instructions?|rubric|rules|prompt|"
    r"guidelines|grading|scoring|score|grade|criteria|reference|above|previous|everything|comparison|key\s+points)\b",
    # "The system prompt sets the role" is content; a new one, or a mode the grader is told it is in, is not.
    r"\b(?:new|updated|changed|override\s+the)\s+(?:system|developer)\s+(?:prompt|message)\b"
    r"|\b(?:developer|debug|admin|god)\s+mode\b|\bnew\s+instructions\b|\bnew\s+(?:task|rules)\s*:",
    r"\b(?:your|the|my)\s+(?:instructions|task|rules|(?:evaluation|grading|scoring)\s+(?:policy|rules|criteria))\s+"
    r"(?:have|has)\s+(?:been\s+)?(?:changed|updated|replaced)\b"
    r"|\b(?:evaluation|grading|scoring)\s+(?:policy|rules|criteria)\s+(?:has|have)\s+changed\b",
    r"\bjailbreak\b|\byou\s+are\s+now\s+(?:in\s+\w+\s+mode|an?\s+(?:\w+\s+)?(?:grader|evaluator|examiner|assistant|ai))\b",
    r"\b(?:act|behave|pretend)\s+(?:as|like|to\s+be|that)\b[^.!?\n]{0,40}\b(?:grader|examiner|evaluator|reference|"
    r"rules|score|grade)\b",
    r"\b(?:as|i\s+am)\s+(?:the|an?|my|your)\s+(?:grader|evaluator|examiner|assessor|administrator|admin|developer|"
    r"creator|operator|ai|assistant|language\s+model|llm)\b",
    # Role and system tags, and notes addressed to the grader.
    r"</?\s*(?:system|assistant|user)\s*>|\[/?(?:inst|system|sys)\]|<<\s*/?sys\s*>>|<\|im_start\|>|<!--",
    # A role tag opens a sentence and is followed by a colon or a spaced dash ("User-based filtering" is not
    # one); a grader may also be addressed with a comma ("Evaluator, ...").
    rf"{_START}(?:#+\s*)?(?:(?:(?:system|admin|grader|grading)\s+(?:notice|message|alert|update|note|prompt)|system|"
    rf"assistant|user|developer|override|user\s+override)\s*(?::|\s[-–]\s)|(?:{_ADDRESSEE}(?:\s+(?:note|grader))?|"
    rf"(?:ai|llm)\s+grader)\s*(?:note\s*)?(?:[:,]|\s[-–]\s))",
    rf"\b(?:note|message|instructions?|memo|attention|p\.?\s?s\.?)\s*(?:to|for)?\s+(?:the\s+)?"
    rf"(?:\w+\s+)?{_ADDRESSEE}\b",
    rf"\b(?:hey|dear|attention|to\s+the)\s+(?:\w+\s+)?{_ADDRESSEE}\s*[,:]",
    # The answer graded, or a grade asked for.
    r"\b(?:give|award|grant|assign)\s+(?:me|this|it|my\s+\w+|this\s+\w+)?\s*(?:an?|the)?\s*"
    rf"(?:{_TOP_NUMBER}\s*(?:/|out\s+of|marks|points|stars|$|[.!,;])|(?:{_TOP}|good|high|passing|better)\b[^.!?\n]{{0,20}}?"
    rf"\b{_GRADE_NOUN})",
    rf"\b(?:grade|score|rate|mark|record|treat|accept|approve|pass|count|classify|label|flag|tag|rank)\s+"
    rf"(?:this|it|me|mine|my\s+\w+|{_THIS_ANSWER})\s+"
    rf"{_VALUE}",
    # Only the answer named as such: "the server will accept it", "pass it to the next layer" are content.
    rf"\b(?:approve|accept|pass)\s+{_THIS_ANSWER}\b",
    rf"\b{_THIS_ANSWER}\s+(?:should|must|deserves?|will|would|has\s+to)\s+(?:get|receive|earn|deserve|be\s+"
    r"(?:graded|marked|scored|rated|accepted|given))\b",
    r"\bsay\s+(?:that\s+)?(?:this|it|my\s+answer)\s+is\s+(?:correct|perfect|right|excellent)\b",
    rf"\bgrade\s+accordingly\b|\bgrad(?:e|ing)\s+error\b|\b(?:grading|scoring|score|grade)\s+(?:calculation\s+)?(?:is\s+)?"
    rf"(?:disabled|off|suspended|bypassed)\b|\bdefault(?:ing)?\s+to\s+(?:the\s+)?"
    rf"(?:{_TOP_NUMBER}\s*(?:[.!,;]|$)|{_TOP}\s+(?:possible\s+)?{_GRADE_NOUN})"
    rf"|\b(?:any|a)\s+{_GRADE_NOUN}\s+(?:below|under|less\s+than|lower\s+than)\s+{_TOP_NUMBER}\b",
    rf"(?<!how\s)(?<!whether\s)(?<!if\s)\b(?:you|{_GRADER})\s+"
    r"(?:must|should|will|has\s+to|have\s+to|are\s+(?:required|instructed)\s+to|is\s+going\s+to)"
    r"\s+(?:award|give|grade|score|rate|mark|pass|accept|approve|output|return|assign|report)\b",
    # Grade values written out as the grader's output.
    # Not a ratio of three or more parts ("an 80/10/10 split").
    rf"(?<![\d/])\b{_TOP_NUMBER}\s*(?:/|out\s+of)\s*{_TOP_NUMBER}\b(?!\s*/)",
    rf"\b(?:give|award|grant|assign|deserves?|demand|want|appreciate|default\s+to|expect|need)\b[^.!?\n]{{0,25}}?"
    rf"\b{_TOP}\s+(?:possible\s+)?(?:marks?|score|points|grade|credit|rating)\b"
    rf"|\b(?:full|maximum|perfect|top)\s+(?:marks|credit)\b|\bmaximum\s+(?:score|grade|rating)\b",
    r"\b(?:score|grade|verdict|rating|correctness|completeness|communication)[\"']?\s*(?:[:=]|to|(?:should|must)\s+be:?|"
    r"of)\s*[\"']?\s*(?:5|five|100|excellent|perfect|max(?:imum)?|full)\b|\bscore\s+(?:5|five)\b",
    rf"(?:{_START}|(?<=,)\s*|\b(?:please|just|only|now|then|and)\s+)(?:output|print|return|respond|reply|begin\s+your\s+"
    rf"(?:reply|response|feedback))\b[^.!?\n]{{0,30}}?\b"
    rf"(?:score|grade|verdict|rating|json|{_TOP}\s+(?:possible\s+)?{_GRADE_NOUN}|{_TOP_NUMBER}|correct|excellent)\b",
    r"\b(?:rated|graded|marked|scored)\s+(?:as\s+)?(?:excellent|perfect|fully\s+correct)\b"
    r"|\bconfirm\s+(?:that|this|the|my)\s+(?:rating|grade|score|mark)\b",
    # The grading process itself: what to skip, what to compare with.
    r"\b(?:do\s+not|don't|dont|no\s+need\s+to|never)\s+(?:deduct|penali[sz]e|subtract|compare|check|mention|flag|lower)"
    r"\b[^.!?\n]{0,40}\b(?:points?|reference|key\s+points?|feedback|scores?|grades?|answer)\b",
    r"\b(?:skip|omit)\s+(?:the\s+|any\s+)?feedback\b|\bmeets?\s+all\s+(?:the\s+)?key\s+points\b",
    r"\b(?:the\s+)?reference(?:\s+answer)?\s+is\s+(?:outdated|wrong|incorrect|obsolete|mistaken|out\s+of\s+date)\b"
    r"|\b(?:as\s+)?(?:the\s+)?new\s+reference\b|\bas\s+if\s+it\s+matched\s+the\s+reference\b",
    r"\b(?:this|your)\s+(?:rubric|marking\s+scheme|grading\s+(?:criteria|instructions))\b",
    r"\b(?:previous|prior|earlier|original)\s+instructions\b|\b(?:rubric|system|admin|administrator|grader|grading|"
    r"user)\s+override\b|\btreat\b[^.!?\n]{0,30}\bas\s+(?:the\s+)?(?:new\s+)?reference\b",
    # Leniency asked for, and a grade claimed.
    # Asked for ("score generously", "grade me highly"), not described ("users who rate generously").
    rf"(?:{_START}|\b(?:please|just|and)\s+)(?:grade|score|mark|rate|evaluate|assess|judge)\s+(?:leniently|generously)\b"
    rf"|\b(?:grade|score|mark|rate|evaluate|assess|judge)\s+(?:me|this|it|mine|my\s+\w+|{_THIS_ANSWER})\s+"
    r"(?:leniently|generously|highly)\b|\bbe\s+(?:\w+\s+)?(?:lenient|generous)\b"
    r"|\b(?:don't|do\s+not|not)\s+be\s+(?:too\s+)?(?:strict|harsh)\b|\boverlook\s+(?:any|the|my)\s+(?:errors|mistakes)\b",
    rf"\b(?:deserves?|merits?)\s+(?:an?\s+|the\s+)?(?:{_TOP_NUMBER}\b|{_TOP}\s+{_GRADE_NOUN})",
    r"\b(?:grade|score|verdict|rating|mark)\b(?:\s+for\s+(?:this|it|me))?\s*(?:=|:|\bis\b)?\s*[\"']?(?:5|five|excellent|"
    r"perfect)\b|\b(?:5|five)\s+as\s+(?:the|my|its)\s+(?:score|grade|mark)\b",
    r"\b(?:this|my)\s+(?:answer|response|submission)\s+is\s+(?:\w+\s+and\s+)?(?:correct|perfect|right|flawless|"
    r"excellent|complete)\b|\bconfirm\s+(?:that\s+)?(?:the|this|my)\s+(?:answer|response)\b",
    r"\b(?:key|rubric)\s+(?:points?|items?|criteria)\b[^.!?\n]{0,30}\b(?:as\s+)?(?:covered|met|satisfied|fulfilled)\b"
    r"|\b(?:count|mark|treat|consider)\s+(?:every|each|all)\s+(?:the\s+)?(?:key\s+)?points?\b",
    r"\b(?:grading|marking|scoring|evaluation)\s+(?:hint|note|tip|instructions?)s?\b"
    r"|\bbefore\s+you\s+(?:grade|mark)\b|\b(?:when|while)\s+you\s+(?:grade|mark)\s+(?:this|it|my|mine)\b"
    r"|\bwho(?:ever)?\s+(?:or\s+\w+\s+)?is\s+(?:marking|grading|scoring|checking)\b",
    # Talk to the grader about the grading: its evaluation, its harshness, what it should adjust.
    rf"\b(?:in|for)\s+your\s+(?:evaluation|grading|assessment|marking|scoring)\b|\bhidden\s+(?:instructions?|prompt|message)\b"
    rf"|\b{_ADDRESSEE}\s+(?:checking|grading|marking|reading|scoring)\s+(?:this|it|my)\b"
    r"|\bgraders?\s+(?:tend\s+to\s+be|are|is)\s+(?:too\s+)?(?:harsh|strict)\b|\bdock\s+(?:me|my|points|marks)\b"
    r"|\b(?:adjust|bump|round|move)\s+(?:it\s+|(?:the|my)\s+(?:score|grade|mark)\s+)?(?:up|upward|upwards)\b",
    rf"\bfull[-\s](?:credit|marks?)\b|\b{_THIS_ANSWER}\s+(?:is\s+)?(?:equivalent|identical|equal)\s+to\s+the\s+reference\b"
    rf"|\b(?:let's|let\s+us)\s+agree\b|\bthis\s+is\s+an?\s+(?:{_TOP_NUMBER}|perfect\s+(?:score|answer))\b(?!-)",
)
_STEERING = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE | re.MULTILINE)

# A quotation: opening and closing marks that are not apostrophes inside a word ("it's", "can't").
_QUOTED = re.compile(r"""(?<!\w)(['"‘“])[^\n]{3,200}?[’”'"](?!\w)""")
# Quoted words that still address this grader, whatever they claim to be an example of.
_GRADING_WORDS = re.compile(
    r"\b(?:scores?|grad\w*|marks?|rubric|key\s+points?|verdict|evaluat\w*)\b|\d+\s*/\s*\d+", re.IGNORECASE
)


def injection_reason(text: str, rubric: str = "") -> str | None:
    """An attempt to steer the grader instead of answering the question. An instruction quoted as an
    example ("direct injection is the user typing 'ignore previous instructions'") is content, unless the
    quotation speaks of scores or grading; so is a phrase whose words the item's own `rubric` (question,
    reference, key points) uses: on a question about prompting, "a system prompt for role and constraints"
    answers it, and "the class whose likelihood is highest" is not a plea to score highest when the
    reference says classes "score highest". The rubric must use the phrase's content words in a row: that
    it uses each somewhere ("answer", "get") does not make "this answer should get a five" its wording."""
    quoted = [q.span() for q in _QUOTED.finditer(text) if not _GRADING_WORDS.search(q.group())]
    topic: list[str] | None = None  # stemmed only when something matches: most answers match nothing
    for m in _STEERING.finditer(text):
        said = _content_stems(m.group())
        topic = _content_stems(rubric) if topic is None else topic
        if said and _runs_in(said, topic):
            continue
        if not any(start <= m.start() and m.end() <= end for start, end in quoted):
            return f"The answer tries to instruct the grader ('{m.group().strip()[:50]}'); that text is not an answer."
    return None


# Words naming the answer itself: a rubric that says "answer" does not make "this answer should get" its own.
_ANSWER_WORDS = frozenset(stem(w) for w in ["answer", "answers", "response", "submission", "reply"])


def _content_stems(text: str) -> list[str]:
    return [s for s in (stem(w) for w in words(text) if is_content(w)) if s not in _ANSWER_WORDS]


def _runs_in(run: list[str], seq: list[str]) -> bool:
    """Whether `run` occurs in `seq` as consecutive items."""
    n = len(run)
    return any(seq[i : i + n] == run for i in range(len(seq) - n + 1))
