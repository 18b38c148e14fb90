"""``reminders.diff``: which ledger rows ``sync`` inserts, moves, revives or cancels, as a pure
function of what the schedules want and which rows exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core import reminders
from bot.core.reminders import Plan, Wanted
from bot.core.schedules import Occurrence
from storage.models import DeliveryStatus
from storage.repos.deliveries import Row

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(days=30)
MEETING = datetime(2026, 4, 7, 19, 0, tzinfo=UTC)
DAY, HOUR = "reminder:1440", "reminder:60"


def row(
    rid: int,
    kind: str = DAY,
    *,
    status: str = DeliveryStatus.PENDING,
    due: datetime = MEETING - timedelta(days=1),
    occurrence: datetime = MEETING,
    lease: str | None = None,
    circle: int = 1,
) -> Row:
    return Row(rid, circle, occurrence, kind, status, due, lease)


def occ(start: datetime = MEETING, *, skipped: bool = False) -> Occurrence:
    return Occurrence(start, start, start.replace(tzinfo=None), skipped)


def wanted(**due: datetime) -> Wanted:
    w = Wanted(scheduled={1})
    for name, at in due.items():
        kind = {"day": DAY, "hour": HOUR}[name]
        w.due[(1, MEETING, kind)] = at
    w.near[(1, MEETING)] = occ()
    return w


def test_new_rows_are_inserted_and_matching_rows_left_alone() -> None:
    day, hour = MEETING - timedelta(days=1), MEETING - timedelta(hours=1)
    plan = reminders.diff(wanted(day=day, hour=hour), [row(7, due=day)], NOW, UNTIL)
    assert plan == Plan({(1, MEETING, HOUR): hour}, {}, {}, [])


def test_a_moved_meeting_moves_pending_rows_but_not_leased_ones() -> None:
    new_due = MEETING + timedelta(hours=2) - timedelta(days=1)
    w = wanted(day=new_due, hour=MEETING + timedelta(hours=1))
    existing = [row(7), row(8, HOUR, due=MEETING - timedelta(hours=1), lease="worker-1")]
    plan = reminders.diff(w, existing, NOW, UNTIL)
    assert plan.move == {7: new_due}
    assert plan.insert == {} and plan.revive == {} and plan.cancel == []


def test_a_cancelled_row_that_is_wanted_again_is_revived() -> None:
    day = MEETING - timedelta(days=1)
    plan = reminders.diff(wanted(day=day), [row(7, status=DeliveryStatus.CANCELLED)], NOW, UNTIL)
    assert plan == Plan({}, {}, {7: day}, [])


def test_unwanted_pending_rows_are_cancelled_unless_leased_finished_or_superseded() -> None:
    w = wanted()
    w.near[(1, MEETING)] = occ(skipped=True)
    w.superseded.add((1, MEETING, "reminder:30"))
    existing = [
        row(1),
        row(2, HOUR, lease="worker-1"),
        row(3, "reminder:120", status=DeliveryStatus.SENT),
        row(4, "reminder:30"),
    ]
    assert reminders.diff(w, existing, NOW, UNTIL).cancel == [1]


def test_rows_of_a_meeting_that_began_are_left_for_the_dispatcher() -> None:
    began = NOW - timedelta(minutes=5)
    w = Wanted(scheduled={1})
    w.near[(1, began)] = occ(began)
    plan = reminders.diff(w, [row(1, occurrence=began, due=began)], NOW, UNTIL)
    assert plan.cancel == []


def test_rows_beyond_the_horizon_stay_while_the_circle_has_a_schedule() -> None:
    later = UNTIL + timedelta(days=7)
    existing = [row(1, occurrence=later), row(2, occurrence=later, circle=2)]
    w = Wanted(scheduled={1})
    assert reminders.diff(w, existing, NOW, UNTIL).cancel == [2]
