"""Fill the current database with a large, realistic ticket data set for benchmarks.

``manage.py generate_bench_data --tickets 1000000`` creates about 60 queues in a hierarchy with
their groups, 80 agents with roles (and an agent ``bench`` with ``rw`` on every group), 2,000
customer companies with 20,000 customer users, then the tickets over the last two years (about
85 % closed; the open ones in the states their type allows, some locked, pending, escalating or
watched), three articles per ticket on average (English and about 40 % Japanese, composed from word
lists), their history (NewTicket, one row per article, the state change) and the full-text index
rows (``ArticleSearchIndex``, built with ``tickets.fulltext.document_for``).

Rare words (``RARE_WORDS``) appear in a known share of the articles so that the benchmark can
search for them. Rows are written in batches: ``COPY`` on PostgreSQL (with the secondary indexes of
the big tables dropped during the load and rebuilt at the end, then ``VACUUM ANALYZE``), multi-row
``INSERT`` elsewhere. No services, no events: this is test data, not a way to import tickets.
"""

import datetime
import importlib
import random
import time
import zoneinfo
from bisect import bisect
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from opsdesk.accounts.models import Agent, AgentGroupPermission, Group, Role, RoleGroupPermission
from opsdesk.accounts.services import ensure_default_groups_and_roles
from opsdesk.customers.models import CustomerCompany, CustomerUser
from opsdesk.tickets.choices import Channel, HistoryType, SenderType
from opsdesk.tickets.defaults import ensure_ticket_defaults
from opsdesk.tickets.models import (
    Article,
    ArticleSearchIndex,
    Priority,
    Queue,
    Ticket,
    TicketHistory,
    TicketNumberCounter,
    TicketState,
    TicketType,
    TicketTypeState,
    TicketWatcher,
)
from opsdesk.tickets.numbers import COUNTER_DIGITS

BENCH_LOGIN = "bench"
BENCH_PASSWORD = "bench-password-1"
AGENT_PASSWORD = "bench-agent-password-1"
DAYS = 730

# (language, word, share of the articles of that language containing it)
RARE_WORDS = [
    ("en", "xylophone", 0.0001),
    ("en", "marmalade", 0.001),
    ("en", "kangaroo", 0.01),
    ("ja", "麒麟", 0.0001),
    ("ja", "鳳凰", 0.001),
    ("ja", "琥珀", 0.01),
]

# Queue tree: name -> (group, weight of the tickets, children). Existing default queues are kept.
QUEUE_TREE = {
    "Service Desk": (
        "users",
        40,
        {"Tokyo": ("users", 6, {}), "Osaka": ("users", 4, {}), "London": ("users", 3, {})},
    ),
    "IT": (
        "it",
        2,
        {
            "Network": (
                "it-network",
                2,
                {
                    "WAN": ("it-network", 2, {}),
                    "LAN": ("it-network", 2, {}),
                    "Wi-Fi": ("it-network", 3, {}),
                    "Firewall": ("it-network", 1, {}),
                },
            ),
            "Servers": (
                "it-servers",
                1,
                {
                    "Linux": ("it-servers", 2, {}),
                    "Windows": ("it-servers", 2, {}),
                    "Storage": ("it-servers", 1, {}),
                },
            ),
            "Workplace": (
                "it-workplace",
                3,
                {
                    "Laptops": ("it-workplace", 5, {}),
                    "Printers": ("it-workplace", 4, {}),
                    "Mobile": ("it-workplace", 2, {}),
                },
            ),
            "Applications": (
                "it-apps",
                1,
                {
                    "SAP": ("it-apps", 3, {}),
                    "CRM": ("it-apps", 2, {}),
                    "Email": ("it-apps", 4, {}),
                    "Web shop": ("it-apps", 2, {}),
                },
            ),
        },
    ),
    "Facilities": (
        "facilities",
        1,
        {
            "Buildings": ("facilities", 2, {}),
            "Security": ("facilities", 1, {}),
            "Catering": ("facilities", 1, {}),
            "Parking": ("facilities", 1, {}),
        },
    ),
    "HR": (
        "hr",
        1,
        {
            "Payroll": ("hr", 2, {}),
            "Recruiting": ("hr", 1, {}),
            "Onboarding": ("hr", 2, {}),
            "Training": ("hr", 1, {}),
        },
    ),
    "Finance": (
        "finance",
        1,
        {
            "Accounts payable": ("finance", 2, {}),
            "Accounts receivable": ("finance", 1, {}),
            "Travel expenses": ("finance", 2, {}),
        },
    ),
    "Sales": (
        "sales",
        1,
        {"Orders": ("sales", 2, {}), "Quotes": ("sales", 1, {}), "Returns": ("sales", 1, {})},
    ),
    "Customer Support": (
        "support",
        2,
        {
            level: (
                group,
                1,
                {
                    product: (group, weight, {})
                    for product in ("Product A", "Product B", "Product C")
                },
            )
            for level, group, weight in (
                ("Level 1", "support", 5),
                ("Level 2", "support-l2", 2),
                ("Level 3", "support-l3", 1),
            )
        },
    ),
}
DEFAULT_QUEUE_WEIGHTS = {
    "Raw": 3,
    "Junk": 1,
    "Misc": 2,
    "Postmaster": 1,
    "Incident": 6,
    "Change": 3,
}

