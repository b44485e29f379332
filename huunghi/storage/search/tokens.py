"""What both search backends index and match: one tokenizer, one query compiler, two outputs.

SQLite's FTS5 and PostgreSQL's full-text search tokenize differently, and neither knows that
"Thanh Hóa", "Thanh Hoá", "THANH HOA" and NFD input are one name. So neither tokenizes here:
Python folds the text (NFC, one tone placement, no diacritics, đ → d, lower case) and cuts
it into words once; FTS5 receives the words separated by spaces (its ``ascii`` tokenizer
splits exactly there) and PostgreSQL receives a ``tsvector`` literal with explicit positions.
Queries are parsed once (``huunghi.text.query``) and compiled to an FTS5 MATCH string or a
``tsquery`` literal, so a query finds the same articles on both backends.

Phrases are matched through *pairs*: each field also holds a token for every two adjacent
words ("·thanh·hoa"), at consecutive positions. A two-word phrase is one pair token; a longer
one is the phrase of its pairs ("·hoi·huu ·huu·nghi"), which is exactly the phrase. Pair
tokens are far rarer than the words they join, so the engines check positions only in the
few articles holding them: a phrase of common words ("hội hữu nghị việt nam") costs what a
rare word costs, on a million articles, on both engines.

Marks typed are marks meant: beside each word's folded form the index holds its *key* (lower
case, NFD, one tone placement: ``normalize.marked_words``) as a token "¨hoá" (in FTS5 for every
word, after the pairs; in PostgreSQL's vectors where it differs from the folded word, at the
word's position), and beside each pair of adjacent words the *key pair* "¨hữu¨nghị" (in FTS5
for every pair, after the keys, a pair of bare words as its folded pair; in PostgreSQL where
both words carry marks). A syllable typed with marks is looked for as its key token, a term of
several as its key pairs: FTS5's phrase of them is exact, and so is a two-word term's one key
pair on PostgreSQL. On SQLite a term mixing marked and bare syllables ("Thanh Hóa": "thanh" any
way written, "hoá" as typed) is the OR of its key pair phrases, each bare syllable as every key
``search_vocab`` holds for it (``key_phrases``). Where that cannot be said, and on PostgreSQL
for a longer term or one with a bare syllable, it is found through its folded phrase and its
key (pair) tokens, then checked on the article's line of keys
(" ¨thanh ¨hoá ¨và ... "), where a bare syllable is a pattern of its letters each followed by
any marks, the same regular expression on both backends (``mark_pattern``).

A field is cut at ``MAX_WORDS`` words and a word at 100 characters, on both backends.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from huunghi.text.normalize import COMBINING, MAX_WORD, WORD, marked_words, words
from huunghi.text.query import Node, QueryError

_WORD = re.compile(WORD)
MAX_WORDS = 16_000  # PostgreSQL keeps positions up to 16,383
MAX_POSITIONS = 256  # PostgreSQL keeps a lexeme's first 256 positions
FIELD_GAP = 2  # phrases never run from one field into the next
PAIR = "\u00b7"  # starts and joins a pair token ("·thanh·hoa"); never inside a word
MARK = "\u00a8"  # starts a key token ("¨hoá"); never inside a word
ID_BITS = 30  # sort key = seconds << ID_BITS | article id
ID_MASK = (1 << ID_BITS) - 1


def sort_key(when: datetime, article_id: int) -> int:
    """An article's place in time order, unique per article: the rowid of FTS5, a column in PostgreSQL.

    Date order and "newest matches first" are then one index walk on both backends."""
    if not 0 < article_id <= ID_MASK:
        raise ValueError(f"article id {article_id} does not fit the search key ({ID_BITS} bits)")
    return (max(int(when.timestamp()), 0) << ID_BITS) | article_id


def key_bounds(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    """Sort-key range of articles dated in [start, end)."""
    lo = (max(int(start.timestamp()), 0) << ID_BITS) if start else None
    hi = ((max(int(end.timestamp()), 0) << ID_BITS) - 1) if end else None
    return lo, hi


def article_id_of(key: int) -> int:
    return key & ID_MASK


def fields(title: str, lead: str, body: str) -> list[list[str]]:
    """Words of title, lead and body, together at most ``MAX_WORDS`` (the body is cut first)."""
    out, room = [], MAX_WORDS
    for text in (title, lead, body):
        ws = words(text)[:room]
        room -= len(ws)
        out.append(ws)
    return out


def marked_fields(title: str, lead: str, body: str) -> tuple[list[list[str]], list[list[str]]]:
    """``fields()`` and, beside each word, its key (``normalize.marked_words``), cut alike."""
    folded: list[list[str]] = []
    keys: list[list[str]] = []
    room = MAX_WORDS
    for text in (title, lead, body):
        pairs_ = marked_words(text)[:room]
        room -= len(pairs_)
        folded.append([f for f, _ in pairs_])
        keys.append([k for _, k in pairs_])
    return folded, keys


def marks_text(fields_keys: list[list[str]]) -> str:
    """The keys of title, lead and body as one line (" ¨thanh ¨hoá | ... | ... "), where a term
    with marks is checked (``mark_pattern``)."""
    return " " + f" {FIELD_MARK} ".join(" ".join(MARK + k for k in ks) for ks in fields_keys) + " "


def pairs(ws: list[str]) -> list[str]:
    """The pair tokens of adjacent words; the leading "·" keeps them out of word prefixes."""
    return [PAIR + a + PAIR + b for a, b in zip(ws, ws[1:])]


def triples(ws: list[str]) -> list[str]:
    """PostgreSQL only: tokens of three adjacent words ("·hoi·huu·nghi"). A GIN index knows
    which articles hold a token but not where, so a three-word phrase as one token needs no
    position check, and a longer one's triples narrow its candidates to nearly its matches."""
    return [PAIR + a + PAIR + b + PAIR + c for a, b, c in zip(ws, ws[1:], ws[2:])]


