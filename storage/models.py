"""The database schema. Only platform IDs, roles, dates and counts: never what members write.

Every person is a platform user ID string, scoped by the circle's platform and workspace. Text
columns hold only what leaders deliberately publish to their circle (ground rules, their own
prompts) and the circle's name.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class Role(StrEnum):
    MEMBER = "member"
    LEADER = "leader"
    MENTOR = "mentor"


class Status(StrEnum):
    ACTIVE = "active"
    PENDING = "pending"
    WAITLISTED = "waitlisted"
    LEFT = "left"


class Notify(StrEnum):
    DM = "dm"
    CHANNEL = "channel"
    OFF = "off"


class Stage(StrEnum):
    FACILITATING = "facilitating"
    OBSERVING = "observing"
    ON_CALL = "on_call"
    GRADUATED = "graduated"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"


class Circle(Base):
    __tablename__ = "circles"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "name_key", name="uq_circle_name"),
        Index("ix_circle_channel", "platform", "workspace_id", "channel_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str | None] = mapped_column(String(64))
    min_size: Mapped[int] = mapped_column(Integer, default=5)
    max_size: Mapped[int] = mapped_column(Integer, default=7)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(16), default="en")
    reminder_offsets: Mapped[str] = mapped_column(String(128), default="24h,1h")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """While set and in the future: a leader paused the circle (no meetings, no reminders)."""
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Closed: no meetings or reminders, the channel archived; figures and data stay."""
    reconvene_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """The occurrence key of the reconvening meeting planned at graduation."""

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="circle", cascade="all, delete-orphan", passive_deletes=True
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", name="uq_membership"),
        Index("ix_membership_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    status: Mapped[str] = mapped_column(String(16), default=Status.ACTIVE)
    notify: Mapped[str] = mapped_column(String(16), default=Notify.DM)
    since: Mapped[datetime] = mapped_column(UTCDateTime())

    circle: Mapped[Circle] = relationship(back_populates="memberships")


class RuleVersion(Base):
    __tablename__ = "rule_versions"
    __table_args__ = (UniqueConstraint("circle_id", "version", name="uq_rule_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64))


class RuleAgreement(Base):
    __tablename__ = "rule_agreements"
    __table_args__ = (
        UniqueConstraint("circle_id", "user_id", "version", name="uq_rule_agreement"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Prompt(Base):
    """A library prompt (``circle_id`` is null, ``key`` set) or a circle's own prompt."""

    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    module: Mapped[str] = mapped_column(String(16), default="tools")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))


class PromptUse(Base):
    __tablename__ = "prompt_uses"
    __table_args__ = (Index("ix_prompt_use_circle", "circle_id", "prompt_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    posted_by: Mapped[str | None] = mapped_column(String(64))


class StagePlan(Base):
    """One row per phase-out stage of a circle: when it is planned and when it really began."""

    __tablename__ = "stage_plans"
    __table_args__ = (UniqueConstraint("circle_id", "stage", name="uq_stage_plan"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who changed what, by ID. ``detail`` holds only enum-like words (a stage, a role)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_circle", "circle_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(200))
    """Why, in the changer's own words (stage changes); never anything members said."""


class Schedule(Base):
    """A circle's recurring meeting: RFC 5545 RRULE, IANA zone and the first local start."""

    __tablename__ = "schedules"

    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), primary_key=True
    )
    rrule: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    first_local: Mapped[str] = mapped_column(String(19))  # "YYYY-MM-DDTHH:MM:SS" wall clock
    duration_minutes: Mapped[int] = mapped_column(Integer, default=90)
    location: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    card_message_id: Mapped[str | None] = mapped_column(String(64))
    """The pinned schedule message in the circle's channel, edited in place (a live message)."""
    card_next: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """The next meeting that message shows, so the periodic pass edits it only when stale."""


class PromptSchedule(Base):
    """Post a prompt of ``kind`` automatically ``before_minutes`` before each meeting."""

    __tablename__ = "prompt_schedules"
    __table_args__ = (UniqueConstraint("circle_id", "kind", name="uq_prompt_schedule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    before_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ScheduleException(Base):
    """One occurrence skipped, or moved to another instant."""

    __tablename__ = "schedule_exceptions"
    __table_args__ = (UniqueConstraint("circle_id", "occurrence", name="uq_schedule_exception"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    moved_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    """A skip made by ``pause`` (``resume`` takes back only these)."""


class Delivery(Base):
    """A future send (reminder, scheduled prompt, nudge, access expiry): the ledger's row.

    ``(circle_id, occurrence, kind)`` is unique so that materialising twice cannot double a send;
    a dispatcher claims a due row by setting ``lease_owner``/``lease_until``.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("circle_id", "occurrence", "kind", name="uq_delivery"),
        Index("ix_delivery_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    """The circle's (which never changes): a dispatcher picks its own rows without a join."""
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(48))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    target_id: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[str | None] = mapped_column(String(32))


class DeliveryReceipt(Base):
    """One recipient of a delivery that the platform accepted, so a retry skips them."""

    __tablename__ = "delivery_receipts"
    __table_args__ = (UniqueConstraint("delivery_id", "recipient", name="uq_delivery_receipt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Rsvp(Base):
    __tablename__ = "rsvps"
    __table_args__ = (UniqueConstraint("circle_id", "occurrence", "user_id", name="uq_rsvp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[str] = mapped_column(String(64))
    going: Mapped[bool] = mapped_column(Boolean)
    maybe: Mapped[bool] = mapped_column(Boolean, default=False)
    """``rsvp maybe`` (then ``going`` is false): not sure yet."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderMute(Base):
    """A person asked for no reminders for one meeting (``notify off date:…``)."""

    __tablename__ = "reminder_mutes"
    __table_args__ = (
        UniqueConstraint("circle_id", "occurrence", "user_id", name="uq_reminder_mute"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[str] = mapped_column(String(64))


class Meeting(Base):
    """A meeting that took place: who ran it and how many came (counts survive forget-me)."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("circle_id", "occurrence", name="uq_meeting"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    occurrence: Mapped[datetime] = mapped_column(UTCDateTime())
    run_by_role: Mapped[str] = mapped_column(String(16), default=Role.LEADER)
    present_count: Mapped[int] = mapped_column(Integer, default=0)
    expected_count: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_attendance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))


class Consult(Base):
    """That a consult was asked and answered. The request text is delivered, never stored."""

    __tablename__ = "consults"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    asker_id: Mapped[str | None] = mapped_column(String(64))
    mentor_id: Mapped[str | None] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    asker_seal: Mapped[str | None] = mapped_column(String(128))
    """Anonymous consults only: the asker's ID sealed under the server secret
    (``bot.core.sealing``), so the bot can tell them of the acknowledgement and pass on the
    mentor's replies. The database, an export or a button alone cannot open it; forget-me and
    the reply window's end erase it."""
    delivered: Mapped[bool] = mapped_column(Boolean, default=True)
    """False while the request could not reach the mentor (their direct messages were closed)."""


class CircleSession(Base):
    """A meeting being run in the circle format: who holds the talking piece, and since when."""

    __tablename__ = "circle_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(
        ForeignKey("circles.id", ondelete="CASCADE"), unique=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str | None] = mapped_column(String(64))
    run_by_role: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    rounds: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    turn_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(64))
    """The talking-piece message, edited in place as the piece moves (a live message)."""
    gathering: Mapped[bool] = mapped_column(Boolean, default=False)
    """The opening bell has rung and people say "I'm here"; no turns yet."""


class SessionSeat(Base):
    """One person in a running session's speaking order."""

    __tablename__ = "session_seats"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_session_seat"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("circle_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(64))


class SlackRequestSeen(Base):
    """A signed Slack request already served (the SHA-256 of its signature): a replay of the same
    body and signature within Slack's five-minute window is dropped. In the database so that
    every process serving Slack shares it; rows older than the window are pruned."""

    __tablename__ = "slack_requests_seen"
    __table_args__ = (Index("ix_slack_request_seen_at", "seen_at"),)

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ConsolePerson(Base):
    """The console platform's own member list, as Discord has its server members. It plays the
    chat platform, not the bot: forget-me leaves a person here as it leaves them on Discord."""

    __tablename__ = "console_people"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)


class ConsoleChannel(Base):
    """A channel of the console platform, with who may do what in it and what is pinned."""

    __tablename__ = "console_channels"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)


class ConsoleAccess(Base):
    __tablename__ = "console_access"

    channel: Mapped[str] = mapped_column(
        ForeignKey("console_channels.channel", ondelete="CASCADE"), primary_key=True
    )
    person: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)


class ConsolePin(Base):
    __tablename__ = "console_pins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(
        ForeignKey("console_channels.channel", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(32))


class ConsoleCounter(Base):
    """The console's next message number, so a second run does not reuse ``m1``."""

    __tablename__ = "console_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class DmChannel(Base):
    """The platform's direct-message channel with a person, kept so that a restarted bot does not
    open it again before every DM (on Discord that is a second request per DM). A stale one
    (Discord 10003, Slack channel_not_found) is dropped and opened afresh.

    ``workspace_id`` is empty on Discord, where a DM channel belongs to the person, not a server.
    """

    __tablename__ = "dm_channels"
    __table_args__ = (
        UniqueConstraint("platform", "workspace_id", "user_id", name="uq_dm_channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


PERSON_COLUMNS: tuple[tuple[type[Base], str], ...] = (
    (Circle, "created_by"),
    (Membership, "user_id"),
    (RuleVersion, "created_by"),
    (RuleAgreement, "user_id"),
    (Prompt, "created_by"),
    (PromptUse, "posted_by"),
    (AuditEvent, "actor_id"),
    (AuditEvent, "target_id"),
    (Delivery, "target_id"),
    (DeliveryReceipt, "recipient"),
    (Rsvp, "user_id"),
    (ReminderMute, "user_id"),
    (Attendance, "user_id"),
    (Consult, "asker_id"),
    (Consult, "mentor_id"),
    (CircleSession, "started_by"),
    (SessionSeat, "user_id"),
    (DmChannel, "user_id"),
)
"""Every column that can name a person: forget-me and its test walk this list."""
