"""Full-text search over articles (``opsdesk.tickets.fulltext``).

PostgreSQL: a stored generated column ``document_tsv`` = ``to_tsvector('simple', document)``
(not a model field: Django never reads or writes it) with a GIN index; queries use
``document_tsv @@ to_tsquery('simple', ...)``. A stored column rather than an expression index:
rows the index cannot decide alone (phrases, and the per-ticket probes the planner chooses for
ordered first pages) are checked against the stored vector instead of tokenising the document
again, which measured 10-20 times faster on 300,000 articles for words in ~1% of them.
SQLite: an FTS5 external-content table over ``tickets_articlesearchindex`` (rowid = article_id)
kept in step by the triggers of the FTS5 documentation.

The documents are tokenised in Python; both databases only split them on spaces ('simple' does
not stem, unicode61 with remove_diacritics 0 keeps the tokens as they are).

Notes for later migrations: on SQLite, altering ``tickets_articlesearchindex`` makes Django rebuild
the table, which drops the triggers: such a migration must create them again (SQLITE_TRIGGERS).
On PostgreSQL, changing the type of ``document`` needs ``document_tsv`` dropped first.

Existing articles are indexed here when there are at most 100,000 of them; larger databases
should run ``manage.py rebuild_ticket_search_index`` (searches work meanwhile, finding more as it
goes).
"""

from django.db import migrations

FTS = "tickets_articlesearchindex_fts"
TABLE = "tickets_articlesearchindex"
PG_INDEX = "article_search_document_gin"
PG_COLUMN = "document_tsv"
POPULATE_AT_MOST = 100_000

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(document, content='{TABLE}', "
    "content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')"
)
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, document) VALUES (new.article_id, new.document); END",
    f"CREATE TRIGGER {FTS}_ad AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, document) VALUES ('delete', old.article_id, old.document); "
    "END",
    f"CREATE TRIGGER {FTS}_au AFTER UPDATE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, document) VALUES ('delete', old.article_id, old.document); "
    f"INSERT INTO {FTS}(rowid, document) VALUES (new.article_id, new.document); END",
]


def populate(apps, schema_editor):
    from opsdesk.tickets.fulltext import document_for

    db = schema_editor.connection.alias
    Article = apps.get_model("tickets", "Article")
    Attachment = apps.get_model("tickets", "Attachment")
    ArticleSearchIndex = apps.get_model("tickets", "ArticleSearchIndex")
    total = Article.objects.using(db).count()
    if total > POPULATE_AT_MOST:
        print(
            f"\n  {total} articles: run 'manage.py rebuild_ticket_search_index' to index them "
            "for full-text search."
        )
        return
    last = 0
    while True:
        batch = list(Article.objects.using(db).filter(pk__gt=last).order_by("pk")[:1000])
        if not batch:
            return
        last = batch[-1].pk
        names = {}
        for article_id, filename in (
            Attachment.objects.using(db)
            .filter(article_id__in=[article.pk for article in batch])
            .order_by("article_id", "pk")
            .values_list("article_id", "filename")
        ):
            names.setdefault(article_id, []).append(filename)
        ArticleSearchIndex.objects.using(db).filter(article_id__in=[a.pk for a in batch]).delete()
        ArticleSearchIndex.objects.using(db).bulk_create(
            ArticleSearchIndex(
                article_id=article.pk,
                ticket_id=article.ticket_id,
                document=document_for(
                    subject=article.subject,
                    body=article.body,
                    from_address=article.from_address,
                    to_addresses=article.to_addresses,
                    cc_addresses=article.cc_addresses,
                    attachment_names=names.get(article.pk, ()),
                ),
            )
            for article in batch
        )


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN {PG_COLUMN} tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, document)) STORED"
        )
        populate(apps, schema_editor)  # before the index: one build instead of many updates
        # The rows just written leave deferred foreign-key checks pending, and PostgreSQL
        # refuses CREATE INDEX on a table with pending trigger events: check them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"CREATE INDEX {PG_INDEX} ON {TABLE} USING gin ({PG_COLUMN})")
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
        populate(apps, schema_editor)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {PG_COLUMN}")
    elif vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {FTS}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_views_search_links_merge"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