TYPE_WEIGHTS = {
    "unclassified": 20,
    "incident": 45,
    "request": 18,
    "problem": 5,
    "rfc": 2,
    "rfc::normal": 3,
    "rfc::emergency": 1,
    "rfc::breakfix": 1,
    "rfc::standard": 2,
    "release": 2,
}
OPEN_STATE_WEIGHTS = {
    "new": 20,
    "open": 35,
    "in_progress": 20,
    "pending": 12,
    "investigating": 5,
    "awaiting_approval": 4,
    "planning": 4,
    "awaiting_implementation": 3,
    "implementing": 2,
    "declined": 1,
    "awaiting_backout": 1,
}
CLOSED_STATE_WEIGHTS = {
    "closed": 80,
    "resolved": 8,
    "completed": 8,
    "cancelled": 4,
    "closed_with_backout": 1,
}
PRIORITY_WEIGHTS = {"very_low": 5, "low": 15, "medium": 60, "high": 15, "very_high": 5}
ARTICLE_COUNT_WEIGHTS = {1: 15, 2: 20, 3: 30, 4: 20, 5: 10, 6: 5}  # mean 3.05

FIRST_NAMES = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Emma",
    "Oliver",
    "Sophie",
    "Lucas",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
]
JA_FIRST_NAMES = [
    "太郎",
    "花子",
    "一郎",
    "美咲",
    "健太",
    "陽子",
    "大輔",
    "由美",
    "翔太",
    "直子",
    "拓也",
    "恵子",
    "誠",
    "愛",
    "隆",
    "真理",
]
JA_LAST_NAMES = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "松本",
    "井上",
    "木村",
    "林",
]
CITIES = ["Tokyo", "Osaka", "Nagoya", "Fukuoka", "London", "Berlin", "New York", "Sydney"]

EN_SYSTEMS = [
    "VPN",
    "email",
    "printer",
    "laptop",
    "Wi-Fi",
    "SAP",
    "payroll system",
    "Outlook",
    "Teams",
    "file server",
    "CRM",
    "web shop",
    "database",
    "backup job",
    "firewall",
    "phone line",
    "badge reader",
    "intranet",
    "monitor",
    "docking station",
]
EN_PROBLEMS = [
    "does not start",
    "is very slow",
    "drops the connection",
    "shows an error",
    "cannot be reached",
    "rejects my password",
    "freezes",
    "crashes after the update",
    "prints blank pages",
    "sends duplicate messages",
    "is not synchronised",
    "reports a licence problem",
]
EN_WHEN = [
    "this morning",
    "yesterday",
    "last week",
    "the update on Monday",
    "about an hour",
    "the move to the new office",
]
EN_DETAILS = [
    "I already restarted the computer twice.",
    "The error code is {code}.",
    "Colleagues in the {dept} department see the same.",
    "It worked fine until {when}.",
    "This blocks our month-end closing.",
    "I attached a screenshot of the message.",
    "The problem happens only on the second floor.",
    "Please call me back at extension {code}.",
    "We need this fixed before the customer visit.",
    "Clearing the cache did not help.",
]
EN_ACTIONS = [
    "We have reset your account; please sign in again.",
    "We replaced the faulty cable and the connection is stable again.",
    "The update has been rolled back on your device.",
    "We forwarded the request to the second-level team.",
    "A technician will visit your desk tomorrow morning.",
    "Please install the patch from the software centre and restart.",
    "We increased the quota of your mailbox.",
    "The service was restarted and is reachable again.",
]
EN_NOTES = [
    "Checked the logs: timeouts on the {system} gateway since {when}.",
    "Called the customer, no answer; will try again later.",
    "Vendor ticket {code} opened for the {system}.",
    "Same root cause as last month's {system} outage.",
    "Waiting for approval from the department head.",
    "Workaround documented in the knowledge base.",
]
DEPARTMENTS = ["sales", "finance", "marketing", "logistics", "legal", "research"]

JA_SYSTEMS = [
    "VPN",
    "メール",
    "プリンター",
    "ノートPC",
    "無線LAN",
    "会計システム",
    "給与システム",
    "ファイルサーバー",
    "顧客管理システム",
    "基幹システム",
    "バックアップ",
    "電話回線",
    "入館カード",
    "社内ポータル",
    "ウェブ会議",
]
JA_PROBLEMS = [
    "起動しません",
    "動作が非常に遅いです",
    "接続が頻繁に切れます",
    "エラーが表示されます",
    "ログインできません",
    "フリーズします",
    "更新後に異常終了します",
    "印刷できません",
    "同期されません",
]
JA_WHEN = ["今朝", "昨日", "先週", "月曜日の更新", "一時間ほど前", "事務所の移転"]
JA_DETAILS = [
    "パソコンを再起動しましたが改善しません。",
    "エラーコードは{code}です。",
    "同じ部署の他の社員も同様の状況です。",
    "{when}までは正常に動作していました。",
    "月末の締め処理ができず困っています。",
    "画面のスクリーンショットを添付します。",
    "二階の席でのみ発生します。",
    "内線{code}までご連絡ください。",
    "お客様の訪問前に解決が必要です。",
    "キャッシュを削除しても改善しませんでした。",
]
JA_ACTIONS = [
    "アカウントをリセットしましたので、再度ログインしてください。",
    "故障したケーブルを交換し、接続は安定しています。",
    "お使いの端末の更新を元に戻しました。",
    "二次サポートのチームに依頼を転送しました。",
    "明日の午前中に担当者がお席に伺います。",
    "ソフトウェアセンターから修正プログラムを適用し、再起動してください。",
    "メールボックスの容量を増やしました。",
    "サービスを再起動し、接続できるようになりました。",
]
JA_NOTES = [
    "ログを確認：{when}から{system}のゲートウェイでタイムアウトが発生。",
    "お客様に電話したが不在。後ほど再度連絡する。",
    "{system}についてベンダーに問い合わせ済み（番号{code}）。",
    "先月の{system}障害と同じ原因の可能性。",
    "部門長の承認待ち。",
    "回避策をナレッジベースに記載した。",
]


