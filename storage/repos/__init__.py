"""Queries, one module per feature; the names most features share are re-exported here.

Core services call these instead of writing SQL of their own; cogs and platform adapters never
import this package (a ruff rule enforces it).
"""

# Query modules of one feature each, used as ``repos.<feature>.<query>``.
from storage.repos import (
    consults,
    deliveries,
    meetings,
    mentoring,
    privacy,
    prompts,
    schedules,
    sessions,
    slack,
    stages,
)
from storage.repos.audit import audit
from storage.repos.circles import (
    circle_by_channel,
    circle_by_id,
    circle_by_name,
    circles_by_ids,
    circles_in,
    circles_of,
    name_key,
)
from storage.repos.memberships import (
    SEAT_ROLES,
    active_roles,
    membership,
    memberships,
    memberships_of,
    seats_taken,
)
from storage.repos.rules import agreed_users, current_rules, has_agreed

__all__ = [
    "SEAT_ROLES",
    "active_roles",
    "agreed_users",
    "audit",
    "circle_by_channel",
    "circle_by_id",
    "circle_by_name",
    "circles_by_ids",
    "circles_in",
    "circles_of",
    "consults",
    "current_rules",
    "deliveries",
    "has_agreed",
    "meetings",
    "membership",
    "memberships",
    "memberships_of",
    "mentoring",
    "name_key",
    "privacy",
    "prompts",
    "schedules",
    "seats_taken",
    "sessions",
    "slack",
    "stages",
]
