"""Full-text search over ticket articles, on PostgreSQL and SQLite, Japanese substrings included.

Each article has one ``ArticleSearchIndex`` row whose ``document`` holds its subject, from, to,
cc, attachment names and body, already tokenised here in Python and joined by spaces. Both
databases then only need to split on spaces:

- PostgreSQL: a stored generated column ``document_tsv`` (``to_tsvector('simple', document)``,
  added by migration 0003, not a model field) with a GIN index; queries are
  ``document_tsv @@ to_tsquery('simple', ...)``.
- SQLite: an FTS5 external-content table ``tickets_articlesearchindex_fts`` over the index table,
  kept in step by triggers (migration 0003); queries use ``MATCH``.

Tokens: letters and digits form words (NFKC-normalised and case-folded, so "ＶＰＮ" is "vpn").
Japanese, Chinese and Korean runs have no spaces between words, so they are cut into overlapping
bigrams plus the run's last character ("ネットワーク" -> ネッ ット トワ ワー ーク ク). A query
term of two or more such characters is the phrase of its bigrams, which matches anywhere inside a
run; a one-character term is a prefix match ("障" -> 障*), which finds the character anywhere
because every character of a run starts a token (the trailing single character is why).

A ticket matches when one of its articles matches the whole expression (OTOBO's per-article
full-text search): ``printer -toner`` finds a ticket with an article that mentions a printer and
not toner, even if another article of the ticket mentions toner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from .models import Article, ArticleSearchIndex, Attachment

# The FTS5 table of migration 0003 (SQLite only).
FTS_TABLE = "tickets_articlesearchindex_fts"

# Limits, so that every document fits PostgreSQL's tsvector (1 MB, word positions up to 16383)
# and both databases give the same answers (positions past 16383 would break phrases there):
# - a word is cut after 100 characters (base64 and other blobs; queries are cut the same way);
# - subject, from, to, cc and the attachment names keep their first 500 tokens each;
# - the whole document keeps its first 16,000 tokens (the body gets what the others leave,
#   at least ~13,500: about 80 KB of English text, or 13,500 characters of Japanese);
# - and at most 600,000 bytes (with PostgreSQL's per-lexeme overhead, well under 1 MB).
MAX_TOKEN_LENGTH = 100
MAX_FIELD_TOKENS = 500
MAX_DOCUMENT_TOKENS = 16000
MAX_DOCUMENT_BYTES = 600_000
# Raw text past this is not even normalised (a 10 MB log pasted into a mail).
_MAX_RAW_CHARACTERS = 2_000_000

# Between fields (and between attachment names), so that a phrase cannot span two of them. It is
# a word for both databases (a lexeme, so PostgreSQL counts a position for it), but the query side
# can never produce it: queries are NFKC-normalised, which turns full-width letters into ASCII.
FIELD_SEPARATOR = "ｚ"  # U+FF5A FULLWIDTH LATIN SMALL LETTER Z

# Scripts written without spaces between words (cut into bigrams): Han (with 々 〆 〇), Hiragana,
# Katakana with the long-vowel mark ー (half-width forms become these under NFKC), Hangul.
_CJK = (
    "\u3005-\u3007"
    "\u3041-\u3096\u309d-\u309f"
    "\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003134f"
    "\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
)
# A run of CJK characters, or a run of other letters/digits (\w without "_" is str.isalnum()).
_RUNS = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text[:_MAX_RAW_CHARACTERS]).casefold()


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is_cjk, run) for each run of letters/digits of the normalised text."""
    for match in _RUNS.finditer(_normalise(text)):
        cjk = match.group("cjk")
        yield (True, cjk) if cjk is not None else (False, match.group("word"))


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def _iter_tokens(text: str) -> Iterator[str]:
    for is_cjk, run in _runs(text):
        if not is_cjk:
            yield run[:MAX_TOKEN_LENGTH]
        elif len(run) == 1:
            yield run
        else:
            yield from _bigrams(run)
            yield run[-1]


def tokenize(text: str) -> list[str]:
    """The tokens of ``text`` as indexed: words, and bigrams (+ last character) of CJK runs.

    "VPN接続エラー" -> ["vpn", "接続", "続エ", "エラ", "ラー", "ー"].
    """
    return list(_iter_tokens(text or ""))


