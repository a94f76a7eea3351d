"""The product's ticket vocabulary (tickets.md, manual 5.1) and the default master data.

``ensure_ticket_defaults()`` creates what is missing and never changes what exists, so that
administrators' edits survive upgrades. It runs after every ``migrate`` (and after the test
database is flushed), so a new installation can take tickets at once.
"""

from django.db import transaction

from .choices import FollowUpPolicy, StateGroup, StateType, TemplateType

# variable -> (English label, Japanese label, state type, state group)
STATES = {
    "new": ("New", "新規", StateType.NEW, StateGroup.NEW),
    "open": ("Open", "対応中", StateType.OPEN, StateGroup.IN_PROGRESS),
    "in_progress": ("In progress", "進行中", StateType.OPEN, StateGroup.IN_PROGRESS),
    "awaiting_approval": ("Awaiting approval", "承認待ち", StateType.OPEN, StateGroup.IN_PROGRESS),
    "planning": ("Planning", "計画中", StateType.OPEN, StateGroup.IN_PROGRESS),
    "awaiting_implementation": (
        "Awaiting implementation",
        "実装待ち",
        StateType.OPEN,
        StateGroup.IN_PROGRESS,
    ),
    "implementing": ("Implementing", "実行中", StateType.OPEN, StateGroup.IN_PROGRESS),
    "declined": ("Declined", "拒否", StateType.OPEN, StateGroup.IN_PROGRESS),
    "awaiting_backout": (
        "Awaiting backout",
        "バックアウト待ち",
        StateType.OPEN,
        StateGroup.IN_PROGRESS,
    ),
    "investigating": ("Investigating", "調査中", StateType.OPEN, ""),
    "pending": ("Pending", "保留中(期限付)", StateType.PENDING_REMINDER, StateGroup.PENDING),
    "resolved": ("Resolved", "ワークアラウンドで完了", StateType.CLOSED, ""),
    "completed": ("Completed", "完了", StateType.CLOSED, StateGroup.CLOSED),
    "closed": ("Closed", "クローズ(成功)", StateType.CLOSED, StateGroup.CLOSED),
    "closed_with_backout": (
        "Closed with backout",
        "クローズ(バックアウト)",
        StateType.CLOSED,
        StateGroup.CLOSED,
    ),
    "cancelled": ("Cancelled", "削除", StateType.REMOVED, StateGroup.CLOSED),
}
# Internal only: the state of a ticket merged into another; no workflow offers it.
MERGED_STATE = ("merged", "Merged", "結合済", StateType.MERGED, "")

# variable -> (level, English, Japanese, colour)
PRIORITIES = {
    "very_low": (1, "Very low", "最低", "#0d6efd"),
    "low": (2, "Low", "低", "#198754"),
    "medium": (3, "Medium", "中", "#6c757d"),
    "high": (4, "High", "高", "#fd7e14"),
    "very_high": (5, "Very high", "最高", "#dc3545"),
}
DEFAULT_PRIORITY = "medium"


def _chain(*pairs: str) -> list[tuple[str, str]]:
    """'a>b,c' -> [(a, b), (a, c)]: compact transition lists."""
    result = []
    for pair in pairs:
        source, targets = pair.split(">")
        result.extend((source, target) for target in targets.split(","))
    return result


_INCIDENT = {
    "states": [
        "new",
        "open",
        "in_progress",
        "investigating",
        "pending",
        "resolved",
        "closed",
        "cancelled",
    ],
    "initial": ["new", "open", "in_progress", "pending", "closed"],
    "transitions": _chain(
        "new>open,in_progress,investigating,pending,resolved,closed,cancelled",
        "open>in_progress,investigating,pending,resolved,closed,cancelled",
        "in_progress>open,investigating,pending,resolved,closed,cancelled",
        "investigating>in_progress,pending,resolved,closed",
        "pending>open,in_progress,investigating,resolved,closed",
        "resolved>closed,open,in_progress",
        "closed>open",
    ),
}
_RFC = {
    "states": [
        "new",
        "awaiting_approval",
        "planning",
        "awaiting_implementation",
        "implementing",
        "completed",
        "awaiting_backout",
        "closed_with_backout",
        "declined",
        "pending",
        "closed",
        "cancelled",
    ],
    "initial": ["new"],
    "transitions": _chain(
        "new>awaiting_approval,cancelled",
        "awaiting_approval>planning,declined,pending,cancelled",
        "pending>awaiting_approval,planning,awaiting_implementation",
        "planning>awaiting_implementation,pending,cancelled",
        "awaiting_implementation>implementing,pending,cancelled",
        "implementing>completed,awaiting_backout",
        "awaiting_backout>closed_with_backout",
        "declined>closed",
        "completed>closed",
    ),
}


