"""The query language people type, for topic rules (alerts) and, later, search.

    liên hiệp hữu nghị                 both words (AND is implicit)
    "đối ngoại nhân dân"               a phrase
    thanh hoa OR "dong nai"            either
    vufo NOT "bóng đá"   /  -bóng       without
    (lào OR campuchia) AND hữu nghị    grouping
    hữu*                               a word starting with "hữu"

Matching folds both sides (NFC, one tone placement, no diacritics, đ → d, lower case), so
`thanh hoa` finds "Thanh Hoá" and "Thanh Hóa". Operators are AND, OR, NOT in capitals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from huunghi.text.normalize import fold, normalize

_TOKEN = re.compile(r'"([^"]*)"|(\()|(\))|(-)(?=[\w"(])|([^\s()"]+)')
_WORD = re.compile(r"\w+\*?")


class QueryError(ValueError):
    """A query that cannot be read, with where and why."""


@dataclass(frozen=True)
class Node:
    op: str                        # "words", "and", "or", "not", "all"
    words: tuple[str, ...] = ()    # folded words of a term or phrase ("x*" = prefix)
    children: tuple["Node", ...] = ()


ALL = Node("all")


def words_of(text: str) -> list[str]:
    """Folded words of a text, as queries and documents both see them."""
    return re.findall(r"\w+", fold(normalize(text)))


MAX_QUERY_CHARS, MAX_QUERY_TOKENS, MAX_QUERY_DEPTH = 4000, 256, 32  # bounded work per query


def parse_query(text: str) -> Node:
    if len(text or "") > MAX_QUERY_CHARS:
        raise QueryError(f"truy vấn dài quá {MAX_QUERY_CHARS} ký tự (query too long)")
    if (text or "").count("(") > MAX_QUERY_DEPTH and _depth(text) > MAX_QUERY_DEPTH:
        raise QueryError(f"ngoặc lồng sâu quá {MAX_QUERY_DEPTH} mức (parentheses nested too deep)")
    tokens: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(text or ""):
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
        elif _WORD.search(fold(normalize(word))):
            tokens.append(("words", word))
        # a bare token with no word in it (";", "--", "&") is punctuation typed along: skipped
    if not tokens:
        return ALL
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.pos != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.pos][1]!r} at token {parser.pos + 1}")
    return node


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
            words = tuple(w.lower() for w in _WORD.findall(fold(normalize(value))))
            if not words:
                raise QueryError(f"{value!r} holds no word")
            return Node("words", words=words)
        raise QueryError(f"unexpected {value!r}")


class Document:
    """A text prepared once for matching many queries."""

    def __init__(self, *texts: str) -> None:
        self.words = words_of(" ".join(t for t in texts if t))
        self.joined = " " + " ".join(self.words) + " "
        self.vocab = set(self.words)

    def has(self, words: tuple[str, ...]) -> bool:
        if len(words) == 1 and not words[0].endswith("*"):
            return words[0] in self.vocab
        pattern = r"(?<= )" + r" ".join(re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w)
                                         for w in words) + r"(?= )"
        return re.search(pattern, self.joined) is not None


def matches(node: Node, doc: Document) -> bool:
    if node.op == "all":
        return True
    if node.op == "words":
        return doc.has(node.words)
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