def document_for(
    *,
    subject: str,
    body: str,
    from_address: str,
    to_addresses: str,
    cc_addresses: str,
    attachment_names: Iterable[str],
) -> str:
    """The index document of an article: its fields tokenised, separated by ``FIELD_SEPARATOR``,
    short fields first and the body last (the body is what the limits above cut)."""
    parts: list[str] = []
    for field in (subject, from_address, to_addresses, cc_addresses):
        parts.extend(islice(_iter_tokens(field or ""), MAX_FIELD_TOKENS))
        parts.append(FIELD_SEPARATOR)
    names: list[str] = []
    for name in attachment_names:
        names.extend(_iter_tokens(name or ""))
        names.append(FIELD_SEPARATOR)
        if len(names) >= MAX_FIELD_TOKENS:
            break
    names = names[:MAX_FIELD_TOKENS]
    if not names or names[-1] != FIELD_SEPARATOR:
        names.append(FIELD_SEPARATOR)
    parts.extend(names)
    parts.extend(islice(_iter_tokens(body or ""), max(MAX_DOCUMENT_TOKENS - len(parts), 0)))
    document = " ".join(parts)
    if len(document) * 4 > MAX_DOCUMENT_BYTES:  # only then can it be too long in UTF-8
        encoded = document.encode()
        if len(encoded) > MAX_DOCUMENT_BYTES:
            document = encoded[: MAX_DOCUMENT_BYTES + 1].decode(errors="ignore")
            document = document.rsplit(" ", 1)[0]  # drop the token that was cut
    return document


def _article_document(article: Article, attachment_names: Iterable[str]) -> str:
    return document_for(
        subject=article.subject,
        body=article.body,
        from_address=article.from_address,
        to_addresses=article.to_addresses,
        cc_addresses=article.cc_addresses,
        attachment_names=attachment_names,
    )


def index_article(article: Article) -> None:
    """Create or update the search index row of ``article`` (after its attachments are stored)."""
    names = list(
        Attachment.objects.filter(article=article).order_by("pk").values_list("filename", flat=True)
    )
    ArticleSearchIndex.objects.update_or_create(
        article=article,
        defaults={"ticket_id": article.ticket_id, "document": _article_document(article, names)},
    )