def key_pair(word_a: str, word_b: str, key_a: str, key_b: str) -> str:
    """The token of two adjacent words' keys ("¨hữu¨nghị"), in NFC: it is only ever looked up
    whole, never read as a pattern of letters and marks, and NFC takes fewer bytes than NFD where
    a letter carries two marks ("ườ": 3 bytes, 5 in NFD). Where neither word carries a mark it
    is their folded pair ("·thanh·hoa"), which says the same."""
    if key_a == word_a and key_b == word_b:
        return PAIR + word_a + PAIR + word_b
    return MARK + _nfc(key_a) + MARK + _nfc(key_b)


@functools.lru_cache(maxsize=65536)
def _nfc(key: str) -> str:
    return unicodedata.normalize("NFC", key)


def key_pairs(ws: list[str], ks: list[str]) -> list[str]:
    """The key pair tokens of adjacent words (``key_pair``), one per pair, in order."""
    return [key_pair(a, b, ka, kb) for a, b, ka, kb in zip(ws, ws[1:], ks, ks[1:])]


FIELD_MARK = "|"  # between fields in ``phrase_text``: no word holds it, so no phrase runs across


def phrase_text(fields_words: list[list[str]]) -> str:
    """The folded words of title, lead and body as one line (" thanh hoa | ... | ... "), where
    a phrase is a substring (" hoi huu nghi "): PostgreSQL checks long phrases here, a couple of
    kilobytes, instead of reading back a tsvector five times that size."""
    return " " + f" {FIELD_MARK} ".join(" ".join(ws) for ws in fields_words) + " "


