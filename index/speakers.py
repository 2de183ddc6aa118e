"""Who speaks in each passage of an article, found once at index build.

News attributes speech in a few fixed shapes: `“…,” Austin said`, `said Austin`, `Gallant said: “…`,
reported speech (`Austin warned Gallant …`) and `according to X`. Quotations are masked first so
words inside them never count, then a speech verb's subject is read off the words to its left.
Names are resolved within one article (titles, surnames, he/she/they), and anything unsure is
dropped: a wrong speaker is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from .analysis import fold_accents
from .calendar import MONTHS, WEEKDAYS
from .stopwords import STOPWORDS

#: Bump when the rules change what speakers are found: saved indexes then rebuild.
SPEAKERS_VERSION = 3


@dataclass(frozen=True)
class ArticleSpeakers:
    """Speakers per passage, plus the names each speaker goes by, so a question's "the defense
    secretary" can be matched to "Lloyd Austin" without re-reading the article."""
    speakers: list[tuple[str, ...]]     # per passage: canonical names, main speaker first; () if nobody
    aliases: dict[str, tuple[str, ...]]  # canonical name -> casefolded forms naming it in this article


def _forms(base: str) -> set[str]:
    """Finite forms of a regular verb (no -ing: participles are too often not speech)."""
    if base.endswith("e"):
        return {base, base + "s", base + "d"}
    if base.endswith("y") and base[-2] not in "aeiou":
        return {base, base[:-1] + "ies", base[:-1] + "ied"}
    return {base, base + ("es" if base.endswith(("s", "sh", "ch", "x")) else "s"), base + "ed"}


SPEECH_VERBS: frozenset[str] = frozenset(
    {"say", "says", "said", "tell", "tells", "told", "write", "writes", "wrote",
     "admit", "admits", "admitted"}
    | {f for b in """warn claim declare announce emphasize emphasise stress urge insist note add describe
       call detail express ask reiterate confirm deny acknowledge argue state vow pledge criticize
       criticise explain suggest assert contend reply respond testify promise threaten recall comment
       complain predict reveal report caution allege accuse demand concede condemn praise tweet
       highlight""".split()
       for f in _forms(b)})
# -s forms that are as often plural nouns ("US states", "the claims"): need a known subject.
_NOUNISH = frozenset("calls claims notes states details vows pledges comments reports promises demands "
                     "stresses tweets replies praises".split())
SAY_INVERTED = frozenset({"said", "says", "added", "asked", "wrote", "told"})
_AFTER_INVERTED = frozenset("in on at during after before who adding when while as".split())

ROLES = frozenset("""secretary minister president premier chancellor senator sen representative rep
    governor gov mayor ambassador envoy spokesman spokeswoman spokesperson chief general gen admiral
    adm commander director chairman chairwoman adviser advisor counterpart leader king queen prince
    judge attorney prosecutor coordinator mr mrs ms dr prof lt col capt sgt""".split())
_HONORIFICS = frozenset("mr mrs ms dr prof".split())
_DEPTS = frozenset("""defense defence state homeland security treasury commerce energy health education
    labor agriculture justice interior transportation war foreign affairs finance staff""".split())
_TITLE_MODS = frozenset("national prime vice deputy senior former top acting military press".split()) | _DEPTS
GROUP_NOUNS = frozenset("""officials official spokesman spokeswoman spokesperson spokespeople sources source
    analysts experts diplomats lawmakers critics authorities police military army government ministry
    administration aides advisers residents witnesses activists observers investigators prosecutors
    protesters leaders negotiators medics doctors officers embassy agency""".split())
_TITLE_WORDS = ROLES | _TITLE_MODS
_PHRASE_WORDS = GROUP_NOUNS | _TITLE_WORDS
_INSTITUTIONS = frozenset("military army government ministry administration embassy agency police".split())
_QUANTIFIERS = frozenset("a an the other some several many two three few senior top".split())
NON_NAMES = STOPWORDS | frozenset("""today yesterday tomorrow tonight meanwhile however despite still instead
    earlier later last next according asked reports studies polls surveys data documents records headlines
    figures everyone everybody nobody someone somebody anyone people others""".split()) | frozenset(
    WEEKDAYS) | frozenset(MONTHS) - {"may"}