def _rfc_variant(*extra: str, initial: tuple[str, ...] = ("new",)) -> dict:
    return {**_RFC, "initial": list(initial), "transitions": _RFC["transitions"] + _chain(*extra)}


# variable -> (English, Japanese, workflow); a workflow without "transitions" is free.
TICKET_TYPES = {
    "unclassified": (
        "Unclassified",
        "未分類",
        {
            "states": [name for name in STATES],
            "initial": ["new", "open", "pending", "closed"],
        },
    ),
    "incident": ("Incident", "インシデント", _INCIDENT),
    "problem": (
        "Problem",
        "問題",
        {
            "states": [
                "new",
                "open",
                "investigating",
                "in_progress",
                "pending",
                "resolved",
                "closed",
                "cancelled",
            ],
            "initial": ["new", "open", "investigating"],
            "transitions": _chain(
                "new>open,investigating,cancelled",
                "open>investigating,in_progress,pending,resolved,closed,cancelled",
                "investigating>in_progress,pending,resolved,closed",
                "in_progress>investigating,pending,resolved,closed",
                "pending>open,investigating,in_progress",
                "resolved>closed,investigating",
                "closed>open",
            ),
        },
    ),
    "request": (
        "Service request",
        "サービス要求",
        {
            "states": [
                "new",
                "open",
                "awaiting_approval",
                "in_progress",
                "pending",
                "declined",
                "completed",
                "closed",
                "cancelled",
            ],
            "initial": ["new", "open", "in_progress", "closed"],
            "transitions": _chain(
                "new>open,awaiting_approval,in_progress,pending,closed,cancelled",
                "open>awaiting_approval,in_progress,pending,completed,closed,cancelled",
                "awaiting_approval>in_progress,declined,cancelled",
                "in_progress>pending,completed,closed,cancelled",
                "pending>open,in_progress,completed,closed",
                "declined>closed",
                "completed>closed,open",
                "closed>open",
            ),
        },
    ),
    "rfc": ("Request for change", "変更要求", _RFC),
    "rfc::normal": ("RfC: normal", "変更要求: 通常", _RFC),
    "rfc::emergency": (
        "RfC: emergency",
        "変更要求: 緊急",
        _rfc_variant("new>implementing,planning"),
    ),
    "rfc::breakfix": (
        "RfC: break-fix",
        "変更要求: 障害修正",
        _rfc_variant("new>implementing"),
    ),
    "rfc::standard": (
        "RfC: standard (pre-approved)",
        "変更要求: 標準(事前承認済)",
        _rfc_variant("new>planning,awaiting_implementation"),
    ),
    "release": (
        "Release",
        "リリース",
        {
            "states": [
                "new",
                "planning",
                "awaiting_approval",
                "awaiting_implementation",
                "implementing",
                "pending",
                "completed",
                "closed",
                "cancelled",
            ],
            "initial": ["new", "planning"],
            "transitions": _chain(
                "new>planning,cancelled",
                "planning>awaiting_approval,awaiting_implementation,pending,cancelled",
                "awaiting_approval>planning,awaiting_implementation,cancelled",
                "awaiting_implementation>implementing,pending,cancelled",
                "pending>planning,awaiting_implementation,implementing",
                "implementing>completed,awaiting_implementation",
                "completed>closed",
            ),
        },
    ),
}
DEFAULT_TYPE = "unclassified"

DEFAULT_SYSTEM_ADDRESS = ("opsdesk@localhost", "OpsDesk")
DEFAULT_SALUTATION = (
    "system standard salutation (en)",
    "Dear {customer_name},\n\nThank you for your request.\n",
)
DEFAULT_SIGNATURE = (
    "system standard signature (en)",
    "\nBest regards,\n\n{agent_name}\n{queue}\n",
)
JAPANESE_SALUTATION = (
    "system standard salutation (ja)",
    "{customer_name} 様\n\nお問い合わせいただきありがとうございます。\n",
)
JAPANESE_SIGNATURE = (
    "system standard signature (ja)",
    "\n以上、よろしくお願いいたします。\n\n{agent_name}\n",
)

# name -> comment; every default queue uses group ``users`` and the defaults above.
QUEUES = {
    "Postmaster": "Mail that the postmaster filters route for review",
    "Raw": "All incoming mail that no rule assigned to a queue",
    "Junk": "Spam and unwanted mail",
    "Misc": "Everything else",
    "Service Desk": "First contact for customers' requests",
    "Incident": "Faults and service interruptions",
    "Change": "Requests for change and releases",
}