def to_phrase_sql(
    node: Node, column: str, params: dict[str, str], sqlite: bool = False, marks_column: str | None = None
) -> str:
    """A SQL condition meaning ``node`` over a line of spaced folded words in ``column``
    (``phrase_text``, or FTS5's stored column, whose pair tokens start with ``PAIR`` and so
    never continue a word or a phrase): every word, phrase and prefix a substring search of
    its spaced form (``strpos``, ``instr`` on SQLite); a term with marks a regular expression
    (``mark_pattern``) over the line of keys in ``marks_column`` (FTS5's stored column holds
    them too: the same column there). Its patterns are added to ``params`` (never inlined)."""
    _check(node)
    find = "instr({}, :{}) > 0" if sqlite else 'strpos({} COLLATE "C", :{}) > 0'
    regex = REGEXP_SQL + "(:{1}, {0})" if sqlite else "{} ~ :{}"
    return _phrase_sql(node, column, params, find, (marks_column or column, regex))


def _phrase_sql(node: Node, column: str, params: dict[str, str], find: str, marked: tuple[str, str]) -> str:
    if node.op == "words":
        term = _term(node)
        name = f"ph{len(params)}"
        if term.marked:
            pattern = mark_pattern(term)
            if _LITERAL.fullmatch(pattern):  # every word as typed: a substring, no expression
                params[name] = pattern
                return find.format(marked[0], name)
            params[name] = pattern
            return marked[1].format(marked[0], name)
        params[name] = " " + " ".join(term.words) + ("" if term.prefix else " ")
        return find.format(column, name)
    if node.op == "or":
        return "(" + " OR ".join(_phrase_sql(c, column, params, find, marked) for c in node.children) + ")"
    pos, neg = _split(node)
    return (
        "("
        + " AND ".join(
            [_phrase_sql(c, column, params, find, marked) for c in pos]
            + [f"NOT {_phrase_sql(n, column, params, find, marked)}" for n in neg]
        )
        + ")"
    )


_LITERAL = re.compile(r"[^\\\[\]*]*")  # a pattern with no class, escape or repetition
REGEXP_SQL = "huunghi_marks"  # SQLite: the function ``regexp_search``, registered on every connection
_ANY_MARKS = f"[{COMBINING}]*"


def mark_pattern(term: Term) -> str:
    """The regular expression finding ``term`` in a line of keys (``marks_text``): a marked
    syllable is its key; a bare one its letters, each followed by any marks ("d" also "đ"); a
    prefix continues with anything but a space or a "¨" to the token's end (so never into a key
    pair token, "¨hữu¨nghị", which FTS5's line holds after the keys). Letters, marks, spaces and
    bracket classes only: Python's ``re`` (SQLite) and PostgreSQL read it alike."""
    out = []
    for i, (word, key) in enumerate(zip(term.words, term.marks)):
        if key:
            piece = re.escape(key)
        else:
            piece = "".join(("[dđ]" if ch == "d" else re.escape(ch)) + _ANY_MARKS for ch in word)
        if term.prefix and i == len(term.words) - 1:
            piece += f"[^ {MARK}]*"
        out.append(MARK + piece)
    return " " + " ".join(out) + " "


_KEY_ROOM = 2 + 8 * (MAX_WORD + 1)  # the most characters " ¨" and one word's key take


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> tuple[re.Pattern[str], str, int, int]:
    """The expression and, where it has a literal syllable (a marked one), that syllable as
    text with the spaces around it (" ¨hoá ") and how far before and after it a match can
    reach: str.find is far quicker than the expression's own scan of a body's line of keys."""
    whole = re.compile(pattern)
    pieces = pattern[2:].split(" " + MARK) if pattern.startswith(" " + MARK) else []
    for j, piece in enumerate(pieces):
        word = piece.rstrip(" ")
        last = j == len(pieces) - 1
        if word and _LITERAL.fullmatch(word) and (not last or pattern.endswith(" ")):
            return whole, " " + MARK + word + " ", j * _KEY_ROOM, (len(pieces) - j - 1) * _KEY_ROOM + 1
    return whole, "", 0, 0


