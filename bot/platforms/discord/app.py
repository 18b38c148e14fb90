"""The Discord adapter: a discord.py client that turns interactions into router calls.

Commands, buttons, modals and autocomplete all arrive as interactions; nothing here listens to
messages. Each interaction is answered within Discord's 3 seconds: the command runs at once,
and if it has not finished after ``defer_after`` seconds the answer is deferred ("thinking…",
private) and completed when the command is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from bot.commands import words
from bot.commands.context import Invocation
from bot.commands.reply import Outcome, Reply
from bot.commands.router import Router
from bot.commands.spec import OptType
from bot.config import ConfigError
from bot.core import privacy
from bot.core.pacing import Pacer
from bot.core.runtime import Core
from bot.i18n import N_, language_of, translate
from bot.ops import metrics
from bot.platforms.discord import permissions
from bot.platforms.discord.commands import ROOT, CommandMap
from bot.platforms.discord.port import CURRENT, DiscordPort, InteractionScope
from bot.platforms.discord.render import (
    decode,
    embed_for,
    file_for,
    modal_for,
    modal_values,
    split_text,
    view_for,
)
from bot.port import Button, PlatformError

log = logging.getLogger(__name__)

GLOBAL_LIMIT = 50  # requests per second: Discord's; every REST request is paced (port.pace)
CHANNEL_LIMIT = (5, 5.0)  # messages per channel per 5 s

UNKNOWN_COMMAND = N_("That command is not known (any more). Type /circle help to see the commands.")
STALE_BUTTON = N_("This button no longer works. Type the command instead; /circle help lists them.")
FAILED = N_(
    "Something went wrong on the bot's side and nothing was changed. Please try again; if it "
    "keeps happening, tell an organizer."
)
GUILD_ONLY = N_("Use this in the server where your circle meets.")
CONFIRM_ASK = N_(
    "Do you really want this: {label}? Press the button to go ahead; to stop, do nothing."
)
FORM_TOO_LATE = N_("Opening the form took too long. Run the command again.")


@dataclass(frozen=True)
class DiscordConfig:
    token: str
    api_base: str | None = None
    gateway_url: str | None = None
    guild_id: str | None = None
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    defer_after: float = 1.5
    guild_ready_timeout: float = 2.0
    members_intent: bool = False
    """Ask for the (privileged) Server Members Intent, to hear when someone leaves."""


def config_from(core: Core) -> DiscordConfig:
    """Settings for Discord from the environment (validated at start-up by ``bot.config``).

    Large deployments shard with ``DISCORD_SHARD_COUNT`` (total) and optionally
    ``DISCORD_SHARD_IDS`` (this process's shards, comma-separated)."""
    env = core.settings.env
    if not env.DISCORD_TOKEN:
        raise ConfigError("environment: DISCORD_TOKEN is not set")
    return DiscordConfig(
        token=env.DISCORD_TOKEN,
        api_base=env.DISCORD_API_BASE_URL,
        gateway_url=env.DISCORD_GATEWAY_URL,
        guild_id=env.DISCORD_GUILD_ID,
        shard_count=env.DISCORD_SHARD_COUNT,
        shard_ids=env.discord_shard_ids,
        members_intent=env.DISCORD_MEMBERS_INTENT,
    )


def apply_endpoints(config: DiscordConfig) -> None:
    """Point discord.py at another REST base and gateway (a rate-limit proxy, a test server).

    Must run before login: discord.py builds every request URL from ``Route.BASE`` and opens
    the gateway at ``DiscordWebSocket.DEFAULT_GATEWAY`` when it is not told another."""
    if config.api_base:
        discord.http.Route.BASE = config.api_base.rstrip("/")
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def rate_limit_trace() -> aiohttp.TraceConfig:
    """Counts every 429 Discord answers, including those discord.py waits out by itself."""

    async def on_end(_session: Any, _ctx: Any, params: aiohttp.TraceRequestEndParams) -> None:
        if params.response.status == 429:
            metrics.rate_limited("discord")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    return trace


class _Events:
    adapter: DiscordAdapter

    async def setup_hook(self) -> None:
        await self.adapter.on_setup()

    async def on_ready(self) -> None:
        await self.adapter.on_ready()

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.adapter.check_permissions(guild)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.adapter.on_interaction(interaction)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.adapter.on_member_left(str(payload.guild_id), str(payload.user.id))


class _Client(_Events, discord.Client):
    pass


class _ShardedClient(_Events, discord.AutoShardedClient):
    pass


class DiscordAdapter:
    def __init__(
        self, core: Core, router: Router, config: DiscordConfig, *, pacer: Pacer | None = None
    ) -> None:
        self.core = core
        self.router = router
        self.config = config
        self.commands = CommandMap(router.registry)
        self.pacer = pacer or Pacer(
            GLOBAL_LIMIT, 1.0, key_limit=CHANNEL_LIMIT[0], key_period=CHANNEL_LIMIT[1]
        )
        options: dict[str, Any] = {
            "intents": permissions.intents(members=config.members_intent),
            "guild_ready_timeout": config.guild_ready_timeout,
            "allowed_mentions": discord.AllowedMentions.none(),
            "http_trace": rate_limit_trace(),
        }
        client: discord.Client
        if config.shard_count is not None:
            options["shard_count"] = config.shard_count
            if config.shard_ids is not None:
                options["shard_ids"] = list(config.shard_ids)
            client = _ShardedClient(**options)
        else:
            client = _Client(**options)
        client.adapter = self
        self.client = client
        self.port = DiscordPort(client, core, self.pacer, self.commands.with_mentions)
        self.missing_permissions: dict[str, list[str]] = {}
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._work: set[asyncio.Task[Any]] = set()

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self) -> None:
        apply_endpoints(self.config)
        self.core.ports["discord"] = self.port
        await self.client.login(self.config.token)
        self._task = asyncio.create_task(self.client.connect(reconnect=True))

    async def wait_ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        assert self._task is not None, "start() first"
        ready = asyncio.create_task(self.ready.wait())
        done, _ = await asyncio.wait(
            {ready, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()
            raise TimeoutError("Discord did not become ready")

    async def run(self) -> None:
        """Until cancelled or the connection fails for good (bad token, refused intents)."""
        assert self._task is not None, "start() first"
        await self._task

    async def stop(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(
                asyncio.CancelledError, TimeoutError, discord.DiscordException
            ):
                await asyncio.wait_for(self._task, 10)
        for task in list(self._work):
            task.cancel()
        if self.core.ports.get("discord") is self.port:
            del self.core.ports["discord"]

    # -- start-up ---------------------------------------------------------------------------
    async def on_setup(self) -> None:
        try:
            await self.sync_commands()
        except discord.HTTPException as exc:
            log.error(
                "discord command sync failed status=%s code=%s (does the invite include the "
                "applications.commands scope?)",
                exc.status,
                exc.code,
            )

    async def sync_commands(self) -> bool:
        """Overwrite /circle on Discord when it differs from the declarations. True if sent."""
        app_id = self.client.application_id
        assert app_id is not None
        wanted = [self.commands.payload()]
        http: Any = self.client.http
        guild = self.config.guild_id
        if guild:
            existing = await http.get_guild_commands(app_id, int(guild))
        else:
            existing = await http.get_global_commands(app_id)
        if _normal(existing) == _normal(wanted):
            log.info("discord commands up to date scope=%s", guild or "global")
            self._remember_command_id(existing)
            return False
        if guild:
            synced = await http.bulk_upsert_guild_commands(app_id, int(guild), wanted)
        else:
            synced = await http.bulk_upsert_global_commands(app_id, wanted)
        log.info("discord commands synced scope=%s", guild or "global")
        self._remember_command_id(synced)
        return True

    def _remember_command_id(self, commands: Any) -> None:
        """The id of /circle, so that replies can mention its subcommands."""
        for cmd in commands or []:
            if isinstance(cmd, dict) and cmd.get("name") == ROOT and cmd.get("id"):
                self.commands.command_id = str(cmd["id"])

    async def on_ready(self) -> None:
        for guild in self.client.guilds:
            self.check_permissions(guild)
        self.ready.set()

    def check_permissions(self, guild: discord.Guild) -> list[str]:
        """Missing server-level permissions, logged by name."""
        me = guild.me
        voice = self.core.settings.file.discord.voice_channels
        lacking = permissions.missing(me.guild_permissions, voice) if me else ["(bot not in guild)"]
        self.missing_permissions[str(guild.id)] = lacking
        if lacking:
            log.warning(
                "discord guild=%s is missing permissions the bot needs: %s "
                "(re-invite with `circlekeeper discord invite-url`)",
                guild.id,
                ", ".join(lacking),
            )
        else:
            log.info("discord guild=%s permissions ok", guild.id)
        return lacking

    # -- interactions -----------------------------------------------------------------------
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        try:
            kind = interaction.type
            if kind is discord.InteractionType.application_command:
                await self._on_command(interaction)
            elif kind is discord.InteractionType.autocomplete:
                await self._on_autocomplete(interaction)
            elif kind is discord.InteractionType.component:
                await self._on_button(interaction)
            elif kind is discord.InteractionType.modal_submit:
                await self._on_form(interaction)
        except Exception as exc:  # never let one interaction take the bot down
            log.error(
                "discord interaction failed id=%s type=%s error=%s",
                interaction.id,
                interaction.type,
                type(exc).__name__,
            )
            log.debug("traceback", exc_info=True)
            await self._fallback(interaction, FAILED)

    def _lang(self, interaction: discord.Interaction[Any] | None = None) -> str:
        """The person's Discord language when the catalog has it, else the configured one."""
        locale = interaction.locale.value if interaction and interaction.locale else None
        return language_of(locale) or self.core.settings.file.circles.language

    async def _fallback(self, interaction: discord.Interaction[Any], msgid: str) -> None:
        text = self.commands.with_mentions(translate(msgid, self._lang(interaction)))
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("discord could not answer id=%s code=%s", interaction.id, exc.code)
        except Exception as exc:  # shutting down, network gone: nothing more to do
            log.warning(
                "discord could not answer id=%s error=%s", interaction.id, type(exc).__name__
            )

    def _invocation(
        self, interaction: discord.Interaction[Any], workspace: str | None = None
    ) -> Invocation | None:
        """The command's workspace is the interaction's own guild, always; ``workspace`` (from a
        DM button's custom_id) counts only in a DM, once ``_member_of`` has checked it."""
        guild = str(interaction.guild_id) if interaction.guild_id else workspace
        if guild is None and len(self.client.guilds) == 1:
            guild = str(self.client.guilds[0].id)
        if guild is None:
            return None
        hint = False
        if interaction.guild_id:
            perms = interaction.permissions
            hint = perms.administrator or perms.manage_guild
            role = self.core.settings.file.organizers.discord_role
            user = interaction.user
            if role and isinstance(user, discord.Member):
                hint = hint or any(str(r.id) == role or r.name == role for r in user.roles)
        channel = str(interaction.channel_id) if interaction.channel_id else None
        locale = interaction.locale.value if interaction.locale else None
        return Invocation("discord", guild, str(interaction.user.id), channel, hint, locale)

    async def on_member_left(self, guild: str, user: str) -> None:
        """Someone left (or was removed from) the server: forget them there (README)."""
        self.port.known_members.discard((guild, user))
        await privacy.forget_departed(self.core, "discord", guild, user)

    async def _member_of(self, guild: str, user: str) -> bool:
        """Whether a DM button's server is one the bot serves and the presser belongs to: a
        custom_id is only text, and must not let anyone act in another server."""
        if self.client.get_guild(int(guild)) is None:
            return False
        try:
            return await self.port.resolve_user(guild, user) == user
        except PlatformError:
            return False

    def _remember_members(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        guild = str(interaction.guild_id) if interaction.guild_id else None
        if guild is None:
            return
        self.port.known_members.add((guild, str(interaction.user.id)))
        for uid in (data.get("resolved") or {}).get("members") or {}:
            self.port.known_members.add((guild, str(uid)))

    async def _on_command(self, interaction: discord.Interaction[Any]) -> None:
        found = self.commands.resolve(dict(interaction.data or {}))
        inv = self._invocation(interaction)
        if found is None or inv is None:
            await self._fallback(interaction, UNKNOWN_COMMAND if inv else GUILD_ONLY)
            return
        mounted, raw, _ = found
        self._remember_members(interaction)
        values = CommandMap.router_values(mounted, raw)
        # No user ID in per-request lines: next to a consult it would name the asker.
        log.info("discord command id=%s name=%s", interaction.id, mounted.spec.name)
        await self._run(interaction, lambda: self.router.run(inv, mounted.spec, values))

    async def _on_button(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        decoded = decode(custom_id)
        if decoded is not None and decoded.kind == "confirm":
            await self._confirm(interaction, custom_id, decoded.command, decoded.workspace)
            return
        if decoded is None or decoded.kind != "button":
            await self._fallback(interaction, STALE_BUTTON)
            return
        named = decoded.workspace if interaction.guild_id is None else None
        if named is not None and not await self._member_of(named, str(interaction.user.id)):
            log.warning("discord button for a server the presser is not in id=%s", interaction.id)
            await self._fallback(interaction, STALE_BUTTON)
            return
        inv = self._invocation(interaction, named)
        if inv is None:
            await self._fallback(interaction, GUILD_ONLY)
            return
        self._remember_members(interaction)
        log.info("discord button id=%s", interaction.id)
        text = "/circle " + decoded.command
        await self._run(interaction, lambda: self.router.run_text(inv, text))

    async def _confirm(
        self,
        interaction: discord.Interaction[Any],
        custom_id: str,
        command: str,
        workspace: str | None,
    ) -> None:
        """Discord has no confirm dialog: a destructive button first asks, privately, with the
        real (red) button; nothing runs until that one is pressed."""
        label = command
        message = interaction.message
        if message is not None:
            for row in message.components:
                for item in getattr(row, "children", []):
                    if getattr(item, "custom_id", None) == custom_id and item.label:
                        label = str(item.label)
        log.info("discord confirm asked id=%s", interaction.id)
        # In a DM the confirming button carries the guild the first one named.
        view = view_for((Button(label, command, "danger"),), workspace=workspace)
        text = translate(CONFIRM_ASK, self._lang(), label=label)
        kwargs: dict[str, Any] = {"view": view} if view is not None else {}
        await interaction.response.send_message(text, ephemeral=True, **kwargs)

    async def _on_form(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        decoded = decode(str(data.get("custom_id", "")))
        inv = self._invocation(interaction)
        if decoded is None or decoded.kind != "form" or inv is None:
            await self._fallback(interaction, STALE_BUTTON if inv else GUILD_ONLY)
            return
        fields = modal_values(list(data.get("components") or []))
        log.info("discord form id=%s", interaction.id)

        command, fixed = "/circle " + decoded.command, decoded.fixed
        await self._run(interaction, lambda: self.router.submit_form(inv, command, fixed, fields))

    async def _on_autocomplete(self, interaction: discord.Interaction[Any]) -> None:
        found = self.commands.resolve(dict(interaction.data or {}))
        choices: list[app_commands.Choice[str]] = []
        inv = self._invocation(interaction)
        if found is not None and found[2] is not None and interaction.guild_id and inv:
            mounted, raw, _ = found
            focused: str = found[2]
            typed = str(raw.get(focused) or "").strip().lower()
            option = mounted.option(focused)
            if (
                option is not None
                and option.source is not None
                and option.source.type is OptType.CHOICE
            ):
                # Shown in the person's language (martes), matched in either (tue, mar).
                lang = self._lang(interaction)
                shown = {c: words.shown(c, lang) for c in option.source.choices}
                choices = [
                    app_commands.Choice(name=shown[c][:100], value=c)
                    for c in option.source.choices
                    if typed in c.lower() or words.fold(typed) in words.fold(shown[c])
                ][:25]
            elif option is not None and option.source is not None and option.source.suggestions:
                names = option.source.suggest(typed)
                choices = [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]
            else:
                names = await self.router.circle_choices(inv, typed)
                choices = [app_commands.Choice(name=n[:100], value=n[:100]) for n in names[:25]]
        try:
            await interaction.response.autocomplete(choices)
        except discord.HTTPException as exc:
            log.warning("discord autocomplete not answered id=%s code=%s", interaction.id, exc.code)

    # -- answering --------------------------------------------------------------------------
    async def _run(
        self,
        interaction: discord.Interaction[Any],
        work: Callable[[], Coroutine[Any, Any, Outcome]],
    ) -> None:
        """Run the command; defer if it is not done in time; then answer."""
        scope = InteractionScope(str(interaction.user.id))
        token = CURRENT.set(scope)
        try:
            task: asyncio.Task[Outcome] = asyncio.create_task(work())  # copies CURRENT
        finally:
            CURRENT.reset(token)
        self._work.add(task)
        task.add_done_callback(self._work.discard)
        done, _ = await asyncio.wait({task}, timeout=self.config.defer_after)
        deferred = False
        if not done:
            try:
                await interaction.response.defer(ephemeral=True, thinking=True)
                deferred = True
                log.info("discord deferred id=%s", interaction.id)
            except discord.HTTPException as exc:
                log.warning("discord could not defer id=%s code=%s", interaction.id, exc.code)
        try:
            reply = (await task).reply
        except Exception as exc:
            log.error("discord command crashed id=%s error=%s", interaction.id, type(exc).__name__)
            log.debug("traceback", exc_info=True)
            reply = Reply(translate(FAILED, self._lang(interaction)))
        try:
            await self._answer(interaction, reply, deferred)
            for message in scope.pending:
                for piece in split_text(self.commands.with_mentions(message.text)):
                    await interaction.followup.send(piece, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning(
                "discord answer failed id=%s status=%s code=%s",
                interaction.id,
                exc.status,
                exc.code,
            )

    async def _answer(
        self, interaction: discord.Interaction[Any], reply: Reply, deferred: bool
    ) -> None:
        if reply.form is not None:
            modal = modal_for(reply.form)
            if modal is not None and not deferred and not interaction.response.is_done():
                await interaction.response.send_modal(modal)
                return
        rich = embed_for(reply.card) if reply.card is not None else None
        text = self.commands.with_mentions(reply.text)
        pieces = [reply.card.headline] if reply.card and rich else split_text(text)
        ephemeral = reply.private
        none = discord.AllowedMentions.none()

        def extras(last: bool) -> dict[str, Any]:
            out: dict[str, Any] = {}
            if last:
                if rich is not None:
                    out["embed"] = rich
                view = view_for(reply.buttons)
                if view is not None:
                    out["view"] = view
                file = file_for(reply.card.file if reply.card and reply.card.file else reply.file)
                if file is not None:
                    out["file"] = file
            return out

        rest = pieces[1:]
        first_extras = extras(not rest)
        if not deferred:
            await interaction.response.send_message(
                pieces[0], ephemeral=ephemeral, allowed_mentions=none, **first_extras
            )
        elif ephemeral:
            edit: dict[str, Any] = {"content": pieces[0], "allowed_mentions": none}
            if "view" in first_extras:
                edit["view"] = first_extras["view"]
            if "embed" in first_extras:
                edit["embed"] = first_extras["embed"]
            if "file" in first_extras:
                edit["attachments"] = [first_extras["file"]]
            await interaction.edit_original_response(**edit)
        else:
            # the "thinking…" message is private; a public answer replaces it
            await interaction.delete_original_response()
            await interaction.followup.send(
                pieces[0], ephemeral=False, allowed_mentions=none, **first_extras
            )
        for i, piece in enumerate(rest):
            await interaction.followup.send(
                piece, ephemeral=ephemeral, allowed_mentions=none, **extras(i == len(rest) - 1)
            )


def _normal(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What matters when comparing registered commands with the wanted ones."""

    def option(o: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": o.get("type"),
            "name": o.get("name"),
            "description": o.get("description", ""),
            "description_localizations": o.get("description_localizations") or {},
            "required": bool(o.get("required", False)),
            "autocomplete": bool(o.get("autocomplete", False)),
            "choices": [
                (c.get("name"), c.get("value"), c.get("name_localizations") or {})
                for c in o.get("choices") or []
            ],
            "limits": [o.get(k) for k in ("min_value", "max_value", "min_length", "max_length")],
            "options": [option(x) for x in o.get("options") or []],
        }

    out = []
    for c in commands:
        entry = option(c)
        entry["contexts"] = c.get("contexts")
        entry["command_type"] = c.get("type", 1)
        out.append(entry)
    return sorted(out, key=lambda e: str(e["name"]))