_NOT_NAME = NON_NAMES | ROLES | _DEPTS
_ORG_WORDS = frozenset("""house council department ministry office agency forces army party union nations
    states committee court bank company group organization authority times post news network institute
    university center centre command parliament congress senate""".split())
_BOUNDARY = frozenset(",;:(—–-.!?") | frozenset(
    "and but that after before when while as because since although though so if where whereas then "
    "until once or".split())
_SKIP = frozenset("also has have had will would could may might should did does do repeatedly reportedly "
                  "previously later then again publicly privately once recently earlier further already "
                  "quickly firmly flatly openly bluntly".split())
_BLOCK = frozenset("to is are was were be been being not never n't who which".split())
_PRONOUNS = {"he": "person", "she": "person", "they": "group", "it": "org"}
_AMBIGUOUS = ""  # alias-map value for a form that names two speakers

Q = "\x1f"  # a whole quotation in masked text
_TOKEN = re.compile(r"\x1f|(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt|Adm)\.|(?:[A-Z]\.){2,}"
                    r"|[A-Z]\.(?=\s)|[\w’'-]+|[^\w\s]")
# The cheap pre-check: one findall of plain words per passage, then set look-ups.
_WORDS = re.compile(r"[A-Za-z]+")
_SCANNED = SPEECH_VERBS | {"according"}   # what _scan acts on, casefolded
_TRIGGER_WORDS = _SCANNED | {"According"}  # the same, as a passage's plain words show them
_ROLE_WORDS = ROLES | {r.capitalize() for r in ROLES}
_LEAD = re.compile(r"(?:[A-Z][\w’'-]*|[A-Z]\.)(?: (?:of )?(?:[A-Z][\w’'-]*|[A-Z]\.)){0,6}")
_NORM_WORDS = re.compile(r"[\w'.-]+")
_MARKS = re.compile(r"[“”\"]")
_HEADLINE_MARKS = re.compile(r"[“”\"‘]|’(?!\w)")


@lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str:
    """Casefolded without accents ("Pérez" as "perez": readers type names without them),
    possessive and middle initials dropped, "U.S." as "us": the form aliases compare."""
    words = _NORM_WORDS.findall(fold_accents(text.casefold()).replace("’", "'"))
    words = [re.sub(r"'s$", "", w).strip(".").replace(".", "") if "." in w or w.endswith("'s") else w
             for w in words]
    return " ".join(w for w in words if len(w) > 1 or w.isdigit())


def _key(word: str) -> str:
    return word.casefold().rstrip(".")


def _capital(tok: str) -> bool:
    return tok[:1].isupper() and not _possessive(tok)


def _blocked(tok: str) -> bool:
    """Before a verb: an infinitive, a passive, a negation or a relative clause, not a speaker's claim."""
    return tok.casefold() in _BLOCK or tok.endswith(("n’t", "n't"))


def _possessive(tok: str) -> bool:
    return tok.endswith(("’s", "'s", "s’"))


@dataclass
class _Chain:
    """One quotation, which may run over several passages and paragraphs."""
    passages: list[int]
    speaker: str | None = None