def regexp_search(pattern: str, value: str | None) -> bool:
    """SQLite's ``huunghi_marks(pattern, text)``: whether the pattern occurs in the text. Every
    match holds the literal syllable, so the expression is only tried around its occurrences."""
    if value is None:
        return False
    whole, anchor, before, after = _compiled(pattern)
    if not anchor:
        return whole.search(value) is not None
    at = value.find(anchor)
    while at >= 0:
        if whole.search(value, max(0, at - before), min(len(value), at + len(anchor) + after)):
            return True
        at = value.find(anchor, at + 1)
    return False


def fts5_row(
    fields_words: list[list[str]], fields_keys: list[list[str]] | None = None
) -> tuple[str, str, str]:
    """FTS5's title, lead and body columns of ``fields()``: words, pairs, every word's key token
    ("¨hoá"), then every pair's key pair token (``key_pairs``), separated by single spaces. Each
    run keeps its field's order, so a phrase of words, of pairs, of keys or of key pairs is a
    phrase of the field."""
    keys = fields_keys or [[] for _ in fields_words]
    t, le, b = (
        " ".join(ws + pairs(ws) + [MARK + k for k in ks] + key_pairs(ws, ks))
        for ws, ks in zip(fields_words, keys)
    )
    return t, le, b


def fts5_upgraded(column: str) -> str | None:
    """An FTS5 column written before key pairs (words, pairs, keys: ``3n - 1`` tokens) with its
    key pair run added, as ``fts5_row`` writes it now; None where it has it already (migration
    0014: no folding again, the keys are there)."""
    toks = column.split(" ") if column else []
    n = (len(toks) + 1) // 3
    if n < 2 or len(toks) != 3 * n - 1 or not toks[n].startswith(PAIR) or MARK in toks[-1][1:]:
        return None
    if not all(t.startswith(MARK) for t in toks[2 * n - 1 :]):
        return None
    ws, ks = toks[:n], [t[1:] for t in toks[2 * n - 1 :]]
    return column + " " + " ".join(key_pairs(ws, ks))


def tsvector_literal(
    fields_words: list[list[str]],
    facet_tokens: Sequence[str] = (),
    fields_keys: list[list[str]] | None = None,
) -> str:
    """A ``tsvector`` literal of ``fields()``' tokens, weighted A (title), B (lead), C (body), and
    the facets as ``'#token'`` lexemes (no word or pair can hold a '#'); a word whose key
    differs from its folded form also as its key token, at the word's position, and a pair of
    which both words carry a mark as its key pair token (``key_pair``), at the pair's."""
    positions: dict[str, list[str]] = {}
    keys = fields_keys or [[] for _ in fields_words]
    for weight, ws, ks, pos in _field_offsets(fields_words, keys):
        for tokens in (
            ws,
            _marked(ws, ks),
            pairs(ws),
            triples(ws),
            _marked_pairs(ws, ks),
        ):  # at its first word's position: consecutive tokens, consecutive positions
            _place(positions, tokens, pos, weight)
    return " ".join(
        [f"'{w}':{','.join(p)}" for w, p in positions.items()] + [f"'#{f}'" for f in facet_tokens]
    )


def _field_offsets(
    fields_words: list[list[str]], fields_keys: list[list[str]]
) -> list[tuple[str, list[str], list[str], int]]:
    """(weight, words, keys, position before the field's first word) of each field."""
    out, pos = [], 0
    for weight, ws, ks in zip("ABC", fields_words, fields_keys):
        out.append((weight, ws, ks, pos))
        pos += len(ws) + FIELD_GAP
    return out


def _marked(ws: list[str], ks: list[str]) -> list[str]:
    return [MARK + k if k != w else "" for w, k in zip(ws, ks)]


