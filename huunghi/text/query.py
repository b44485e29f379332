"""The query language people type, for topic rules (alerts) and, later, search.

    liên hiệp hữu nghị                 both words (AND is implicit)
    "đối ngoại nhân dân"               a phrase
    thanh hoa OR "dong nai"            either
    vufo NOT "bóng đá"   /  -bóng       without
    (lào OR campuchia) AND hữu nghị    grouping
    hữu*                               a word starting with "hữu"

Matching folds both sides (NFC, one tone placement, no diacritics, đ → d, lower case), so
`thanh hoa` finds "Thanh Hoá" and "Thanh Hóa"; and marks typed are marks meant: a syllable
typed with marks matches that syllable only (either tone placement, NFC or NFD: `Hóa` finds
"Hoá", not "hòa" or "hoa"), one typed bare every form, `d` is "đ" too only when bare; a prefix
is read bare. Operators are AND, OR, NOT in capitals.

Syllables typed together are a word first. Vietnamese writes a word in syllables with spaces
between them ("Thanh Hóa", "hữu nghị"), so plain words typed one after another are read as
the word they make: `thanh hoa` is the phrase "thanh hoa", and "thành phố … Hoa Kỳ" is not
it. A query starting with `~` (or parsed with ``loose=True``) lets the syllables stand apart,
each anywhere: `~thanh hoa` is `thanh AND hoa`. Search falls back to that reading when the
word reading finds nothing, and says so; topic rules read a query as search does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from huunghi.text.normalize import MAX_WORD, WORD, fold, marked_words, words

_TOKEN = re.compile(r'"([^"]*)"|(\()|(\))|(-)(?=[\w"(])|([^\s()"]+)')
_WORD = re.compile(WORD + r"\*?")
LOOSE = "~"  # a query starting with it lets syllables stand apart


class QueryError(ValueError):
    """A query that cannot be read, with where and why."""


@dataclass(frozen=True)
class Node:
    op: str  # "words", "and", "or", "not", "all"
    words: tuple[str, ...] = ()  # folded words of a term or phrase ("x*" = prefix)
    children: tuple[Node, ...] = ()
    # beside ``words``: each word's key (``normalize.marked_words``) where it was typed with
    # marks, "" where typed bare (or a prefix); () when no word of the term carries a mark
    marks: tuple[str, ...] = ()


ALL = Node("all")


def words_of(text: str) -> list[str]:
    """Folded words of a text, as queries and documents both see them (``normalize.words``)."""
    return words(text)


MAX_QUERY_CHARS, MAX_QUERY_TOKENS, MAX_QUERY_DEPTH = 4000, 256, 32  # bounded work per query


def is_loose(text: str) -> bool:
    """Whether the query asks for its syllables to stand apart (it starts with ``~``)."""
    return (text or "").lstrip().startswith(LOOSE)


def parse_query(text: str, loose: bool = False) -> Node:
    """The query as a tree. Plain words typed one after another become one phrase (the word they
    make) unless ``loose`` or the query starts with ``~``; a word ending in * ends such a run."""
    text = text or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"truy vấn dài quá {MAX_QUERY_CHARS} ký tự (query too long)")
    if text.count("(") > MAX_QUERY_DEPTH and _depth(text) > MAX_QUERY_DEPTH:
        raise QueryError(f"ngoặc lồng sâu quá {MAX_QUERY_DEPTH} mức (parentheses nested too deep)")
    if is_loose(text):
        text, loose = text.lstrip()[len(LOOSE) :], True
    tokens: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text):
        if len(tokens) >= MAX_QUERY_TOKENS:
            raise QueryError(f"truy vấn quá {MAX_QUERY_TOKENS} từ/toán tử (query has too many terms)")
        phrase, lpar, rpar, minus, word = m.groups()
        if phrase is not None:
            tokens.append(("words", phrase))
        elif lpar:
            tokens.append(("(", lpar))
        elif rpar:
            tokens.append((")", rpar))
        elif minus:
            tokens.append(("NOT", minus))
        elif word in ("AND", "OR", "NOT"):
            tokens.append((word, word))
        elif _WORD.search(fold(word)):
            tokens.append(("bare", word))
        # a bare token with no word in it (";", "--", "&") is punctuation typed along: skipped
    tokens = _words_first(tokens, loose)
    if not tokens:
        return ALL
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.pos != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos][1]!r} at token {parser.pos + 1}")
    return node


def _words_first(tokens: list[tuple[str, str]], loose: bool) -> list[tuple[str, str]]:
    """Runs of plain words as one phrase each (``loose``: each word alone)."""
    out: list[tuple[str, str]] = []
    run = False  # the last token is a plain word a next one may join
    for kind, value in tokens:
        if kind == "bare" and run and not loose:
            out[-1] = ("words", out[-1][1] + " " + value)
        elif kind == "bare":
            out.append(("words", value))
        else:
            out.append((kind, value))
        run = kind == "bare" and not value.endswith("*")
    return out


def _query_words(value: str) -> tuple[str, ...]:
    """Folded words of a term as typed ("x*" = prefix), cut at ``MAX_WORD`` like the text's."""
    out = []
    for w in _WORD.findall(fold(value)):
        star = w.endswith("*")
        out.append(w.rstrip("*")[:MAX_WORD] + ("*" if star else ""))
    return tuple(out)