def reindex(
    ticket_ids: Iterable[int] | None = None,
    *,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild the index rows of all articles (or of the articles of ``ticket_ids``).

    Works in batches of ``batch_size`` articles by ascending id (keyset paging, one transaction
    per batch: searches keep working meanwhile): three queries and one ``bulk_create`` per batch.
    ``progress(done, total)`` is called after each batch. Returns the number of articles indexed.
    """
    articles = Article.objects.all()
    if ticket_ids is not None:
        articles = articles.filter(ticket_id__in=list(ticket_ids))
    total = articles.count()
    done = 0
    last_pk = 0
    fields = ("pk", "ticket_id", "subject", "body", "from_address", "to_addresses", "cc_addresses")
    while True:
        rows = list(
            articles.filter(pk__gt=last_pk).order_by("pk").values_list(*fields)[:batch_size]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        ids = [row[0] for row in rows]
        names: dict[int, list[str]] = {}
        for article_id, filename in (
            Attachment.objects.filter(article_id__in=ids)
            .order_by("article_id", "pk")
            .values_list("article_id", "filename")
        ):
            names.setdefault(article_id, []).append(filename)
        entries = [
            ArticleSearchIndex(
                article_id=pk,
                ticket_id=ticket_id,
                document=document_for(
                    subject=subject,
                    body=body,
                    from_address=from_address,
                    to_addresses=to_addresses,
                    cc_addresses=cc_addresses,
                    attachment_names=names.get(pk, ()),
                ),
            )
            for pk, ticket_id, subject, body, from_address, to_addresses, cc_addresses in rows
        ]
        with transaction.atomic():
            ArticleSearchIndex.objects.filter(article_id__in=ids).delete()
            ArticleSearchIndex.objects.bulk_create(entries, batch_size=500)
        done += len(rows)
        if progress is not None:
            progress(done, total)
    return done


# Queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Tokens that must follow each other (one token: a word); ``prefix``: the last is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = Term | And | Or | Not


def _query_term(text: str, *, star: bool) -> Term | None:
    """The term of a query word or "phrase": tokens as in documents, except that the last CJK run
    has no trailing single character (so the term also matches inside a longer run), and a last
    single CJK character is a prefix."""
    runs = list(_runs(text))
    if not runs:
        return None
    tokens: list[str] = []
    for index, (is_cjk, run) in enumerate(runs):
        last = index == len(runs) - 1
        if not is_cjk:
            tokens.append(run[:MAX_TOKEN_LENGTH])
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(_bigrams(run))
            if not last:
                tokens.append(run[-1])
    last_is_cjk, last_run = runs[-1]
    prefix = (star and not last_is_cjk) or (last_is_cjk and len(last_run) == 1)
    return Term(tuple(tokens), prefix)


# Lexer token kinds.
_LPAREN, _RPAREN, _AND, _OR, _NOT, _TERM = "(", ")", "AND", "OR", "NOT", "TERM"
_WORD_END = set('()"|&')


def _lex(text: str) -> list[tuple[str, Term | None]]:
    text = unicodedata.normalize("NFKC", text).replace("“", '"').replace("”", '"')
    tokens: list[tuple[str, Term | None]] = []
    i, length = 0, len(text)
    while i < length:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append((char, None))
            i += 1
        elif char == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ValidationError(
                    _("A quotation mark is not closed: put one at each end of a phrase."),
                    code="unbalanced_quotes",
                )
            star = text.startswith("*", end + 1)
            term = _query_term(text[i + 1 : end], star=star)
            if term is not None:
                tokens.append((_TERM, term))
            i = end + 1 + star
        elif char in "|&+":
            while i < length and text[i] == char:
                i += 1
            tokens.append((_OR if char == "|" else _AND, None))
        elif char in "-!":
            i += 1
            if i < length and not text[i].isspace() and text[i] not in ")|&+-!":
                tokens.append((_NOT, None))
            # else a lone (or repeated) dash or exclamation mark: punctuation
        else:
            start = i
            while i < length and not text[i].isspace() and text[i] not in _WORD_END:
                i += 1
            word = text[start:i]
            if word in (_AND, _OR, _NOT):
                tokens.append((word, None))
            else:
                term = _query_term(word, star=word.endswith("*"))
                if term is not None:
                    tokens.append((_TERM, term))
    return tokens


class _Parser:
    """expression := and (OR and)* ; and := unary (AND? unary)* ;
    unary := NOT unary | "(" expression ")" | term"""

    def __init__(self, tokens: list[tuple[str, Term | None]]):
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, Term | None]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def operator_error(self, operator: str) -> ValidationError:
        return ValidationError(
            _("“%(operator)s” needs a word or phrase on each side.") % {"operator": operator},
            code="operator",
        )

    def expression(self) -> Node:
        children = [self.conjunction()]
        while self.peek() == _OR:
            self.take()
            if self.peek() in (None, _OR, _AND, _RPAREN):
                raise self.operator_error("OR")
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def conjunction(self) -> Node:
        children = [self.unary()]
        while self.peek() not in (None, _OR, _RPAREN):
            if self.peek() == _AND:
                self.take()
                if self.peek() in (None, _OR, _AND, _RPAREN):
                    raise self.operator_error("AND")
            children.append(self.unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        kind = self.peek()
        if kind == _NOT:
            self.take()
            if self.peek() in (None, _OR, _AND, _RPAREN):
                raise ValidationError(
                    _("“NOT” (or “-”) needs a word or phrase after it."), code="operator"
                )
            return Not(self.unary())
        if kind == _LPAREN:
            self.take()
            if self.peek() == _RPAREN:
                raise ValidationError(_("There is nothing between the parentheses."), code="empty")
            if self.peek() is None:
                raise _parentheses_error()
            node = self.expression()
            if self.peek() != _RPAREN:
                raise _parentheses_error()
            self.take()
            return node
        if kind == _TERM:
            term = self.take()[1]
            assert term is not None
            return term
        if kind == _RPAREN:
            raise _parentheses_error()
        raise self.operator_error(kind or "")


def _parentheses_error() -> ValidationError:
    return ValidationError(
        _("The parentheses do not match: close each “(” with a “)”."), code="unbalanced_parentheses"
    )


def _simplify(node: Node) -> Node:
    """Flatten nested AND/OR, remove double negation, and turn NOT (NOT a AND NOT b) into
    (a OR b), so that what a NOT excludes always names something to find."""
    if isinstance(node, Not):
        child = _simplify(node.child)
        if isinstance(child, Not):
            return child.child
        if isinstance(child, And) and all(isinstance(each, Not) for each in child.children):
            return _simplify(Or(tuple(each.child for each in child.children)))  # type: ignore[union-attr]
        return Not(child)
    if isinstance(node, And | Or):
        children: list[Node] = []
        for child in map(_simplify, node.children):
            if type(child) is type(node):
                children.extend(child.children)  # type: ignore[union-attr]
            else:
                children.append(child)
        return type(node)(tuple(children))
    return node


def _is_positive(node: Node) -> bool:
    """Whether ``node`` names something to find (not only something to exclude). Raises for an
    OR with an alternative that only excludes: it would match nearly every article."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        _is_positive(node.child)
        return False
    if isinstance(node, And):
        return any([_is_positive(child) for child in node.children])
    if not all(_is_positive(child) for child in node.children):
        raise ValidationError(
            _(
                "Each side of “OR” needs a word or phrase to find; excluded words (NOT, -) "
                "only narrow a search."
            ),
            code="only_not",
        )
    return True


def parse_query(text: str) -> Node:
    """The syntax tree of a full-text query; ``ValidationError`` with a message for the user when
    the syntax is wrong (see docs/ticket-fulltext.md for the language)."""
    tokens = _lex(text or "")
    if not tokens:
        raise ValidationError(_("Enter a word or phrase to search for."), code="empty")
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.peek() is not None:  # only a ")" can be left over
        raise _parentheses_error()
    node = _simplify(node)
    if not _is_positive(node):
        raise ValidationError(
            _("Add a word or phrase to find: excluded words (NOT, -) only narrow a search."),
            code="only_not",
        )
    return node


def _pg_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def to_tsquery(node: Node) -> str:
    """The ``to_tsquery('simple', ...)`` text of a parsed query (PostgreSQL)."""
    if isinstance(node, Term):
        lexemes = [_pg_lexeme(token) for token in node.tokens]
        if node.prefix:
            lexemes[-1] += ":*"
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"
    if isinstance(node, Not):
        return "!" + to_tsquery(node.child)
    operator = " & " if isinstance(node, And) else " | "
    return "(" + operator.join(to_tsquery(child) for child in node.children) + ")"


def to_fts5(node: Node) -> str:
    """The FTS5 ``MATCH`` text of a parsed query (SQLite). FTS5's NOT is binary ("a NOT b"), so an
    AND's excluded parts are subtracted from the conjunction of its other parts."""
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens).replace('"', '""') + '"' + (" *" if node.prefix else "")
    if isinstance(node, Or):
        return " OR ".join(f"({to_fts5(child)})" for child in node.children)
    if isinstance(node, And):
        included = [child for child in node.children if not isinstance(child, Not)]
        expression = " AND ".join(f"({to_fts5(child)})" for child in included)
        for child in node.children:
            if isinstance(child, Not):
                expression = f"({expression}) NOT ({to_fts5(child.child)})"
        return expression
    raise ValueError("a lone NOT has no FTS5 form (parse_query refuses it)")