def _marked_pairs(ws: list[str], ks: list[str]) -> list[str]:
    """PostgreSQL: key pair tokens where both words of the pair carry a mark ("" elsewhere): the
    only ones its queries look for (``pg_pair``, ``pg_key_pairs``); a pair with a bare word is
    checked on the line of keys."""
    if not ks:
        return []
    return [
        key_pair(a, b, ka, kb) if ka != a and kb != b else "" for a, b, ka, kb in zip(ws, ws[1:], ks, ks[1:])
    ]


def _place(positions: dict[str, list[str]], tokens: list[str], pos: int, weight: str) -> None:
    for i, token in enumerate(tokens):
        if not token:
            continue
        slot = positions.setdefault(token, [])
        if len(slot) < MAX_POSITIONS:
            slot.append(f"{pos + i + 1}{weight}")


def key_pairs_literal(words_line: str, marks_line: str, fields: int = 3) -> str:
    """PostgreSQL, migration 0014: the key pair tokens of an article indexed before them, as a
    ``tsvector`` literal to merge into its vectors (``fields=2``: ``head``), from its lines in
    ``search_text`` (``phrase_text``, ``marks_text``), at the positions ``tsvector_literal``
    gives them."""
    ws = [f.split() for f in _fields_of(words_line)][:fields]
    ks = [[k[1:] for k in f.split()] for f in _fields_of(marks_line)][:fields]
    if len(ks) != len(ws) or any(len(a) != len(b) for a, b in zip(ws, ks)):
        return ""
    positions: dict[str, list[str]] = {}
    for weight, w, k, pos in _field_offsets(ws, ks):
        _place(positions, _marked_pairs(w, k), pos, weight)
    return " ".join(f"'{t}':{','.join(p)}" for t, p in positions.items())


def _fields_of(line: str) -> list[str]:
    return line[1:-1].split(f" {FIELD_MARK} ") if len(line) >= 2 else []


def facets(
    source_id: int | None, section: str, tags: list[tuple[str, str]], story_id: int | None
) -> list[str]:
    """Tokens for what filters ask (source, section and its parents, tags, story), indexed beside
    the words so a filter is one more posting list to intersect, not a join per match."""
    out = [f"s{source_id}"] if source_id is not None else []
    parts = [p.strip() for p in (section or "").split("›") if p.strip()]
    out += [section_facet(" › ".join(parts[:i])) for i in range(1, len(parts) + 1)]
    out += sorted({tag_facet(kind, value) for kind, value in tags})
    if story_id is not None:
        out.append(f"y{story_id}")
    return out


def _hash(text: str) -> str:
    return hashlib.blake2b(" ".join(words(text)).encode(), digest_size=8).hexdigest()


def section_facet(section: str) -> str:
    return "c" + _hash(section)


def tag_facet(kind: str, value: str) -> str:
    return "t" + _hash(f"{kind} {value}")


@dataclass(frozen=True)
class Term:
    """A word or phrase to find; ``prefix``: its last word may continue ("hữu*"); ``marks``:
    each word's key where typed with marks, "" where bare (() when none is marked)."""

    words: tuple[str, ...]
    prefix: bool = False
    marks: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        return any(self.marks)

    @property
    def checked(self) -> bool:
        """PostgreSQL: whether GIN alone cannot tell a match (several words, some typed with
        marks; one marked word is its key token, exact)."""
        return self.marked and len(self.words) > 1

    @property
    def all_marked(self) -> bool:
        """Every word typed with marks, no prefix: in FTS5, where each field's key tokens follow
        one another as its words do, the phrase of its key tokens, exact."""
        return bool(self.marks) and all(self.marks) and not self.prefix

    @property
    def mixed(self) -> bool:
        """SQLite: whether FTS5 alone cannot tell a match (marked and bare words together)."""
        return self.checked and not self.all_marked

    def mark_tokens(self) -> list[str]:
        """The key tokens a match holds somewhere (one per marked word)."""
        return [MARK + k for k in self.marks if k]

    def tokens(self) -> list[str]:
        """The tokens a match holds at consecutive positions: the word, or the phrase's pairs."""
        return list(self.words) if len(self.words) == 1 else pairs(list(self.words))

    def pg_tokens(self) -> list[str]:
        """The same in PostgreSQL's vector: the word, the pair, or the phrase's triples."""
        return self.tokens() if len(self.words) < 3 else triples(list(self.words))


