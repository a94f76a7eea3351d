"""Full-text search over articles (``tickets.fulltext``): tokenizer, query language, and search
end to end through the services, on SQLite (FTS5) and PostgreSQL (GIN index)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from opsdesk.tickets import fulltext, selectors, services
from opsdesk.tickets.choices import Channel, SenderType
from opsdesk.tickets.fulltext import And, Not, Or, Term, parse_query, tokenize
from opsdesk.tickets.models import ArticleSearchIndex, Ticket
from opsdesk.tickets.services import AttachmentUpload

from .factories import QueueFactory, TicketFactory, agent_with

# Tokenizer ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("The printer shows E-42.", ["the", "printer", "shows", "e", "42"]),
        ("ＶＰＮ　Ｓｅｒｖｅｒ", ["vpn", "server"]),  # full-width: NFKC
        ("Straße ÉCOLE", ["strasse", "école"]),  # casefold, accents kept
        ("alice@example.com", ["alice", "example", "com"]),
        ("printer_log.txt", ["printer", "log", "txt"]),
        ("ネットワーク", ["ネッ", "ット", "トワ", "ワー", "ーク", "ク"]),
        ("ﾈｯﾄﾜｰｸ", ["ネッ", "ット", "トワ", "ワー", "ーク", "ク"]),  # half-width katakana
        ("障", ["障"]),
        ("VPN接続エラー", ["vpn", "接続", "続エ", "エラ", "ラー", "ー"]),
        ("障害・復旧", ["障害", "害", "復旧", "旧"]),  # the middle dot separates
        ("第1回", ["第", "1", "回"]),
        ("한국어", ["한국", "국어", "어"]),
        ("", []),
        ("... --- !!!", []),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_cuts_long_words():
    assert tokenize("a" * 300) == ["a" * fulltext.MAX_TOKEN_LENGTH]


def test_document_separates_fields_and_caps_the_body():
    document = fulltext.document_for(
        subject="Printer",
        body="paper " * 50000,
        from_address="alice@example.com",
        to_addresses="bob@example.com",
        cc_addresses="",
        attachment_names=["a.pdf", "b.log"],
    )
    tokens = document.split(" ")
    separator = fulltext.FIELD_SEPARATOR
    assert tokens[:12] == ["printer", separator, "alice", "example", "com", separator, "bob"] + [
        "example",
        "com",
        separator,
        separator,  # no cc
        "a",
    ]
    assert tokens[12:17] == ["pdf", separator, "b", "log", separator]
    assert tokens[17] == "paper"
    assert len(tokens) == fulltext.MAX_DOCUMENT_TOKENS


def test_document_stays_under_the_byte_limit():
    word = "ä" * 99  # 2 bytes per character
    document = fulltext.document_for(
        subject="",
        body=" ".join(f"{word}{i}" for i in range(10000)),
        from_address="",
        to_addresses="",
        cc_addresses="",
        attachment_names=[],
    )
    assert len(document.encode()) <= fulltext.MAX_DOCUMENT_BYTES
    assert all(
        token.startswith("ä") or token == fulltext.FIELD_SEPARATOR for token in document.split()
    )


# Query language -----------------------------------------------------------------------------------


def word(text, prefix=False):
    return Term((text,), prefix)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("printer", word("printer")),
        ("printer toner", And((word("printer"), word("toner")))),
        ("printer AND toner", And((word("printer"), word("toner")))),
        ("printer && toner + paper", And((word("printer"), word("toner"), word("paper")))),
        ("printer OR toner", Or((word("printer"), word("toner")))),
        ("printer || toner | paper", Or((word("printer"), word("toner"), word("paper")))),
        ("printer -toner", And((word("printer"), Not(word("toner"))))),
        (
            "printer !toner NOT paper",
            And((word("printer"), Not(word("toner")), Not(word("paper")))),
        ),
        ("printer - toner", And((word("printer"), word("toner")))),  # a lone dash is punctuation
        ('"out of paper"', Term(("out", "of", "paper"))),
        ("“out of paper”", Term(("out", "of", "paper"))),
        ('"out of pap"*', Term(("out", "of", "pap"), prefix=True)),
        ("print*", word("print", prefix=True)),
        ("E-42", Term(("e", "42"))),
        (
            "(printer OR scanner) -toner",
            And((Or((word("printer"), word("scanner"))), Not(word("toner")))),
        ),
        ("a OR b c", Or((word("a"), And((word("b"), word("c")))))),
        ("NOT NOT printer", word("printer")),
        ("a -(-b -c)", And((word("a"), Or((word("b"), word("c")))))),
        ("障害", word("障害")),
        ("障", word("障", prefix=True)),
        ("ネットワーク", Term(("ネッ", "ット", "トワ", "ワー", "ーク"))),
        ("VPN接続", Term(("vpn", "接続"))),
        ("接続VPN", Term(("接続", "続", "vpn"))),
        ("（障害　OR　故障）", Or((word("障害"), word("故障")))),  # full-width syntax
        ("ＶＰＮ＊", word("vpn", prefix=True)),
    ],
)
def test_parse_query(query, tree):
    assert parse_query(query) == tree


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("... !!!", "empty"),
        ('"out of paper', "unbalanced_quotes"),
        ("(printer OR toner", "unbalanced_parentheses"),
        ("printer)", "unbalanced_parentheses"),
        ("()", "empty"),
        ("-printer", "only_not"),
        ("NOT printer -toner", "only_not"),
        ("printer OR -toner", "only_not"),
        ("printer OR", "operator"),
        ("AND printer", "operator"),
        ("printer OR OR toner", "operator"),
        ("printer NOT", "operator"),
    ],
)
def test_parse_query_refuses_bad_syntax(query, code):
    with pytest.raises(ValidationError) as error:
        parse_query(query)
    assert error.value.code == code
    assert error.value.messages[0]


def test_compiled_queries_of_nested_exclusions():
    tree = parse_query("printer -(toner -paper)")
    assert fulltext.to_tsquery(tree) == "('printer' & !('toner' & !'paper'))"
    assert fulltext.to_fts5(tree) == '(("printer")) NOT ((("toner")) NOT ("paper"))'


def test_compiled_queries():
    tree = parse_query('(printer OR "out of paper") -toner 障 print*')
    assert fulltext.to_tsquery(tree) == (
        "(('printer' | ('out' <-> 'of' <-> 'paper')) & !'toner' & '障':* & 'print':*)"
    )
    assert fulltext.to_fts5(tree) == (
        '((("printer") OR ("out of paper")) AND ("障" *) AND ("print" *)) NOT ("toner")'
    )


# Search end to end --------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def found(text, queryset=None):
    queryset = Ticket.objects.all() if queryset is None else queryset
    return set(fulltext.filter_tickets(queryset, text).values_list("title", flat=True))


@pytest.fixture
def world(db, media, queue, rw_agent):
    """Four tickets with articles in English and Japanese."""
    TicketFactory(
        queue=queue,
        actor=rw_agent,
        title="Printer",
        body="The printer on floor 3 is out of paper. Error E-42.",
    )
    scanner = TicketFactory(
        queue=queue, actor=rw_agent, title="Scanner", body="The scanner needs new toner."
    )
    services.add_note(
        scanner,
        actor=rw_agent,
        subject="Log",
        body="Attached the log.",
        attachments=[AttachmentUpload("diagnostics.log", b"...", "text/plain")],
    )
    TicketFactory(
        queue=queue,
        actor=rw_agent,
        title="ネットワーク",
        body="本日9時からネットワーク障害が発生しています。VPN接続エラーが出ます。",
    )
    mail = TicketFactory(queue=queue, actor=rw_agent, title="Mail", body="Please call me back.")
    services.add_article(
        mail,
        services.ArticleDraft(
            channel=Channel.EMAIL,
            sender_type=SenderType.CUSTOMER,
            subject="Re: call",
            body="Thanks.",
            from_address="Alice Example <alice@customer.example>",
            to_addresses="helpdesk@opsdesk.example",
            cc_addresses="carol@customer.example",
            is_visible_for_customer=True,
        ),
        actor=rw_agent,
    )
    return queue


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("printer", {"Printer"}),
        ("PRINTER", {"Printer"}),
        ("paper printer", {"Printer"}),
        ('"out of paper"', {"Printer"}),
        ('"paper of out"', set()),
        ("E-42", {"Printer"}),
        ("printer OR scanner", {"Printer", "Scanner"}),
        ("(printer OR scanner) -toner", {"Printer"}),
        ("printer -(toner -paper)", {"Printer"}),
        ("the -(-toner -diagnostics)", {"Scanner"}),
        ("the -toner", {"Printer", "Scanner"}),  # the note of Scanner
        ("print*", {"Printer"}),
        ("print", set()),  # words are whole words; prefixes need *
        ("alice@customer.example", {"Mail"}),
        ("helpdesk@opsdesk.example", {"Mail"}),
        ("carol", {"Mail"}),
        ("diagnostics", {"Scanner"}),
        ("diagnostics.log", {"Scanner"}),
        ("log.diagnostics", set()),
        ("障害", {"ネットワーク"}),  # inside a sentence without spaces
        ("障", {"ネットワーク"}),
        ("生", {"ネットワーク"}),  # the last character of a run
        ("ネットワーク障害", {"ネットワーク"}),
        ("ネットワーク", {"ネットワーク"}),
        ("ﾈｯﾄﾜｰｸ", {"ネットワーク"}),
        ("VPN接続", {"ネットワーク"}),
        ("vpn 接続エラー", {"ネットワーク"}),
        ("障害 -VPN", set()),
        ("障害 OR printer", {"ネットワーク", "Printer"}),
        ("故障", set()),
        ("障害が発生していません", set()),
        ("elephant", set()),
    ],
)
def test_search(world, query, titles):
    assert found(query) == titles


def test_phrases_do_not_span_fields(world, rw_agent):
    ticket = TicketFactory(
        queue=world, actor=rw_agent, title="Monitor broken", body="Replaced the cable."
    )
    assert found('"monitor broken"') == {"Monitor broken"}
    assert found('"broken replaced"') == set()  # subject then body
    assert ticket.pk


def test_a_ticket_matches_when_one_article_matches_the_whole_query(world, rw_agent):
    ticket = Ticket.objects.get(title="Printer")
    services.add_note(ticket, actor=rw_agent, subject="Toner", body="Toner replaced as well.")
    assert found("printer toner") == set()  # in two different articles
    assert found("printer -toner") == {"Printer"}  # the first article matches
    assert found("toner") == {"Printer", "Scanner"}


def test_search_respects_permissions(world, rw_agent):
    other_queue = QueueFactory()
    other_agent = agent_with(other_queue, "rw")
    TicketFactory(queue=other_queue, actor=other_agent, title="Secret printer", body="printer")

    assert found("printer") == {"Printer", "Secret printer"}
    assert found("printer", selectors.tickets_visible_to(rw_agent)) == {"Printer"}
    assert found("printer", selectors.tickets_visible_to(other_agent)) == {"Secret printer"}
    nobody = agent_with(QueueFactory(), "ro")
    assert found("printer", selectors.tickets_visible_to(nobody)) == set()


def test_filter_tickets_reads_ids_then_filters_and_leaves_blank_text_alone(
    world, django_assert_num_queries
):
    queryset = Ticket.objects.all()
    assert fulltext.filter_tickets(queryset, "  ") is queryset
    # A few matching articles: their ticket ids first, then the tickets by that list.
    with django_assert_num_queries(2):
        assert len(list(fulltext.filter_tickets(queryset, "printer OR 障害"))) == 2
    with pytest.raises(ValidationError):
        fulltext.filter_tickets(queryset, '"unclosed')


def test_many_matching_articles_use_a_subquery(world, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(fulltext, "ID_LIST_AT_MOST", 1)
    filtered = fulltext.filter_tickets(Ticket.objects.all(), "printer OR 障害")
    assert "SELECT" in str(filtered.query).split("WHERE", 1)[1]  # pk IN (SELECT ticket_id ...)
    with django_assert_num_queries(1):
        assert len(list(filtered)) == 2


def test_reindexing_an_article_updates_its_row(world):
    ticket = Ticket.objects.get(title="Printer")
    article = ticket.articles.get()
    article.body = "Now about a stapler."
    article.save()
    assert found("stapler") == set()  # not indexed yet
    fulltext.index_article(article)
    fulltext.index_article(article)  # twice: still one row
    assert ArticleSearchIndex.objects.filter(article=article).count() == 1
    assert found("stapler") == {"Printer"}
    assert found("paper") == set()


def test_deleting_a_ticket_removes_its_rows(world):
    Ticket.objects.get(title="Printer").delete()
    assert found("printer") == set()
    assert found("scanner") == {"Scanner"}


def test_rebuild_command(world, capsys):
    ArticleSearchIndex.objects.all().delete()
    assert found("printer") == set()
    call_command("rebuild_ticket_search_index", "--batch-size", "2")
    output = capsys.readouterr().out
    assert "2 of 6 articles indexed" in output
    assert "Search index rebuilt: 6 articles" in output
    assert found("printer") == {"Printer"}
    assert found("障害") == {"ネットワーク"}
    assert found("diagnostics") == {"Scanner"}
    assert ArticleSearchIndex.objects.count() == 6


def test_reindex_of_some_tickets(world):
    printer = Ticket.objects.get(title="Printer")
    ArticleSearchIndex.objects.all().delete()
    assert fulltext.reindex([printer.pk]) == 1
    assert found("printer OR scanner") == {"Printer"}


def test_postgresql_uses_the_gin_index(world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    rows = fulltext.matching_index_rows("障害", using=connection.alias)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = rows.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "article_search_document_gin" in plan


def test_the_database_keeps_our_tokens_as_they_are(db, media, queue, rw_agent):
    """Neither PostgreSQL's 'simple' parser nor FTS5's unicode61 splits, joins or changes a token
    (bigrams, the separator, digits, accents, Hangul)."""
    text = "VPN接続エラー ﾈｯﾄﾜｰｸ障害 E-42 1e5 x1 école Straße 第1回 한국어 々〆〇 ー"
    ticket = TicketFactory(queue=queue, actor=rw_agent, title="Tokens", body=text)
    document = ArticleSearchIndex.objects.get(ticket=ticket).document
    expected = set(document.split())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT unnest(tsvector_to_array(document_tsv)) FROM tickets_articlesearchindex "
                "WHERE ticket_id = %s",
                [ticket.pk],
            )
        else:
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.fts_terms "
                f"USING fts5vocab(main, {fulltext.FTS_TABLE}, 'instance')"
            )
            cursor.execute(
                "SELECT term FROM temp.fts_terms WHERE doc = "
                "(SELECT article_id FROM tickets_articlesearchindex WHERE ticket_id = %s)",
                [ticket.pk],
            )
        terms = {row[0] for row in cursor.fetchall()}
        if connection.vendor == "sqlite":
            cursor.execute("DROP TABLE temp.fts_terms")
    assert terms == expected
    assert {"接続", "ネッ", "ー", "1e5", "école", "한국", fulltext.FIELD_SEPARATOR} <= terms
