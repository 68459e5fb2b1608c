"""The words the attribution rules know: reporting cues, the words a source may or may not hold, pronouns.

Chosen on PolNeAR's train split (../shared/attribution): a verb is here when annotators marked it as a cue
in most of its uses there, or when it is a plain verb of saying the split happens to lack. ``CUES`` adds the
forms bench/mine_cues.py mined from the same split (``mined.py``) and leaves out those it found to do harm.
"""

from __future__ import annotations

from index.attribution import mined

# Verbs of saying, writing and announcing: "X said (that) Y", "“Y,” X said", "“Y,” said X".
_SPEECH = """say tell add write ask note report announce tweet explain argue claim state insist warn
acknowledge admit declare predict promise pledge vow recall reply respond continue suggest urge assert
concede confirm deny reveal complain contend maintain stress emphasize reiterate repeat remark joke
observe point_out point_to allege charge boast caution testify quip shout yell email post retweet
estimate mention describe indicate conclude agree disclose counter lament muse speculate wonder hint
remind assure inform recount answer retort scoff""".split()
# Verbs of thinking, wanting and judging: a source holds the content ("X believes Y").
_STANCE = """believe think hope fear expect worry doubt feel know want wish prefer find show
refer_to talk_about speak_about""".split()
# Verbs whose object is what the source backs or attacks ("X endorsed Clinton"): cues in PolNeAR.
_ACTION = """endorse criticize accuse praise blast attack defend reject dismiss denounce blame condemn
slam mock question call_for call_on call propose oppose support back cite decline refuse seek""".split()

_IRREGULAR = {
    "say": ["say", "says", "said", "saying"],
    "tell": ["tell", "tells", "told", "telling"],
    "write": ["write", "writes", "wrote", "writing", "written"],
    "think": ["think", "thinks", "thought", "thinking"],
    "feel": ["feel", "feels", "felt", "feeling"],
    "know": ["know", "knows", "knew", "known"],
    "seek": ["seek", "seeks", "sought", "seeking"],
    "find": ["find", "finds", "found", "finding"],
    "show": ["show", "shows", "showed", "showing", "shown"],
    "speak": ["speak", "speaks", "spoke", "speaking"],
    "post": ["post", "posts", "posted", "posting"],
}


def _forms(lemma: str) -> list[str]:
    """A regular English verb's four forms (the rules of -s, -ed and -ing, not a dictionary)."""
    if lemma in _IRREGULAR:
        return _IRREGULAR[lemma]
    if lemma.endswith("e"):
        ed, ing = lemma + "d", lemma[:-1] + "ing"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        ed, ing = lemma[:-1] + "ied", lemma + "ing"
    elif lemma in ("admit", "quip", "scoff"):
        ed, ing = lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"
    else:
        ed, ing = lemma + "ed", lemma + "ing"
    if lemma.endswith(("s", "sh", "ch", "x")):
        s = lemma + "es"
    elif lemma.endswith("y") and lemma[-2] not in "aeiou":
        s = lemma[:-1] + "ies"
    else:
        s = lemma + "s"
    return [lemma, s, ed, ing]


def _table(lemmas: list[str]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for lemma in lemmas:
        head, _, particle = lemma.partition("_")
        for form in _forms(head):
            out.setdefault(form, set()).add(particle)
    return {form: frozenset(p) for form, p in out.items()}


SPEECH = _table(_SPEECH)
"""form → the particles that belong to the cue ("pointed" → {"out"}); "" when the bare verb is a cue."""
STANCE = _table(_STANCE)
ACTION = _table(_ACTION)
HAND_CUES = {**ACTION, **STANCE, **SPEECH}
"""The hand-written cues; ``CUES`` adds the forms mined from PolNeAR train (``mined.py``) and leaves out the
hand-written forms that did badly there."""
CUES: dict[str, frozenset[str]] = {}


def set_cues(added: dict[str, frozenset[str]], dropped: frozenset[str]) -> None:
    """Make ``CUES`` the hand-written cues less ``dropped`` plus ``added`` (in place: bench/mine_cues.py tries
    other lists this way)."""
    cues = {form: p for form, p in HAND_CUES.items() if form not in dropped}
    for form, particles in added.items():
        cues[form] = cues.get(form, frozenset()) | particles
    CUES.clear()
    CUES.update(cues)


set_cues(mined.ADDED, mined.DROPPED)
# Bare "know", "feel", "back", "support", "question" are mostly not cues: they need a that-clause.
WEAK = frozenset("know knows knew known feel feels felt feeling back backs backed backing support supports "
                 "question questions questioned questioning continue continues continued continuing".split())
# Verbs that are nouns too ("the state", "his email", "attacks"): their bare and -s forms are cues only after a
# pronoun or an auxiliary ("he states", "will post"), or before "that" or a quotation.
_NOUNS = """state attack email post point report claim answer promise tweet note remark fear hope doubt estimate
charge support question call back pledge vow quote comment counter joke praise blame plan request reply
continue show testify insist warn""".split()
NOUN_FORMS = frozenset(f for n in _NOUNS for f in _forms(n)[:2])

# Verbs that take the hearer as object before the content: "told reporters (that) ...".
HEARER = frozenset(_forms("tell") + _forms("remind") + _forms("assure") + _forms("inform") + _forms("ask")
                   + _forms("warn") + _forms("urge"))

PERSONAL = frozenset("he she they i we you".split())
"""Pronouns that may be a source ("he said"); "it" and the relative "who", "which" are sources too."""
PRONOUN_SOURCES = PERSONAL | {"it", "who", "which", "that"}

# Words before a cue that are skipped to reach its subject: "Trump has also said", "she later wrote".
AUXILIARY = frozenset("""has have had also later previously repeatedly once then again never still just even often
already recently publicly reportedly initially first last earlier would will may might could should can did does
do is was were are be been not n't simply only frequently long quickly privately openly explicitly
flatly separately similarly specifically essentially bluntly angrily further famously""".split())

DETERMINERS = frozenset("the a an his her its their our my your this these those some many several both "
                        "all most few".split())
# Lower-case words that end a source noun phrase when met walking left from the cue.
BOUNDARY = frozenset("""and or but nor so yet because since although though while when where whether if unless
until after before as than that which whom what how why with without from into onto upon about against between
among through during in on at by to over under like unlike despite including per via also is was are were be been
being has have had do does did will would can could should may might must not there here then now""".split())
# Inside a source these join two parts: "spokesman for the campaign", "the mayor of Chicago".
JOINERS = frozenset("of for".split())

MONTHS_DAYS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
today yesterday tonight""".split())
# Capitalised words that are never a name a pronoun could stand for.
NOT_NAMES = MONTHS_DAYS | frozenset("""the a an but and or in on at he she it they we i you this that these those
when while if as after before according so there his her their mr mrs ms""".split())
TITLES = frozenset("""mr mrs ms dr sen rep gov gen lt col capt sgt president senator governor secretary
representative rev pope chairman speaker judge justice mayor""".split())
FEMALE = frozenset("mrs ms she her hillary".split())