def _term(node: Node) -> Term:
    out: list[str] = []
    marks: list[str] = []
    prefix = False
    for i, raw in enumerate(node.words):
        star = raw.endswith("*")
        pieces = _WORD.findall(raw.rstrip("*"))
        if star and i != len(node.words) - 1:
            raise QueryError(f"'{raw}': a * may only end a phrase (its last word)")
        out.extend(p[:MAX_WORD] for p in pieces)
        mark = node.marks[i] if node.marks and len(pieces) == 1 else ""
        marks.extend([mark] * len(pieces))
        prefix = star
    if not out:
        raise QueryError(f"{' '.join(node.words)!r} holds no word to search")
    return Term(tuple(out), prefix, tuple(marks) if any(marks) else ())


KEYS_MAX = 16  # keys a bare word of a term with marks may stand for (``search_vocab``) on SQLite
PHRASES_MAX = 64  # key pair phrases such a term may stand for on SQLite


def vocab_key(folded: str, key: str) -> str:
    """SQLite: a word's key as ``search_vocab`` keeps it, under its folded form ("¨thanh¨thành"),
    so the keys a bare syllable stands for are one range of that table."""
    return MARK + folded + MARK + key


def bare_words(node: Node) -> list[str]:
    """The bare words of the terms mixing marked and bare words (``Term.mixed``), no prefix."""
    if node.op == "words":
        term = _term(node)
        return [w for w, k in zip(term.words, term.marks) if not k] if term.mixed and not term.prefix else []
    return [w for c in node.children for w in bare_words(c)]


def key_phrases(term: Term, keys: Mapping[str, Sequence[str]] | None) -> list[list[str]] | None:
    """SQLite: the phrases of key pair tokens (``key_pairs``) a term of several words with marks
    stands for, each bare word as every key the index holds for it (``keys``: folded word → its
    keys), at most ``PHRASES_MAX``; None where that cannot be said (a prefix, too many, keys not
    looked up). Each is a phrase of FTS5's key pair run, exact, and its tokens are rare: "ủy ban
    hòa bình" is the phrases "¨ủy¨X ¨X¨hòa ¨hòa¨bình" for each key X of "ban" the index holds,
    of which those it holds nowhere cost one look-up."""
    if term.prefix or len(term.words) < 2 or not term.marked:
        return None
    if not term.all_marked and keys is None:
        return None
    choices = [[k] if k else list((keys or {}).get(w, ())) for w, k in zip(term.words, term.marks)]
    count = 1
    for c in choices:
        count *= len(c)
    if count > PHRASES_MAX:
        return None
    phrases: list[list[str]] = [[]]
    for c in choices:
        phrases = [p + [k] for p in phrases for k in c]
    return [key_pairs(list(term.words), p) for p in phrases]


def needs_check(node: Node, keys: Mapping[str, Sequence[str]] | None = None) -> bool:
    """Whether some term of ``node`` mixes marked and other words (``Term.mixed``) and is not
    said by its key phrases (``key_phrases``): SQLite then matches a superset
    (``to_fts5(loose=True)``) and checks the line of keys."""
    if node.op == "words":
        term = _term(node)
        return term.mixed and key_phrases(term, keys) is None
    return any(needs_check(c, keys) for c in node.children)


def pg_pair(term: Term) -> str | None:
    """PostgreSQL: the key pair token of a two-word term typed all with marks ("hữu nghị":
    "¨hữu¨nghị"), which GIN alone answers exactly; None for other terms (a bare word there may
    be any key: its pair is checked on the line of keys)."""
    if term.prefix or len(term.words) != 2 or not term.all_marked:
        return None
    return key_pair(term.words[0], term.words[1], term.marks[0], term.marks[1])