def _query_marks(value: str, found: tuple[str, ...]) -> tuple[str, ...]:
    """Each word's key where it was typed with marks ("" where bare or a prefix); () if none was.
    A syllable typed with marks means that syllable (either tone placement, NFC or NFD), not
    the others that fold alike; one typed bare means all of them."""
    keyed = marked_words(value)
    if len(keyed) != len(found):
        return ()
    marks = tuple("" if w.endswith("*") or key == folded else key for w, (folded, key) in zip(found, keyed))
    return marks if any(marks) else ()


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    return deepest


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][0] if self.pos < len(self.tokens) else None

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Node("or", children=tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.peek() in ("AND", "NOT", "words", "("):
            if self.peek() == "AND":
                self.pos += 1
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else Node("and", children=tuple(parts))

    def not_expr(self) -> Node:
        if self.peek() == "NOT":
            self.pos += 1
            return Node("not", children=(self.not_expr(),))
        return self.atom()

    def atom(self) -> Node:
        kind = self.peek()
        if kind is None:
            raise QueryError("the query ends where a word, phrase or '(' was expected")
        value = self.tokens[self.pos][1]
        self.pos += 1
        if kind == "(":
            node = self.or_expr()
            if self.peek() != ")":
                raise QueryError("a '(' is never closed")
            self.pos += 1
            return node
        if kind == "words":
            found = _query_words(value)
            if not found:
                raise QueryError(f"{value!r} holds no word")
            return Node("words", words=found, marks=_query_marks(value, found))
        raise QueryError(f"unexpected {value!r}")


class Document:
    """A text prepared once for matching many queries."""

    def __init__(self, *texts: str) -> None:
        self._text = " ".join(t for t in texts if t)
        self.words = words_of(self._text)
        self.joined = " " + " ".join(self.words) + " "
        self.vocab = set(self.words)
        self._keys: list[str] | None = None

    @property
    def keys(self) -> list[str]:
        """Each word's key (``normalize.marked_words``), worked out on the first marked query."""
        if self._keys is None:
            self._keys = [key for _folded, key in marked_words(self._text)]
        return self._keys

    def has(self, words: tuple[str, ...], marks: tuple[str, ...] = ()) -> bool:
        if marks:
            return self._has_marked(words, marks)
        if len(words) == 1 and not words[0].endswith("*"):
            return words[0] in self.vocab
        pattern = (
            r"(?<= )"
            + r" ".join(re.escape(w[:-1]) + r"[^\W_]*" if w.endswith("*") else re.escape(w) for w in words)
            + r"(?= )"
        )
        return re.search(pattern, self.joined) is not None

    def _has_marked(self, words: tuple[str, ...], marks: tuple[str, ...]) -> bool:
        """The words at consecutive places, each marked one with its key (bare ones folded)."""
        n, keys = len(words), self.keys
        for i in range(len(self.words) - n + 1):
            for j, (w, mark) in enumerate(zip(words, marks)):
                here = self.words[i + j]
                if (mark and keys[i + j] != mark) or not (
                    here.startswith(w[:-1]) if w.endswith("*") else here == w
                ):
                    break
            else:
                return True
        return False


def matches(node: Node, doc: Document) -> bool:
    if node.op == "all":
        return True
    if node.op == "words":
        return doc.has(node.words, node.marks)
    if node.op == "and":
        return all(matches(c, doc) for c in node.children)
    if node.op == "or":
        return any(matches(c, doc) for c in node.children)
    if node.op == "not":
        return not matches(node.children[0], doc)
    raise QueryError(f"unknown node {node.op}")


FRIENDSHIP_UNION = (
    '"liên hiệp các tổ chức hữu nghị" OR LHHN OR VUFO OR "hội hữu nghị" OR "đối ngoại nhân dân" '
    'OR "tổ chức phi chính phủ nước ngoài" OR PCPNN OR PACCOM OR "ban điều phối viện trợ nhân dân" '
    'OR "ủy ban hòa bình việt nam" OR "viện trợ phi chính phủ" OR "union of friendship organisations" '
    'OR "union of friendship organizations" OR "people-to-people diplomacy" OR "friendship association" '
    'OR "organisations d\'amitié" OR "diplomatie populaire"'
)