class Weighted:
    """Fast weighted choice with a shared random generator."""

    def __init__(self, rng: random.Random, items: dict):
        self.rng = rng
        self.values = list(items)
        self.cumulative = list(accumulate(items.values()))
        self.total = self.cumulative[-1]

    def __call__(self):
        return self.values[bisect(self.cumulative, self.rng.random() * self.total)]


class Writer:
    """Writes rows (tuples in the order of ``columns``) to a table in batches."""

    def __init__(self, postgres: bool):
        self.postgres = postgres
        self.counts: dict[str, int] = {}

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.postgres:
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        step = max(1, 900 // len(columns))  # SQLite's limit of bound parameters per statement
        with connection.cursor() as cursor:
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                values = ", ".join([f"({placeholders})"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({quoted}) VALUES {values}",
                    [value for row in chunk for value in row],
                )


TICKET_COLUMNS = (
    "id",
    "created_at",
    "changed_at",
    "created_by_id",
    "changed_by_id",
    "number",
    "title",
    "queue_id",
    "state_id",
    "priority_id",
    "ticket_type_id",
    "customer_company_id",
    "customer_user_id",
    "customer_address",
    "owner_id",
    "responsible_id",
    "locked",
    "lock_changed_at",
    "pending_until",
    "closed_at",
    "archived",
    "merged_into_id",
    "escalation_at",
    "extra",
)
ARTICLE_COLUMNS = (
    "id",
    "ticket_id",
    "channel",
    "sender_type",
    "is_visible_for_customer",
    "from_address",
    "to_addresses",
    "cc_addresses",
    "bcc_addresses",
    "reply_to",
    "subject",
    "body",
    "body_html",
    "message_id",
    "in_reply_to",
    "references",
    "source",
    "time_units",
    "created_at",
    "created_by_id",
)
HISTORY_COLUMNS = (
    "id",
    "ticket_id",
    "article_id",
    "history_type",
    "field",
    "old_value",
    "new_value",
    "comment",
    "queue_id",
    "state_id",
    "priority_id",
    "ticket_type_id",
    "owner_id",
    "created_at",
    "created_by_id",
    "actor_label",
)
WATCHER_COLUMNS = ("id", "ticket_id", "agent_id", "created_at")
INDEX_COLUMNS = ("article_id", "ticket_id", "document")
BIG_MODELS = (Ticket, Article, TicketHistory, TicketWatcher, ArticleSearchIndex)


def _document_for():
    """H1's ``fulltext.document_for`` when the module exists, else None (index later)."""
    try:
        module = importlib.import_module("opsdesk.tickets.fulltext")
    except ImportError:
        return None
    return getattr(module, "document_for", None)


class Command(BaseCommand):
    help = "Generate a large, realistic ticket data set for benchmarks (empty database only)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, required=False, default=0)
        parser.add_argument("--articles-per-ticket", type=float, default=3.0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--agents", type=int, default=80)
        parser.add_argument("--companies", type=int, default=2000)
        parser.add_argument("--customer-users", type=int, default=20000)
        parser.add_argument("--batch", type=int, default=10000, help="Tickets per batch.")
        parser.add_argument(
            "--append", action="store_true", help="Add tickets although some exist already."
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Do not build the full-text index rows (build them later with --index-only).",
        )
        parser.add_argument(
            "--index-only",
            action="store_true",
            help="Only build the missing full-text index rows of existing articles.",
        )

    # Entry -----------------------------------------------------------------------------------

    def handle(self, *args, **options):
        self.started = time.perf_counter()
        self.options = options
        self.postgres = connection.vendor == "postgresql"
        self.rng = random.Random(options["seed"])
        self.writer = Writer(self.postgres)
        if options["index_only"]:
            empty = not ArticleSearchIndex.objects.exists()
            self._with_loading_session(
                self.build_index_only, rebuild=self.postgres and empty, models=(ArticleSearchIndex,)
            )
            self.finish()
            return
        count = options["tickets"]
        if count <= 0 and not options["append"]:
            raise CommandError("Give the number of tickets with --tickets N.")
        existing = Ticket.objects.exists()
        if existing and not options["append"]:
            raise CommandError(
                "The database already has tickets; use an empty database or give --append."
            )
        self.document_for = None if options["no_index"] else _document_for()
        if not options["no_index"] and self.document_for is None:
            self.log("tickets.fulltext.document_for is missing: no full-text index rows.")
        self.setup_master_data()

        def load():
            if count > 0:
                self.generate(count, options["batch"], options["articles_per_ticket"])

        # Dropping and rebuilding indexes only pays off for an empty table.
        self._with_loading_session(load, rebuild=self.postgres and not existing)
        self.finish(analyze=count > 0)
        self.stdout.write(
            f"Agent login: {BENCH_LOGIN} / password: {BENCH_PASSWORD} "
            f"(other agents: {AGENT_PASSWORD})"
        )

    def log(self, message: str) -> None:
        seconds = time.perf_counter() - self.started
        self.stdout.write(f"[{seconds:8.1f} s] {message}")
        self.stdout.flush()

    # Master data ------------------------------------------------------------------------------

    @transaction.atomic
    def setup_master_data(self) -> None:
        ensure_ticket_defaults()
        default_roles = ensure_default_groups_and_roles()
        base = Queue.objects.order_by("id").first()
        groups: dict[str, Group] = {g.name: g for g in Group.objects.all()}

        def group(name):
            if name not in groups:
                groups[name] = Group.objects.create(name=name, comment="Benchmark data")
            return groups[name]

        self.queue_weights: dict[int, int] = {}
        existing = {q.full_name: q for q in Queue.objects.all()}

        def make(tree, parent):
            for name, (group_name, weight, children) in tree.items():
                full_name = f"{parent.full_name}::{name}" if parent else name
                queue = existing.get(full_name)
                if queue is None:
                    queue = Queue.objects.create(
                        name=name,
                        parent=parent,
                        full_name=full_name,
                        group=group(group_name),
                        system_address_id=base.system_address_id,
                        salutation_id=base.salutation_id,
                        signature_id=base.signature_id,
                        comment="Benchmark data",
                    )
                self.queue_weights[queue.pk] = weight
                make(children, queue)

        make(QUEUE_TREE, None)
        for name, weight in DEFAULT_QUEUE_WEIGHTS.items():
            if name in existing:
                self.queue_weights.setdefault(existing[name].pk, weight)
        self.queues = {q.pk: q for q in Queue.objects.filter(pk__in=self.queue_weights)}
        self.log(f"{len(self.queues)} queues, {len(groups)} groups")
        self.setup_agents(groups, default_roles)
        self.setup_customers()

    def setup_agents(self, groups: dict[str, Group], default_roles: dict[str, Role]) -> None:
        if not Agent.objects.filter(login=BENCH_LOGIN).exists():
            rng = self.rng
            queue_group_ids = {q.group_id for q in self.queues.values()}
            work_groups = [g for g in groups.values() if g.pk in queue_group_ids]
            roles = []
            for g in work_groups:
                role = Role.objects.create(name=f"bench {g.name} agents", comment="Benchmark data")
                RoleGroupPermission.objects.bulk_create(
                    [
                        RoleGroupPermission(role=role, group=g, permission="rw"),
                        RoleGroupPermission(role=role, group=g, permission="ro"),
                    ]
                )
                roles.append((role, g))
            readers = Role.objects.create(name="bench readers", comment="Benchmark data")
            RoleGroupPermission.objects.bulk_create(
                RoleGroupPermission(role=readers, group=g, permission="ro") for g in work_groups
            )
            password = make_password(AGENT_PASSWORD)
            agents = []
            for n in range(1, self.options["agents"] + 1):
                japanese = n % 3 == 0
                first = rng.choice(JA_FIRST_NAMES if japanese else FIRST_NAMES)
                last = rng.choice(JA_LAST_NAMES if japanese else LAST_NAMES)
                agents.append(
                    Agent(
                        login=f"bench-agent-{n:03d}",
                        first_name=first,
                        last_name=last,
                        email=f"bench-agent-{n:03d}@opsdesk.example.com",
                        password=password,
                        language="ja" if japanese else "en",
                    )
                )
            Agent.objects.bulk_create(agents)
            agents = list(Agent.objects.filter(login__startswith="bench-agent-").order_by("login"))
            links = []
            for n, agent in enumerate(agents):
                picks = {roles[n % len(roles)][0], rng.choice(roles)[0]}
                if n % 16 == 0:
                    picks.add(readers)
                links.extend(Agent.roles.through(agent_id=agent.pk, role_id=r.pk) for r in picks)
            Agent.roles.through.objects.bulk_create(links)
            Agent.objects.create_user(
                BENCH_LOGIN,
                "bench@opsdesk.example.com",
                BENCH_PASSWORD,
                first_name="Bench",
                last_name="Admin",
            )
        # Idempotent, so that --append --tickets 0 repairs an older data set.
        bench = Agent.objects.get(login=BENCH_LOGIN)
        AgentGroupPermission.objects.bulk_create(
            [
                AgentGroupPermission(agent=bench, group=g, permission=p)
                for g in Group.objects.all()
                for p in ("ro", "rw")
            ],
            ignore_conflicts=True,
        )
        if "itsm_user" in default_roles:
            Agent.roles.through.objects.bulk_create(
                [
                    Agent.roles.through(agent_id=pk, role_id=default_roles["itsm_user"].pk)
                    for pk in Agent.objects.filter(login__startswith="bench-agent-").values_list(
                        "pk", flat=True
                    )
                ],
                ignore_conflicts=True,
            )
        # Owners per queue: agents whose roles give rw on the queue's group.
        by_group: dict[int, list[int]] = {}
        grants = RoleGroupPermission.objects.filter(
            permission="rw", role__name__startswith="bench "
        ).values_list("group_id", "role__agents")
        for group_id, agent_id in grants:
            if agent_id:
                by_group.setdefault(group_id, []).append(agent_id)
        everyone = list(
            Agent.objects.filter(login__startswith="bench-agent-").values_list("pk", flat=True)
        )
        self.agent_names = {
            a.pk: f"{a.first_name} {a.last_name}"
            for a in Agent.objects.filter(login__startswith="bench-agent-")
        }
        self.owners = {
            q.pk: sorted(set(by_group.get(q.group_id) or everyone)) for q in self.queues.values()
        }
        self.all_agents = everyone
        self.log(f"{len(everyone)} agents + {BENCH_LOGIN}")

    def setup_customers(self) -> None:
        rng = self.rng
        if not CustomerCompany.objects.filter(customer_id__startswith="BENCH-").exists():
            companies = []
            for n in range(1, self.options["companies"] + 1):
                japanese = n % 5 < 2
                companies.append(
                    CustomerCompany(
                        customer_id=f"BENCH-{n:05d}",
                        name=(
                            f"株式会社ベンチ{n:05d}" if japanese else f"Bench Company {n:05d} Ltd"
                        ),
                        city=rng.choice(CITIES),
                        country="Japan" if japanese else "United Kingdom",
                        comment="Benchmark data",
                    )
                )
            CustomerCompany.objects.bulk_create(companies, batch_size=1000)
            company_ids = list(
                CustomerCompany.objects.filter(customer_id__startswith="BENCH-")
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            users = []
            for n in range(1, self.options["customer_users"] + 1):
                company = company_ids[(n * 7919) % len(company_ids)]
                japanese = n % 5 < 2
                first = rng.choice(JA_FIRST_NAMES if japanese else FIRST_NAMES)
                last = rng.choice(JA_LAST_NAMES if japanese else LAST_NAMES)
                users.append(
                    CustomerUser(
                        login=f"bench-cu-{n:05d}",
                        first_name=first,
                        last_name=last,
                        email=f"user{n:05d}@customer{company}.example.com",
                        company_id=company,
                        language="ja" if japanese else "en",
                    )
                )
            CustomerUser.objects.bulk_create(users, batch_size=2000)
        self.customers = [
            (pk, company_id, f"{first} {last}", email)
            for pk, company_id, first, last, email in CustomerUser.objects.filter(
                login__startswith="bench-cu-"
            )
            .order_by("pk")
            .values_list("pk", "company_id", "first_name", "last_name", "email")
        ]
        self.log(f"{len(self.customers)} customer users")

    # Loading session (PostgreSQL: no FK triggers, secondary indexes rebuilt) ------------------

    def _with_loading_session(self, work, *, rebuild: bool, models=BIG_MODELS) -> None:
        if not self.postgres:
            work()
            return
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            try:
                cursor.execute("SET session_replication_role = replica")  # no FK checks
            except Exception:  # not a superuser: FK checks stay on (slower)
                self.log("could not switch off foreign-key checks (not a superuser)")
        dropped = self._drop_indexes(models) if rebuild else []
        try:
            work()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for name, definition in dropped:
                    start = time.perf_counter()
                    cursor.execute(definition)
                    self.log(f"index {name} rebuilt in {time.perf_counter() - start:.1f} s")

    def _drop_indexes(self, models) -> list[tuple[str, str]]:
        tables = [model._meta.db_table for model in models]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c WHERE c.conindid = (
                      quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
                ORDER BY i.tablename, i.indexname
                """,
                [tables],
            )
            indexes = cursor.fetchall()
            for name, definition in indexes:
                self.stdout.write(f"  dropping for the load: {definition}")
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return indexes

    # Tickets -------------------------------------------------------------------------------

    def _dt(self, value):
        """A datetime as the database takes it through raw SQL (SQLite: naive UTC text)."""
        if value is None or self.postgres:
            return value
        return value.replace(tzinfo=None).isoformat(" ")

    def generate(self, count: int, batch: int, articles_per_ticket: float) -> None:
        rng = self.rng
        now = timezone.now().replace(microsecond=0)
        start = now - datetime.timedelta(days=DAYS)
        span = (now - start).total_seconds()
        server_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        system_id = settings.OPSDESK_SYSTEM_ID
        hook = settings.OPSDESK_TICKET_HOOK

        states = {s.name: s for s in TicketState.objects.all()}
        state_names = {s.pk: s.name for s in states.values()}
        types = {t.name: t for t in TicketType.objects.filter(name__in=TYPE_WEIGHTS)}
        allowed: dict[int, set[str]] = {}
        for type_id, name in TicketTypeState.objects.values_list("ticket_type_id", "state__name"):
            allowed.setdefault(type_id, set()).add(name)
        open_choice, closed_choice = {}, {}
        for t in types.values():
            opens = {s: w for s, w in OPEN_STATE_WEIGHTS.items() if s in allowed[t.pk]}
            closes = {s: w for s, w in CLOSED_STATE_WEIGHTS.items() if s in allowed[t.pk]}
            open_choice[t.pk] = Weighted(rng, opens)
            closed_choice[t.pk] = Weighted(rng, closes)
        type_choice = Weighted(rng, {types[n]: w for n, w in TYPE_WEIGHTS.items() if n in types})
        priorities = {p.name: p for p in Priority.objects.all()}
        priority_choice = Weighted(rng, {priorities[n]: w for n, w in PRIORITY_WEIGHTS.items()})
        queue_choice = Weighted(rng, {self.queues[pk]: w for pk, w in self.queue_weights.items()})
        scale = articles_per_ticket / 3.05
        article_counts = Weighted(
            rng, {max(1, round(n * scale)): w for n, w in ARTICLE_COUNT_WEIGHTS.items()}
        )
        counters = dict(TicketNumberCounter.objects.values_list("day", "value"))
        ids = {
            model: (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
            for model in (Ticket, Article, TicketHistory, TicketWatcher)
        }
        next_ticket, next_article = ids[Ticket] + 1, ids[Article] + 1
        next_history, next_watcher = ids[TicketHistory] + 1, ids[TicketWatcher] + 1
        composer = Composer(rng)
        address = self.queues[next(iter(self.queues))].system_address
        system_from = address.formatted
        system_email = address.email
        document_for = self.document_for
        dt = self._dt
        customers = self.customers
        agent_names = self.agent_names
        all_agents = self.all_agents

        self.log(f"generating {count:,} tickets in batches of {batch:,}")
        done = 0
        rare_found: dict[str, int] = {}
        while done < count:
            size = min(batch, count - done)
            tickets, articles, history, watchers, index = [], [], [], [], []
            for i in range(done, done + size):
                created = start + datetime.timedelta(seconds=span * (i + rng.random()) / count)
                age_days = (now - created).days
                p_open = 0.6 if age_days < 14 else 0.35 if age_days < 60 else 0.127
                is_open = rng.random() < p_open
                ticket_type = type_choice()
                state = states[(open_choice if is_open else closed_choice)[ticket_type.pk]()]
                priority = priority_choice()
                queue = queue_choice()
                day = created.astimezone(server_zone).date()
                counter = counters.get(day, 0) + 1
                counters[day] = counter
                number = f"{day:%Y%m%d}{system_id}{counter:0{COUNTER_DIGITS}d}"
                if rng.random() < 0.92:
                    cu_id, company_id, customer_name, customer_email = customers[
                        int(rng.random() ** 1.5 * len(customers))
                    ]
                    customer_address = ""
                else:
                    cu_id = company_id = None
                    customer_name = "Walk-in"
                    customer_email = f"visitor{rng.randrange(100000)}@mail.example.net"
                    customer_address = customer_email
                candidates = self.owners[queue.pk]
                owner = rng.choice(candidates) if (not is_open or rng.random() < 0.8) else None
                responsible = None
                if owner and rng.random() < 0.2:
                    responsible = owner if rng.random() < 0.5 else rng.choice(candidates)
                locked = bool(is_open and owner and rng.random() < 0.4)
                pending_until = escalation_at = closed_at = None
                if state.state_type == "pending_reminder":
                    pending_until = now + datetime.timedelta(hours=rng.uniform(-72, 240))
                if is_open and rng.random() < 0.3:
                    escalation_at = created + datetime.timedelta(hours=rng.uniform(4, 96))
                if not is_open:
                    hours = min(rng.expovariate(1 / 48), (now - created).total_seconds() / 3600)
                    closed_at = created + datetime.timedelta(hours=hours)
                end = closed_at or now
                n_articles = article_counts()
                japanese = rng.random() < 0.4
                topic = composer.topic(japanese)
                title = topic.subject
                ticket_id = next_ticket
                next_ticket += 1
                initial = ticket_type.default_state_id
                first_channel = Channel.EMAIL
                roll = rng.random()
                if roll > 0.95:
                    first_channel = Channel.WEB
                elif roll > 0.8:
                    first_channel = Channel.PHONE
                creator = owner if first_channel == Channel.PHONE else None
                history.append(
                    (
                        next_history,
                        ticket_id,
                        None,
                        HistoryType.NEW_TICKET,
                        "",
                        "",
                        number,
                        f"{queue.full_name} / {state_names[initial]} / {priority.name} "
                        f"/ {ticket_type.name}",
                        queue.pk,
                        initial,
                        priority.pk,
                        ticket_type.pk,
                        owner,
                        dt(created),
                        creator,
                        "" if creator else customer_email,
                    )
                )
                next_history += 1
                step = (end - created) / n_articles
                last = created
                for k in range(n_articles):
                    at = created + step * k + step * rng.random() * 0.5 if k else created
                    last = at
                    if k == 0:
                        channel, sender, agent = first_channel, SenderType.CUSTOMER, None
                        kind = "request"
                        history_type = {
                            Channel.EMAIL: HistoryType.EMAIL_CUSTOMER,
                            Channel.PHONE: HistoryType.PHONE_CALL_CUSTOMER,
                            Channel.WEB: HistoryType.WEB_REQUEST_CUSTOMER,
                        }[channel]
                    else:
                        roll = rng.random()
                        if k % 2 == 1 and roll < 0.6 or k % 2 == 0 and roll < 0.3:
                            kind = "reply"
                        elif k % 2 == 0 and roll < 0.8:
                            kind = "followup"
                        else:
                            kind = "note"
                        agent = owner or rng.choice(candidates)
                        if kind == "reply":
                            channel, sender = Channel.EMAIL, SenderType.AGENT
                            history_type = HistoryType.SEND_ANSWER
                        elif kind == "note":
                            channel, sender = Channel.INTERNAL, SenderType.AGENT
                            history_type = HistoryType.ADD_NOTE
                        else:
                            channel, sender, agent = Channel.EMAIL, SenderType.CUSTOMER, None
                            history_type = HistoryType.FOLLOW_UP
                    subject, body = composer.article(
                        topic, kind, customer_name, agent_names.get(agent, "")
                    )
                    for language, word, share in RARE_WORDS:
                        if (language == "ja") == japanese and rng.random() < share:
                            body += composer.rare_sentence(word, japanese)
                            rare_found[word] = rare_found.get(word, 0) + 1
                    if k and channel == Channel.EMAIL:
                        subject = f"Re: [{hook}{number}] {subject}"
                    article_id = next_article
                    next_article += 1
                    if sender == SenderType.CUSTOMER:
                        from_address = f"{customer_name} <{customer_email}>"
                        to_address = system_email if channel == Channel.EMAIL else ""
                    elif channel == Channel.EMAIL:
                        from_address, to_address = system_from, customer_email
                    else:
                        from_address, to_address = agent_names.get(agent, ""), ""
                    message_id = (
                        f"<bench-{article_id}@opsdesk.example>" if channel == Channel.EMAIL else ""
                    )
                    articles.append(
                        (
                            article_id,
                            ticket_id,
                            channel,
                            sender,
                            channel != Channel.INTERNAL,
                            from_address,
                            to_address,
                            "",
                            "",
                            "",
                            subject,
                            body,
                            "",
                            message_id,
                            "",
                            "",
                            "",
                            0,
                            dt(at),
                            agent,
                        )
                    )
                    history.append(
                        (
                            next_history,
                            ticket_id,
                            article_id,
                            history_type,
                            "",
                            "",
                            "",
                            "",
                            queue.pk,
                            initial if k == 0 else state.pk,
                            priority.pk,
                            ticket_type.pk,
                            owner,
                            dt(at),
                            agent,
                            "" if agent else customer_email,
                        )
                    )
                    next_history += 1
                    if document_for is not None:
                        index.append(
                            (
                                article_id,
                                ticket_id,
                                document_for(
                                    subject=subject,
                                    body=body,
                                    from_address=from_address,
                                    to_addresses=to_address,
                                    cc_addresses="",
                                    attachment_names=[],
                                ),
                            )
                        )
                if state.pk != initial:
                    at = closed_at or last
                    history.append(
                        (
                            next_history,
                            ticket_id,
                            None,
                            HistoryType.STATE_UPDATE,
                            "state",
                            state_names[initial],
                            state.name,
                            "",
                            queue.pk,
                            state.pk,
                            priority.pk,
                            ticket_type.pk,
                            owner,
                            dt(at),
                            owner,
                            "",
                        )
                    )
                    next_history += 1
                if is_open and rng.random() < 0.03:
                    for agent in {rng.choice(all_agents) for _ in range(rng.randint(1, 2))}:
                        watchers.append((next_watcher, ticket_id, agent, dt(created)))
                        next_watcher += 1
                changed = closed_at or last
                tickets.append(
                    (
                        ticket_id,
                        dt(created),
                        dt(changed),
                        creator,
                        owner if owner else creator,
                        number,
                        title,
                        queue.pk,
                        state.pk,
                        priority.pk,
                        ticket_type.pk,
                        company_id,
                        cu_id,
                        customer_address,
                        owner,
                        responsible,
                        locked,
                        dt(last) if locked else None,
                        dt(pending_until),
                        dt(closed_at),
                        False,
                        None,
                        dt(escalation_at),
                        "{}",
                    )
                )
            with transaction.atomic():
                self.writer.write(Ticket._meta.db_table, TICKET_COLUMNS, tickets)
                self.writer.write(Article._meta.db_table, ARTICLE_COLUMNS, articles)
                self.writer.write(TicketHistory._meta.db_table, HISTORY_COLUMNS, history)
                self.writer.write(TicketWatcher._meta.db_table, WATCHER_COLUMNS, watchers)
                self.writer.write(ArticleSearchIndex._meta.db_table, INDEX_COLUMNS, index)
            done += size
            elapsed = time.perf_counter() - self.started
            self.log(
                f"{done:,} tickets, {self.writer.counts.get(Article._meta.db_table, 0):,} "
                f"articles ({done / elapsed:,.0f} tickets/s overall)"
            )
        TicketNumberCounter.objects.bulk_create(
            [TicketNumberCounter(day=day, value=value) for day, value in counters.items()],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["value"],
        )
        self.log("rare words (articles): " + ", ".join(f"{w} {n}" for w, n in rare_found.items()))

    # Full-text index of existing articles ----------------------------------------------------

    def build_index_only(self) -> None:
        document_for = _document_for()
        if document_for is None:
            raise CommandError("tickets.fulltext.document_for is missing.")
        table = ArticleSearchIndex._meta.db_table
        last_id = 0
        batch = 20000
        done = 0
        while True:
            rows = list(
                Article.objects.filter(pk__gt=last_id, search_index__isnull=True)
                .order_by("pk")
                .values_list(
                    "pk",
                    "ticket_id",
                    "subject",
                    "body",
                    "from_address",
                    "to_addresses",
                    "cc_addresses",
                )[:batch]
            )
            if not rows:
                break
            index = [
                (
                    pk,
                    ticket_id,
                    document_for(
                        subject=subject,
                        body=body,
                        from_address=sender,
                        to_addresses=to,
                        cc_addresses=cc,
                        attachment_names=[],
                    ),
                )
                for pk, ticket_id, subject, body, sender, to, cc in rows
            ]
            with transaction.atomic():
                self.writer.write(table, INDEX_COLUMNS, index)
            last_id = rows[-1][0]
            done += len(rows)
            self.log(f"{done:,} articles indexed")

    # End ----------------------------------------------------------------------------------

    def finish(self, analyze: bool = True) -> None:
        if self.postgres and analyze:
            with connection.cursor() as cursor:
                for model in (Ticket, Article, TicketHistory, TicketWatcher):
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                    )
            start = time.perf_counter()
            with connection.cursor() as cursor:
                if not connection.in_atomic_block:  # VACUUM cannot run in a transaction
                    for model in BIG_MODELS:
                        cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
                cursor.execute("ANALYZE")
            self.log(f"VACUUM ANALYZE in {time.perf_counter() - start:.1f} s")
        elif analyze:
            # SQLite plans its joins blindly without statistics (a list page 444 ms -> 68 ms at
            # 100k tickets once analysed).
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.log(f"ANALYZE in {time.perf_counter() - start:.1f} s")
        for table, rows in self.writer.counts.items():
            self.stdout.write(f"  {table}: {rows:,} rows")
        self.log("done")


class Topic:
    __slots__ = ("japanese", "system", "problem", "subject", "when")

    def __init__(self, japanese, system, problem, subject, when):
        self.japanese = japanese
        self.system = system
        self.problem = problem
        self.subject = subject
        self.when = when


class Composer:
    """Article texts from word lists and sentence templates (English or Japanese)."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def topic(self, japanese: bool) -> Topic:
        rng = self.rng
        if japanese:
            system, problem = rng.choice(JA_SYSTEMS), rng.choice(JA_PROBLEMS)
            return Topic(True, system, problem, f"{system}が{problem}", rng.choice(JA_WHEN))
        system, problem = rng.choice(EN_SYSTEMS), rng.choice(EN_PROBLEMS)
        return Topic(False, system, problem, f"The {system} {problem}", rng.choice(EN_WHEN))

    def _fill(self, template: str, topic: Topic) -> str:
        if "{" not in template:
            return template
        return template.format(
            code=self.rng.randrange(1000, 99999),
            dept=self.rng.choice(DEPARTMENTS),
            when=topic.when,
            system=topic.system,
        )

    def article(self, topic: Topic, kind: str, customer: str, agent: str) -> tuple[str, str]:
        rng = self.rng
        details = [
            self._fill(rng.choice(JA_DETAILS if topic.japanese else EN_DETAILS), topic)
            for _ in range(rng.randint(1, 3))
        ]
        if topic.japanese:
            if kind in ("request", "followup"):
                lead = "お世話になっております。" if kind == "request" else "追加の連絡です。"
                body = (
                    f"{lead}{customer}です。\n\n{topic.when}から{topic.system}が{topic.problem}。"
                    + "".join(details)
                    + "\n\nお手数ですが、ご確認をお願いいたします。\n"
                )
            elif kind == "reply":
                body = (
                    f"{customer} 様\n\nお問い合わせいただきありがとうございます。"
                    f"{rng.choice(JA_ACTIONS)}\n\n以上、よろしくお願いいたします。\n{agent}\n"
                )
            else:
                body = self._fill(rng.choice(JA_NOTES), topic) + "".join(details[:1])
            subject = topic.subject if kind != "note" else "メモ"
            return subject, body
        if kind in ("request", "followup"):
            lead = "Hello," if kind == "request" else "Hello again,"
            body = (
                f"{lead}\n\nsince {topic.when} the {topic.system} {topic.problem}. "
                + " ".join(details)
                + f"\n\nThank you,\n{customer}\n"
            )
        elif kind == "reply":
            body = (
                f"Dear {customer},\n\nthank you for your message. {rng.choice(EN_ACTIONS)}\n\n"
                f"Best regards,\n{agent}\n"
            )
        else:
            body = self._fill(rng.choice(EN_NOTES), topic) + " " + details[0]
        subject = topic.subject if kind != "note" else "Note"
        return subject, body

    def rare_sentence(self, word: str, japanese: bool) -> str:
        if japanese:
            return f"\n{word}という名前の端末で発生しています。"
        return f"\nThe device is labelled {word} in the inventory."