def pg_key_pairs(term: Term) -> list[str]:
    """PostgreSQL: the key pair tokens a match of a term with marks holds somewhere (each pair of
    adjacent words typed with marks), beside its folded tokens in the loose query."""
    last = len(term.words) - 1 if term.prefix else len(term.words)
    return [
        key_pair(a, b, ka, kb)
        for i, (a, b, ka, kb) in enumerate(zip(term.words, term.words[1:], term.marks, term.marks[1:]))
        if ka and kb and i + 1 < last
    ]


def positive_terms(node: Node) -> list[Term]:
    """The terms a match must or may contain (those under NOT excluded): what snippets highlight."""
    if node.op == "words":
        return [_term(node)]
    if node.op == "not":
        return []
    return [t for c in node.children for t in positive_terms(c)]


def _split(node: Node) -> tuple[list[Node], list[Node]]:
    pos = [c for c in node.children if c.op != "not"]
    neg = [c.children[0] for c in node.children if c.op == "not"]
    return pos, neg


def _check(node: Node) -> None:
    """Both engines need a word that must occur next to every NOT: 'a -b' is fine, '-b' or
    'a OR -b' would mean "nearly every article", and FTS5 cannot say it."""
    if node.op == "not":
        raise QueryError("NOT needs a word that must occur beside it, as in 'vufo NOT bóng'")
    if node.op == "and":
        pos, neg = _split(node)
        if not pos:
            raise QueryError("NOT needs a word that must occur beside it, as in 'vufo NOT bóng'")
        for child in pos + neg:
            _check(child)
    elif node.op == "or":
        for child in node.children:
            _check(child)


COLUMNS = ("title", "lead", "body")
WEIGHTS = {"title": "A", "lead": "B", "body": "C"}