def matching_index_rows(text: str, *, using: str = "default") -> QuerySet[ArticleSearchIndex]:
    """The index rows (one per article) whose document matches the query ``text``."""
    node = parse_query(text)
    rows = ArticleSearchIndex.objects.using(using)
    vendor = connections[using].vendor
    if vendor == "postgresql":
        # document_tsv: the GIN-indexed column of migration 0003 (not a model field).
        return rows.filter(
            RawSQL(
                "document_tsv @@ to_tsquery('simple'::regconfig, %s)",
                [to_tsquery(node)],
                output_field=BooleanField(),
            )
        )
    if vendor == "sqlite":
        return rows.filter(
            article_id__in=RawSQL(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [to_fts5(node)]
            )
        )
    raise NotImplementedError(f"full-text search is not available on {vendor}")


# Up to this many matching articles, their tickets' ids are read first and the tickets filtered
# by that list; beyond, a subquery. For a rare word PostgreSQL would otherwise walk the tickets
# in the list's order and probe the index once per ticket (seconds on a million tickets); for a
# common word the subquery is the better plan.
ID_LIST_AT_MOST = 2000


def filter_tickets(queryset: QuerySet, text: str) -> QuerySet:
    """The tickets of ``queryset`` with at least one article matching the whole query ``text``.

    Reads the matching articles' ticket ids first (one query that stops after
    ``ID_LIST_AT_MOST`` + 1 rows) and filters by that list, or by an indexed subquery
    (``pk IN (SELECT ticket_id ...)``) when more articles match. Composes with any other filter,
    including ``selectors.tickets_visible_to``. Blank ``text`` leaves the queryset as it is;
    bad syntax raises ``ValidationError``.
    """
    if not (text or "").strip():
        return queryset
    rows = matching_index_rows(text, using=queryset.db)
    found = list(rows.order_by().values_list("ticket_id", flat=True)[: ID_LIST_AT_MOST + 1])
    if len(found) <= ID_LIST_AT_MOST:
        return queryset.filter(pk__in=sorted(set(found)))
    return queryset.filter(pk__in=rows.values("ticket_id"))