# name -> (type, subject, text)
TEMPLATES = {
    "empty answer": (TemplateType.ANSWER, "", ""),
    "Request received": (
        TemplateType.ANSWER,
        "",
        "We have received your request and are looking into it. "
        "We will get back to you as soon as possible.",
    ),
    "Need more information": (
        TemplateType.ANSWER,
        "",
        "To investigate further we need some more information:\n\n- \n",
    ),
}


@transaction.atomic
def ensure_ticket_defaults(apps=None) -> None:
    """Create the default states, priorities, types with workflows, queues... that are missing."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("accounts", "Group")
    TicketState = apps.get_model("tickets", "TicketState")
    Priority = apps.get_model("tickets", "Priority")
    TicketType = apps.get_model("tickets", "TicketType")
    TicketTypeState = apps.get_model("tickets", "TicketTypeState")
    TicketTypeTransition = apps.get_model("tickets", "TicketTypeTransition")
    SystemAddress = apps.get_model("tickets", "SystemAddress")
    Salutation = apps.get_model("tickets", "Salutation")
    Signature = apps.get_model("tickets", "Signature")
    Queue = apps.get_model("tickets", "Queue")
    StandardTemplate = apps.get_model("tickets", "StandardTemplate")

    states = {state.name: state for state in TicketState.objects.all()}
    for name, (label, label_ja, state_type, group) in [
        *STATES.items(),
        (MERGED_STATE[0], MERGED_STATE[1:]),
    ]:
        if name not in states:
            states[name] = TicketState.objects.create(
                name=name, label=label, label_ja=label_ja, state_type=state_type, state_group=group
            )

    if not Priority.objects.exists():
        for name, (level, label, label_ja, color) in PRIORITIES.items():
            Priority.objects.create(
                name=name,
                level=level,
                label=label,
                label_ja=label_ja,
                color=color,
                is_default=name == DEFAULT_PRIORITY,
            )

    existing_types = set(TicketType.objects.values_list("name", flat=True))
    for name, (label, label_ja, workflow) in TICKET_TYPES.items():
        if name in existing_types:
            continue
        transitions = workflow.get("transitions")
        ticket_type = TicketType.objects.create(
            name=name,
            label=label,
            label_ja=label_ja,
            restrict_transitions=transitions is not None,
            default_state=states[workflow["initial"][0]],
            is_default=name == DEFAULT_TYPE
            and not TicketType.objects.filter(is_default=True).exists(),
        )
        TicketTypeState.objects.bulk_create(
            TicketTypeState(
                ticket_type=ticket_type, state=states[state], initial=state in workflow["initial"]
            )
            for state in workflow["states"]
        )
        TicketTypeTransition.objects.bulk_create(
            TicketTypeTransition(
                ticket_type=ticket_type, from_state=states[source], to_state=states[target]
            )
            for source, target in transitions or ()
        )

    if Queue.objects.exists():
        return
    users, _created = Group.objects.get_or_create(
        name="users", defaults={"comment": "Base agents: tickets and customers"}
    )
    address, _created = SystemAddress.objects.get_or_create(
        email=DEFAULT_SYSTEM_ADDRESS[0], defaults={"display_name": DEFAULT_SYSTEM_ADDRESS[1]}
    )
    salutation, _created = Salutation.objects.get_or_create(
        name=DEFAULT_SALUTATION[0], defaults={"text": DEFAULT_SALUTATION[1]}
    )
    signature, _created = Signature.objects.get_or_create(
        name=DEFAULT_SIGNATURE[0], defaults={"text": DEFAULT_SIGNATURE[1]}
    )
    Salutation.objects.get_or_create(
        name=JAPANESE_SALUTATION[0], defaults={"text": JAPANESE_SALUTATION[1]}
    )
    Signature.objects.get_or_create(
        name=JAPANESE_SIGNATURE[0], defaults={"text": JAPANESE_SIGNATURE[1]}
    )
    for name, comment in QUEUES.items():
        Queue.objects.create(
            name=name,
            full_name=name,
            group=users,
            comment=comment,
            follow_up_policy=FollowUpPolicy.REOPEN,
            system_address=address,
            salutation=salutation,
            signature=signature,
        )
    for name, (template_type, subject, text) in TEMPLATES.items():
        StandardTemplate.objects.get_or_create(
            name=name, defaults={"template_type": template_type, "subject": subject, "text": text}
        )