def to_fts5(
    node: Node,
    columns: Sequence[str] = COLUMNS,
    expand: Mapping[str, Sequence[str]] | None = None,
    loose: bool = False,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """An FTS5 MATCH expression, its words looked for in ``columns``; every word quoted, so no
    word is read as an operator. ``expand`` maps a prefix ("huu") to the indexed words that
    start with it: such a one-word prefix becomes their OR, which means the same. A term that
    mixes marked and bare words (``Term.mixed``) is its folded phrase and its key tokens, a
    superset: ``loose`` says the caller checks the rest, and leaves out a NOT of such a term;
    with ``keys`` (``key_phrases``) it is the OR of its key phrases instead, exact (each
    field's key tokens follow one another as its words do)."""
    _check(node)
    return _fts5(node, "{" + " ".join(columns) + "}", expand or {}, loose, keys)


def prefixes(node: Node) -> list[str]:
    """The one-word prefixes of a query ("hữu*" → "huu"), which ``to_fts5`` may expand."""
    if node.op == "words":
        term = _term(node)
        return [term.words[0]] if term.prefix and len(term.words) == 1 else []
    return [p for c in node.children for p in prefixes(c)]


def _fts5(
    node: Node,
    cols: str,
    expand: Mapping[str, Sequence[str]],
    loose: bool,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> str:
    if node.op == "words":
        term = _term(node)
        phrases = key_phrases(term, keys)
        if phrases is not None:  # none: a bare word the index never held, so nothing matches
            return "(" + " OR ".join(f'({cols} : "{" ".join(p)}")' for p in phrases or [[MARK + MARK]]) + ")"
        if term.all_marked or (term.marked and not term.checked):
            return f'({cols} : "{" ".join(term.mark_tokens())}")'
        if term.prefix and len(term.words) == 1 and expand.get(term.words[0]):
            return f"({cols} : (" + " OR ".join(f'"{w}"' for w in expand[term.words[0]]) + "))"
        phrase = f'({cols} : "{" ".join(term.tokens())}"' + (" *)" if term.prefix else ")")
        if term.mixed:
            return "(" + " AND ".join([phrase] + [f'({cols} : "{t}")' for t in term.mark_tokens()]) + ")"
        return phrase
    if node.op == "or":
        return "(" + " OR ".join(_fts5(c, cols, expand, loose, keys) for c in node.children) + ")"
    pos, neg = _split(node)
    expr = "(" + " AND ".join(_fts5(c, cols, expand, loose, keys) for c in pos) + ")"
    for n in neg:
        if not (loose and needs_check(n, keys)):
            expr = f"({expr} NOT {_fts5(n, cols, expand, loose, keys)})"
    return expr


def to_tsquery(node: Node, columns: Sequence[str] = COLUMNS, loose: bool = False) -> str:
    """A ``tsquery`` literal meaning the same as ``to_fts5(node, columns)`` (cast, never
    re-parsed); restricted to some columns, lexemes carry those columns' weight labels.

    ``loose``: a superset without positions, which a GIN index answers alone: a long phrase's
    pairs need only all be there, and a NOT of a long phrase is left out. PostgreSQL must read
    an article's tsvector back to check positions; the loose query first narrows that to the
    newest candidates (see ``search._Plan.newest``)."""
    _check(node)
    labels = "" if tuple(columns) == COLUMNS else "".join(WEIGHTS[c] for c in columns)
    return _tsq(node, labels, loose)


def needs_positions(node: Node) -> bool:
    """Whether matching ``node`` on PostgreSQL checks word positions (a phrase of four words or
    more, or one of marked and bare words)."""
    if node.op == "words":
        term = _term(node)
        return len(term.pg_tokens()) > 1 or (term.checked and pg_pair(term) is None)
    return any(needs_positions(c) for c in node.children)


def _tsq(node: Node, labels: str, loose: bool = False) -> str:
    if node.op == "words":
        term = _term(node)
        label = ":" + labels if labels else ""
        if term.marked and not term.checked:
            return f"('{term.mark_tokens()[0]}'{label})"
        pair = pg_pair(term)
        if pair is not None:
            return f"('{pair}'{label})"
        if term.checked and loose:  # the folded phrase's tokens, the key (pair) tokens, anywhere
            folded = [f"'{t}'" + label for t in term.pg_tokens()]
            if term.prefix:
                folded[-1] = f"'{term.pg_tokens()[-1]}':*{labels}"
            keyed = pg_key_pairs(term) + [  # a key token only where no key pair holds its word
                MARK + k
                for i, k in enumerate(term.marks)
                if k
                and not (i > 0 and term.marks[i - 1])
                and not (i + 1 < len(term.marks) and term.marks[i + 1])
            ]
            return "(" + " & ".join(folded + [f"'{t}'{label}" for t in keyed]) + ")"
        if term.checked:  # word by word, a key token where typed with marks (at the word's place)
            each = [
                f"'{MARK + k}'{label}" if k else f"'{w}'" + (f":*{labels}" if last else label)
                for w, k, last in zip(
                    term.words,
                    term.marks,
                    [term.prefix and i == len(term.words) - 1 for i in range(len(term.words))],
                )
            ]
            return "(" + " <-> ".join(each) + ")"
        tokens = [f"'{t}'" + (":" + labels if labels else "") for t in term.pg_tokens()]
        if term.prefix:
            tokens[-1] = f"'{term.pg_tokens()[-1]}':*{labels}"
        return "(" + (" & " if loose else " <-> ").join(tokens) + ")"
    if node.op == "or":
        return "(" + " | ".join(_tsq(c, labels, loose) for c in node.children) + ")"
    pos, neg = _split(node)
    return (
        "("
        + " & ".join(
            [_tsq(c, labels, loose) for c in pos]
            + [f"!{_tsq(n, labels)}" for n in neg if not (loose and needs_positions(n))]
        )
        + ")"
    )