class _Article:
    """Per-article state: known speakers, their aliases, and who "he" or "they" is now."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.alias: dict[str, str] = {}                 # normalised form -> canonical (or _AMBIGUOUS)
        self.forms: dict[str, set[str]] = {}            # canonical -> forms to publish
        self.kind: dict[str, str] = {}                  # canonical -> person | org | group
        self.last: dict[str, str | None] = {"person": None, "group": None, "org": None}
        self._mid_caps: set[str] | None = None

    def add(self, canonical: str, kind: str, forms: set[str]) -> str:
        self.kind.setdefault(canonical, kind)
        self.forms.setdefault(canonical, {canonical.casefold()}).update(f for f in forms if f)
        for form in filter(None, (_norm(f) for f in forms | {canonical})):
            if self.alias.setdefault(form, canonical) != canonical:
                self.alias[form] = _AMBIGUOUS
        return canonical

    # -- pass 1: people the article introduces with a title ("Israeli Defense Minister Yoav Gallant")
    def introduce(self, toks: list[str]) -> list[tuple[list[str], list[str]]]:
        found = []
        for i in [i for i, tok in enumerate(toks) if tok.rstrip(".") in _ROLE_WORDS]:
            j = i
            while j > 0 and (_capital(toks[j - 1]) and _key(toks[j - 1]) not in NON_NAMES
                             or toks[j - 1] in _TITLE_MODS):
                j -= 1
            k = i + 1
            while k + 1 < len(toks) and toks[k] == "of" and _key(toks[k + 1]) in _DEPTS | {"the"}:
                k += 2 + (_key(toks[k + 1]) == "the")
            title, name = toks[j:k], []
            while k < len(toks) and len(name) < 4 and _capital(toks[k]) and _key(toks[k]) not in _NOT_NAME:
                name.append(toks[k])
                k += 1
            if k < len(toks) and _possessive(toks[k]) and len(name) < 4:
                name.append(re.sub(r"[’']s$|’$", "", toks[k]))
            if any(len(t.rstrip(".")) > 1 for t in name):     # not initials alone
                found.append((name, title))
        return found

    def add_people(self, found: list[tuple[list[str], list[str]]]) -> None:
        """Full names first, so "Secretary Austin" joins "Lloyd Austin" when the surname is unique."""
        found.sort(key=lambda f: -len([t for t in f[0] if not t.endswith(".")]))
        for name, title in found:
            parts = [t for t in name if not (len(t) == 2 and t.endswith("."))]
            canonical = " ".join(parts)
            if len(parts) == 1:
                same = {c for c in self.forms if self.kind[c] == "person" and c.split()[-1] == parts[0]}
                canonical = same.pop() if len(same) == 1 else canonical
            forms = {" ".join(name).casefold(), parts[-1].casefold()}
            if len(parts) > 1:
                forms.add(parts[0].casefold())
            self.add(canonical, "person", forms | _title_forms(title))

    # -- resolution of a subject phrase
    def lookup(self, words: Sequence[str]) -> str | None:
        key = _norm(" ".join(words))
        hit = self.alias.get(key) or self.alias.get(key.removeprefix("the "))
        return hit or None  # _AMBIGUOUS is falsy

    def resolve(self, toks: list[str], initial: bool, known_only: bool) -> str | None:
        """The speaker a subject phrase names, registering new groups, offices and people unless
        known_only; None when unsure (a common noun, an unnamed title, a capital that opens a sentence)."""
        if not toks:
            return None
        if len(toks) == 1 and toks[0].casefold() in _PRONOUNS:
            return self.last[_PRONOUNS[toks[0].casefold()]]
        had_the = toks[0].casefold() == "the"
        while toks and (toks[0].casefold() in _QUANTIFIERS
                        or _key(toks[0]) in NON_NAMES and not toks[0].isupper()):  # "Today", not "US"
            toks = toks[1:]
        if not toks or _possessive(toks[-1]) or (len(toks) == 1 and toks[0].casefold() in STOPWORDS):
            return None
        titles = [i for i, t in enumerate(toks) if _key(t) in ROLES]
        last_title = titles[-1] if titles else -1
        name = toks[last_title + 1:]
        while len(name) > 1 and name[0] == "of" and _key(name[1]) in _DEPTS:  # "… of Defense Lloyd Austin"
            name = name[2:]
        hit = (self.lookup(toks) or (name and self.lookup(name))
               or (len(toks) > 1 and _key(toks[1]) in _TITLE_WORDS and self.lookup(toks[1:])))
        head = toks[-1].casefold()
        if not hit and head in GROUP_NOUNS:              # "Officials", "senior Israeli officials"
            words = [t for t in toks[:-1] if _capital(t) and _key(t) not in _QUANTIFIERS] + [head]
            canonical = " ".join(words)
            if had_the and head in _INSTITUTIONS:
                canonical = "the " + canonical
            return self.add(canonical, "group", {canonical.casefold()})
        if hit or known_only:
            return hit or None
        if not name or not all(_capital(t) or t.endswith(".") for t in name):
            return None  # an unnamed title ("the President") or a common noun ("the report")
        if had_the and last_title < 0:                   # "the Pentagon", "the White House"
            canonical = "the " + " ".join(toks)
            return self.add(canonical, "org", {canonical.casefold(), " ".join(toks).casefold()})
        if last_title >= 0 or any(_key(t) in NON_NAMES for t in name):
            return None
        if len(name) == 1 and initial and name[0] not in self.mid_caps():
            return None  # "Reports said": a capital only because it opens the sentence
        parts = [t for t in name if not t.endswith(".")]
        if not _norm(" ".join(parts)):
            return None
        person = len(parts) > 1 and _key(parts[-1]) not in _ORG_WORDS and not parts[-1].isupper()
        forms = {" ".join(name).casefold()}
        if person:
            forms |= {parts[-1].casefold(), parts[0].casefold()}
        return self.add(" ".join(parts), "person" if person else "org", forms)

    def mid_caps(self) -> set[str]:
        """Words capitalised mid-sentence somewhere in the article: evidence they are names."""
        if self._mid_caps is None:
            self._mid_caps = {m.group() for t in self.texts
                              for m in re.finditer(r"(?<=[\w,;] )[A-Z][\w-]*", t)}
        return self._mid_caps

    def track_subject(self, text: str) -> None:
        """A known name opening a sentence ("Gallant arrived …") is who a later "he" means;
        "Austin and Gallant met" leaves "he" unknown."""
        lead = _LEAD.match(text)
        if not lead or _norm(lead.group().rsplit(" ", 1)[-1]) not in self.alias:
            return
        after = text[lead.end():lead.end() + 5]
        if after.startswith(" and "):
            self.last["person"] = None
        elif after[:1] == " " and after[1:2].islower():
            self.note(self.resolve(_TOKEN.findall(lead.group()), True, True))

    def note(self, canonical: str | None) -> str | None:
        """Remember the latest speaker of each kind, for he/she (person), they (group), it (org)."""
        if canonical:
            self.last[self.kind.get(canonical, "org")] = canonical
        return canonical


def _title_forms(title: list[str]) -> set[str]:
    """"Secretary of Defense" -> secretary, secretary of defense, defense secretary (each also with "the")."""
    words = [_key(t) for t in title]
    roles = [i for i, w in enumerate(words) if w in ROLES]
    if not roles or words[roles[-1]] in _HONORIFICS:
        return set()
    r = roles[-1]
    role, before, after = words[r], words[:r], [w for w in words[r + 1:] if w not in ("of", "the")]
    if before and _capital(title[0]) and before[0] not in _TITLE_MODS:
        before = before[1:]  # a nationality or organisation: "Israeli", "US"
    forms = {" ".join(words), " ".join(before + [role]), role}
    if after:
        forms |= {" ".join(after + [role]), f"{role} of {' '.join(after)}",
                  " ".join(words[:r] + after + [role])}
    if before and before[-1] in _DEPTS - {"security"}:
        forms.add(f"{role} of {before[-1]}")
    return forms | {"the " + f for f in forms}


def _mask(text: str, chain: _Chain | None, new_para: bool, index: int, headline: bool
          ) -> tuple[str, list[_Chain], _Chain | None]:
    """Text with each quotation replaced by Q, the quotations in order, and the one left open.
    An open quotation continues when the next paragraph reopens with “, as news style does."""
    marks = _HEADLINE_MARKS if headline else _MARKS
    if chain is None and Q not in text and not marks.search(text):  # no quotation: as it was
        return text, [], None
    out, chains, last, depth = [], [], 0, 0
    text = text.replace(Q, " ")
    if chain is not None:
        reopen = re.match(r"\s*[“\"]", text)
        if new_para and not reopen:
            chain = None
        else:
            chain.passages.append(index)
            chains.append(chain)
            out.append(Q)
            last, depth = (reopen.end() if new_para else 0), 1
    for m in marks.finditer(text, last):
        mark = m.group()
        if chain is None:
            if mark in "”’":
                continue
            out.append(text[last:m.start()] + Q)
            chain, depth = _Chain([index]), 1
            chains.append(chain)
        elif mark in "“‘":
            depth += 1
        else:
            depth = 0 if mark == '"' else depth - 1
            if depth == 0:
                chain, last = None, m.end()
    if chain is None:
        out.append(text[last:])
    return "".join(out), chains, chain


def _back_phrase(toks: list[str], j: int) -> int | None:
    """Start of the noun phrase ending at toks[j] (names, titles, group nouns), or None."""
    if toks[j].casefold() in _PRONOUNS:
        return j
    k = j
    while k >= 0 and j - k < 8:
        t = toks[k]
        if _capital(t) or t.casefold() in _PHRASE_WORDS or (
                t == "of" and 0 < k < j and _capital(toks[k - 1])):
            k -= 1
        elif t.casefold() in _QUANTIFIERS and k < j:
            k -= 1
            break
        else:
            break
    return k + 1 if k < j else None


def _forward_phrase(toks: list[str], i: int) -> list[str]:
    """The noun phrase starting at toks[i] ("the Pentagon", "officials", "Defense Secretary Austin")."""
    if i < len(toks) and toks[i].casefold() in _PRONOUNS:
        return toks[i:i + 1]
    k = start = i + (i < len(toks) and toks[i].casefold() in _QUANTIFIERS)
    while k < len(toks) and k - i < 8 and (
            _capital(toks[k]) or toks[k].casefold() in _PHRASE_WORDS
            or (toks[k] == "of" and k + 1 < len(toks) and _capital(toks[k + 1]))):
        k += 1
    return toks[i:k] if k > start else []


def _scan(art: _Article, toks: list[str], chains: list[_Chain], headline: bool) -> list[str]:
    """Speakers of one masked, tokenised passage in reading order; "according to" sources last."""
    qchain = dict(zip((i for i, t in enumerate(toks) if t == Q), chains, strict=False)) if chains else {}
    own: list[str | None] = []
    sources: list[str | None] = []

    def at_boundary(k: int) -> bool:
        return k < 0 or toks[k] == Q or toks[k].casefold() in _BOUNDARY

    def before_punct(k: int) -> int:
        while k >= 0 and toks[k] in ",.!?—–":
            k -= 1
        return k

    # Only speech verbs and "according" do anything below: find them first (one pass in a
    # comprehension), so the loop runs over a few tokens instead of every one.
    for i in [i for i, t in enumerate(toks) if t.casefold() in _SCANNED]:
        tok = toks[i]
        low = tok.casefold()
        if low == "according" and i + 1 < len(toks) and toks[i + 1] == "to":
            phrase = _forward_phrase(toks, i + 2)
            sources.append(art.note(art.resolve(phrase, False, headline)) if phrase else None)
            continue
        if low not in SPEECH_VERBS or not (headline or tok.islower()) or (i and _blocked(toks[i - 1])):
            continue
        if i + 1 < len(toks) and toks[i + 1] == "by":   # "emphasized by US Secretary of Defense"
            own.append(art.note(art.resolve(_forward_phrase(toks, i + 2), False, True)))
            continue
        p = before_punct(i - 1)
        phrase = _forward_phrase(toks, i + 1) if low in SAY_INVERTED else []
        after = toks[i + 1 + len(phrase)] if i + 1 + len(phrase) < len(toks) else "."
        # "…,” said Austin." / ", said the minister in …", but not ", said the army was ready"
        if phrase and (p >= 0 and toks[p] == Q or toks[i - 1] == ",") and (
                after in _AFTER_INVERTED or not after[0].isalnum()):
            who = art.note(art.resolve(phrase, False, headline))
            if who and p in qchain:
                qchain[p].speaker = qchain[p].speaker or who
            if who:
                own.append(who)
                continue
        j = i - 1
        while j >= 0 and toks[j].casefold() in _SKIP:
            j -= 1
        if j < 0 or _blocked(toks[j]):
            continue
        if toks[i + 1:i + 3] == ["to", "be"]:             # "said to be": a rumour, not a speaker
            continue
        if toks[j] == ",":                                # "Yoav Gallant, Israel’s defense minister, said"
            k = j - 1
            while k > 0 and j - k < 12 and toks[k] not in (",", ".", "!", "?", Q):
                k -= 1
            if k <= 0 or toks[k] != ",":
                continue
            j = k - 1
        if toks[j] in ("and", "but") and low.endswith(("ed", "id", "old", "ote")):
            start = max((k for k in range(j) if toks[k] in ".!?" or toks[k] == Q), default=-1) + 1
            if "," not in toks[start:j]:                 # "Austin hosted Gallant … and declared"
                own.extend(_subjects(art, toks, start, headline))
            continue
        start = _back_phrase(toks, j)
        if start is None or not at_boundary(start - 1):
            continue
        initial = start == 0 or toks[start - 1] in ".!?"
        who = art.resolve(toks[start:j + 1], initial, headline or low in _NOUNISH)
        first = _back_phrase(toks, start - 2) if who and start >= 2 and toks[start - 1] == "and" else None
        if first is not None and at_boundary(first - 1):   # "Netanyahu and Gallant said"
            own.append(art.note(art.resolve(toks[first:start - 1], first == 0, headline)))
        own.append(art.note(who))
        if who is None:
            continue
        q = before_punct(start - 1)
        if q in qchain:                  # "“…,” Austin said"
            qchain[q].speaker = qchain[q].speaker or who
        for k in range(i + 1, min(i + 10, len(toks))):    # "Gallant said: “…”"
            if toks[k] == Q and (k == i + 1 or toks[k - 1] in (":", ",", "that")) and k in qchain:
                qchain[k].speaker = qchain[k].speaker or who
                break
            if toks[k] in ".!?" or toks[k] == Q:
                break
    return [s for s in own + sources if s]


def _subjects(art: _Article, toks: list[str], start: int, headline: bool) -> list[str]:
    """The subject(s) opening a clause: "Austin", or both of "Netanyahu and other Israeli officials".
    Known speakers and groups only: the first capitals of a sentence are often not its subject."""
    found, k = [], start
    for _ in range(2):
        phrase = _forward_phrase(toks, k)
        who = art.resolve(phrase, k == 0, True) if phrase else None
        if not who:
            return []
        found.append(art.note(who))
        k += len(phrase)
        if k >= len(toks) or toks[k] != "and":
            break
        k += 1
    return found


def find_speakers(passages: Sequence[tuple[int, str]]) -> ArticleSpeakers:
    """passages: (paragraph number, text) for one article in reading order
    (paragraph -1 = headline/standfirst/byline).

    Two passes: first the people the article introduces with a title, so that a later "Austin" or
    "the defense secretary" resolves; then each passage that has a speech verb, a quotation mark or
    "according to" (the rest are skipped after one findall and two set look-ups)."""
    art = _Article([text for _, text in passages])
    introduced, triggered = [], []
    tokens: dict[int, list[str]] = {}  # tokenised for titles; reused when masking changes nothing
    for index, (paragraph, text) in enumerate(passages):
        words = _WORDS.findall(text)
        if not _ROLE_WORDS.isdisjoint(words):
            tokens[index] = _TOKEN.findall(text)
            introduced += art.introduce(tokens[index])
        if paragraph < 0:
            words = [w.casefold() for w in words]
        triggered.append(not _TRIGGER_WORDS.isdisjoint(words)
                         or "“" in text or "”" in text or '"' in text or "‘" in text)
    art.add_people(introduced)
    chain: _Chain | None = None
    touched: list[list[_Chain]] = []
    own: list[list[str]] = []
    previous = None
    for index, (paragraph, text) in enumerate(passages):
        headline = paragraph < 0
        if not headline:
            art.track_subject(text)
        new_para = headline or paragraph != previous
        previous = paragraph
        if chain is None and not triggered[index]:
            touched.append([])
            own.append([])
            continue
        masked, chains, chain = _mask(text, chain, new_para, index, headline)
        touched.append(chains)
        toks = tokens.get(index) if masked == text else None
        own.append(_scan(art, _TOKEN.findall(masked) if toks is None else toks, chains, headline))
    speakers = []
    for chains, names in zip(touched, own, strict=True):
        if not chains and not names:  # nobody speaks here
            speakers.append(())
            continue
        ordered = [c.speaker for c in chains if c.speaker] + names
        speakers.append(tuple(dict.fromkeys(ordered)))
    aliases = {c: tuple(sorted(f for f in forms if art.alias.get(_norm(f)) == c))
               for c, forms in art.forms.items()}
    return ArticleSpeakers(speakers, aliases)


_QUESTION_VERBS = "|".join(sorted(SPEECH_VERBS | {"think", "believe", "feel", "mean", "want"}))
_WHAT_DID = re.compile(r"^\s*(?:and |so |but )?what\s+(?:did|does|do|has|have|had|will|would)\s+", re.I)
_WHAT_IS = re.compile(r"^\s*(?:and |so |but )?what\s+(?:is|was|are|were|has|have)\s+(?:been\s+)?", re.I)
_HOW_DID = re.compile(r"^\s*how\s+(?:did|does|do|has|have|had|would)\s+", re.I)
_ACCORDING = re.compile(r"^\s*according\s+to\s+(?P<x>[^,?]+?)\s*,\s*(?P<rest>.*?)[\s?.!]*$", re.I)
_VERB_AFTER = {
    _WHAT_DID: re.compile(rf"\s+(?:{_QUESTION_VERBS})\b", re.I),
    _WHAT_IS: re.compile(r"\s+(?:saying|telling|claiming|warning|arguing|suggesting|thinking)\b", re.I),
    _HOW_DID: re.compile(r"\s+(?:describe[sd]?|characteri[sz]ed?|explain(?:ed)?|justif(?:y|ied)|defend(?:ed)?"
                         r"|react(?:ed)?|respond(?:ed)?|describe)\b", re.I),
}


def question_speaker(question: str) -> tuple[str, str] | None:
    """For "what did X say (about Y)", "what did X tell/warn/claim/announce ...", "how did X describe Y",
    "what does X think/say about Y", "according to X, ...": (X as typed, the rest of the question
    e.g. "about Y" or "Y"); else None."""
    if m := _ACCORDING.match(question):
        return _speaker_or_none(m.group("x"), m.group("rest"))
    for opener, verb in _VERB_AFTER.items():
        if not (m := opener.match(question)):
            continue
        body = question[m.end():]
        for v in verb.finditer(body):
            x = body[:v.start()].strip()
            if x and x.split()[-1].casefold() not in STOPWORDS:
                return _speaker_or_none(x, body[v.end():].strip().rstrip("?.! ").strip())
    return None


def _speaker_or_none(x: str, rest: str) -> tuple[str, str] | None:
    """Pronouns and long clauses are not a speaker the article can be asked about."""
    x = x.strip()
    if not x or len(x.split()) > 8 or x.casefold() in STOPWORDS:
        return None
    return x, rest.strip().rstrip("?.! ")


def matches_speaker(name: str, canonical: str, aliases: dict[str, tuple[str, ...]]) -> bool:
    """Does a name typed in a question (any case, may include 'the', titles, first+last name)
    name this speaker?"""
    typed = _norm(name)
    typed = typed.removeprefix("the ")
    forms = {_norm(f).removeprefix("the ") for f in (*aliases.get(canonical, ()), canonical)}
    if not typed:
        return False
    if typed in forms:
        return True
    # "Defense Secretary Lloyd Austin", "Mr. Gallant": title words, then this speaker's name.
    name_words = set(_norm(canonical).split())
    title_words = {w for f in forms for w in f.split()} | ROLES | _DEPTS | _TITLE_MODS
    words = typed.split()
    for cut in range(1, len(words)):
        tail = words[cut:]
        if " ".join(tail) in forms and set(tail) <= name_words and set(words[:cut]) <= title_words:
            return True
    return False
