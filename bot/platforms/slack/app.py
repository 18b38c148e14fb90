"""The Slack adapter: a slack-bolt ``AsyncApp`` whose handlers are this object's methods.

``/circle <text>`` goes through the shared grammar; every handler acknowledges first (Slack wants
an answer within three seconds) and then works. Replies to one person go back through the
command's ``response_url`` (ephemeral), which works in any channel without extra scopes; forms
open as modals; buttons carry the command they run; mentors and organizers see their circles in
the App Home tab.

Workspaces: one bot token (``SLACK_BOT_TOKEN``: requests from any other workspace are refused),
or many through OAuth (``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``), with slack_sdk's
``AsyncSQLAlchemyInstallationStore`` and ``AsyncSQLAlchemyOAuthStateStore`` on our own database
engine. Every command runs with ``workspace = team_id``, and circles are stored per workspace, so
one workspace never sees another's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, cast

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.context import Invocation
from bot.commands.reply import Outcome, Reply
from bot.commands.router import PLATFORM_DEFAULT, Router
from bot.core import home, privacy, replays
from bot.core.runtime import Core
from bot.i18n import N_, language_of, translate
from bot.platforms.slack import render
from bot.platforms.slack.port import DEFAULT_BASE_URL, Clients, SlackPort, make_client
from bot.platforms.slack.scopes import BOT_SCOPES
from bot.port import PlatformError

log = logging.getLogger(__name__)

COMMAND = "/circle"
ASK_MENTOR_SHORTCUT = "ck_ask_mentor"  # the global shortcut in slack-manifest.yml
EVENTS_PATH = "/slack/events"
FORM_BUDGET_SECONDS = 2.0
TOKEN_CACHE_SECONDS = 60.0  # run a submitted form this long before acknowledging "working on it"


@dataclass(frozen=True)
class SlackConfig:
    """What the adapter needs, from the environment (see DESIGN §4) or a test."""

    bot_token: str | None = None
    signing_secret: str = ""
    app_token: str | None = None
    socket_mode: bool = False
    base_url: str = DEFAULT_BASE_URL
    http_host: str = "127.0.0.1"
    http_port: int = 3000
    client_id: str | None = None
    client_secret: str | None = None
    pacing: float = 1.0

    @property
    def oauth(self) -> bool:
        return self.bot_token is None and bool(self.client_id and self.client_secret)


def config_from(core: Core) -> SlackConfig:
    env = core.settings.env
    return SlackConfig(
        bot_token=env.SLACK_BOT_TOKEN,
        signing_secret=env.SLACK_SIGNING_SECRET or "",
        app_token=env.SLACK_APP_TOKEN,
        socket_mode=env.SLACK_SOCKET_MODE,
        base_url=env.SLACK_API_BASE_URL or DEFAULT_BASE_URL,
        http_host=env.SLACK_HTTP_HOST,
        http_port=env.SLACK_HTTP_PORT,
        client_id=env.SLACK_CLIENT_ID,
        client_secret=env.SLACK_CLIENT_SECRET,
    )


class SlackAdapter:
    def __init__(self, core: Core, router: Router, config: SlackConfig) -> None:
        self.core = core
        self.router = router
        self.config = config
        self.lang = core.settings.file.circles.language
        self.client = make_client(config.base_url)  # tokenless: Bolt sets one per request
        self.installation_store: AsyncSQLAlchemyInstallationStore | None = None
        self._team: tuple[str, str] | None = None  # single-token mode: (team_id, bot_user_id)
        self._tokens: dict[str, tuple[float, str | None]] = {}  # OAuth mode: workspace -> token
        self.clients = Clients(config.base_url, self._token_for)
        self.port = SlackPort(core, self.clients, pacing=config.pacing)
        self.app = self._build_app()
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    # -- construction --------------------------------------------------------------------------
    def _build_app(self) -> AsyncApp:
        cfg = self.config
        not_installed = translate(
            N_("circlekeeper is not installed in this workspace. Ask a workspace admin to add it."),
            self.lang,
        )
        if cfg.oauth:
            assert cfg.client_id is not None and cfg.client_secret is not None
            self.installation_store = AsyncSQLAlchemyInstallationStore(
                client_id=cfg.client_id, engine=self.core.engine, logger=log
            )
            state_store = AsyncSQLAlchemyOAuthStateStore(
                expiration_seconds=600, engine=self.core.engine, logger=log
            )
            app = AsyncApp(
                client=self.client,
                signing_secret=cfg.signing_secret,
                oauth_settings=AsyncOAuthSettings(
                    client_id=cfg.client_id,
                    client_secret=cfg.client_secret,
                    scopes=list(BOT_SCOPES),
                    installation_store=self.installation_store,
                    installation_store_bot_only=True,
                    state_store=state_store,
                ),
                installation_store_bot_only=True,
                request_verification_enabled=not cfg.socket_mode,
                user_facing_authorize_error_message=not_installed,
            )
        else:
            app = AsyncApp(
                client=self.client,
                signing_secret=cfg.signing_secret,
                authorize=cast(Callable[..., Awaitable[AuthorizeResult]], self._authorize_fn()),
                user_facing_authorize_error_message=not_installed,
                request_verification_enabled=not cfg.socket_mode,
            )
        if cfg.oauth:
            # app_uninstalled / tokens_revoked (subscribe to them when using OAuth) delete the
            # workspace's installation, so its token is never used again.
            app.enable_token_revocation_listeners()
        app.middleware(self._replay_guard())
        app.command(COMMAND)(self.on_command)
        app.action(render.BUTTON_ACTION_PATTERN)(self.on_button)
        app.action(render.HOME_REFRESH_ACTION)(self.on_home_refresh)
        app.view(render.FORM_CALLBACK)(self.on_form)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("user_change")(self.on_user_change)
        app.shortcut(ASK_MENTOR_SHORTCUT)(self.on_ask_mentor)
        return app

    def _replay_guard(self) -> Callable[..., Awaitable[BoltResponse | None]]:
        """Drop a signed HTTP request seen before (same signature and timestamp): a replay.
        Socket Mode requests are not signed (the connection itself is authenticated)."""

        async def drop_replays(
            req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
        ) -> BoltResponse | None:
            signature = (req.headers.get("x-slack-signature") or [""])[0]
            timestamp = (req.headers.get("x-slack-request-timestamp") or [""])[0]
            seen = req.mode == "http" and bool(signature)
            if seen and not await replays.first_time(self.core, "slack", signature, timestamp):
                log.warning("slack replayed request dropped")
                return BoltResponse(status=200, body="")
            return await next()

        return drop_replays

    def _authorize_fn(self) -> Callable[..., Awaitable[AuthorizeResult | None]]:
        # Bolt passes arguments by the names of a plain function's parameters (not a method's).
        async def authorize(
            enterprise_id: str | None, team_id: str | None
        ) -> AuthorizeResult | None:
            return await self._authorize(enterprise_id, team_id)

        return authorize

    async def _authorize(
        self, enterprise_id: str | None, team_id: str | None
    ) -> AuthorizeResult | None:
        """Single-token mode: only the token's own workspace is served."""
        if self._team is None or team_id != self._team[0] or self.config.bot_token is None:
            log.warning("request from another workspace refused team=%s", team_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=self.config.bot_token,
            bot_user_id=self._team[1],
        )

    async def _token_for(self, workspace: str) -> str | None:
        if self.installation_store is not None:
            cached = self._tokens.get(workspace)
            if cached is not None and time.monotonic() - cached[0] < TOKEN_CACHE_SECONDS:
                return cached[1]
            bot = await self.installation_store.async_find_bot(
                enterprise_id=None, team_id=workspace
            )
            token = bot.bot_token if bot is not None else None
            self._tokens[workspace] = (time.monotonic(), token)
            return token
        if self._team is not None and workspace == self._team[0]:
            return self.config.bot_token
        return None

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect: identify the workspace (or prepare the install store), register the port,
        then listen over HTTP or Socket Mode."""
        cfg = self.config
        # OAuth mode: the installation and state tables come from our migrations (0005).
        if self.installation_store is None and cfg.bot_token:
            auth = await make_client(cfg.base_url, cfg.bot_token).auth_test()
            self._team = (str(auth["team_id"]), str(auth["user_id"]))
            log.info("slack workspace team=%s bot=%s", self._team[0], self._team[1])
        self.core.ports["slack"] = self.port
        if cfg.socket_mode:
            assert cfg.app_token, "Socket Mode needs SLACK_APP_TOKEN"
            self._socket = AsyncSocketModeHandler(self.app, cfg.app_token, web_client=self.client)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack socket mode connected")
        else:
            self._runner = web.AppRunner(self.app.web_app(path=EVENTS_PATH), handle_signals=False)
            await self._runner.setup()
            site = web.TCPSite(self._runner, cfg.http_host, cfg.http_port)
            await site.start()
            log.info("slack http listening host=%s port=%s", cfg.http_host, self.http_port)

    @property
    def http_port(self) -> int:
        assert self._runner is not None
        return int(self._runner.addresses[0][1])

    @property
    def events_url(self) -> str:
        return f"http://{self.config.http_host}:{self.http_port}{EVENTS_PATH}"

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.core.ports.get("slack") is self.port:
            del self.core.ports["slack"]
        await self.port.dm_channels.drain()
        await self.clients.close()

    # -- running commands ----------------------------------------------------------------------
    async def _invocation(self, team: str, user: str, channel: str | None) -> Invocation:
        try:
            person = await self.port.user_info(team, user) or {}
        except PlatformError as err:
            log.warning("user check failed team=%s code=%s", team, err.code)
            person = {}
        admin = bool(person.get("is_admin") or person.get("is_owner"))
        locale = person.get("locale")  # users.info with include_locale (users:read)
        return Invocation(
            "slack",
            team,
            user,
            channel,
            organizer_hint=admin,
            locale=locale if isinstance(locale, str) else None,
        )

    async def _lang_of(self, team: str, user: str) -> str:
        """The person's Slack language when the catalog has it (users.info, cached), else the
        configured one: for what only they see (forms, result modals, App Home)."""
        try:
            person = await self.port.user_info(team, user) or {}
        except PlatformError:
            return self.lang
        locale = person.get("locale")
        return language_of(locale if isinstance(locale, str) else None) or self.lang

    async def _failed(self, err: Exception, respond: Any, *, team: str, user: str) -> None:
        """After an ack, a Slack refusal still gets a clear private answer (IDs in the log)."""
        code = err.code if isinstance(err, PlatformError) else _slack_code(err)
        log.warning("slack handler failed team=%s code=%s", team, code)
        if respond is not None:
            with contextlib.suppress(Exception):
                await respond(
                    text=translate(PLATFORM_DEFAULT, await self._lang_of(team, user), code=code),
                    response_type="ephemeral",
                    replace_original=False,
                )

    async def _send_reply(
        self,
        reply: Reply,
        *,
        team: str,
        user: str,
        channel: str | None,
        respond: Any,
        trigger_id: str | None,
        client: AsyncWebClient,
    ) -> None:
        """Show a command's reply: a form opens as a modal; text goes through response_url."""
        if reply.form is not None and trigger_id:
            meta = {"c": reply.form.command, "x": dict(reply.form.fixed), "ch": channel}
            lang = await self._lang_of(team, user)
            try:
                await client.views_open(
                    trigger_id=trigger_id, view=render.form_modal(reply.form, meta, lang)
                )
                return
            except SlackApiError as exc:
                log.warning("modal not opened code=%s", exc.response.get("error"))
        if reply.card is not None:
            rendered = render.message(
                replace(reply.card, buttons=reply.buttons or reply.card.buttons)
            )
        else:
            rendered = render.render_text(reply.text, reply.buttons)
        await respond(
            text=rendered.text,
            blocks=rendered.blocks,
            response_type="ephemeral" if reply.private else "in_channel",
            replace_original=False,
        )
        file = reply.card.file if reply.card is not None and reply.card.file else reply.file
        if file is not None:
            target = await self.port.dm_channel(team, user)
            await self.port.upload(team, target, file)

    # -- handlers ------------------------------------------------------------------------------
    async def on_command(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        team, user, channel = body["team_id"], body["user_id"], body.get("channel_id")
        text = render.unescape(body.get("text") or "").strip()
        # No user ID in per-request lines: next to a consult it would name the asker.
        log.info("slash command team=%s", team)
        if not text and body.get("trigger_id"):
            # /circle alone: a menu of the usual things, not an error or a wall of help.
            try:
                await client.views_open(
                    trigger_id=body["trigger_id"],
                    view=render.menu_modal(await self._lang_of(team, user), channel),
                )
                return
            except SlackApiError as exc:
                log.warning("menu not opened code=%s", _slack_code(exc))
        text = text or "help"
        try:
            inv = await self._invocation(team, user, channel)
            reply = (await self.router.run_text(inv, text)).reply
            await self._send_reply(
                reply,
                team=team,
                user=user,
                channel=channel,
                respond=respond,
                trigger_id=body.get("trigger_id"),
                client=client,
            )
        except (PlatformError, SlackApiError) as err:
            await self._failed(err, respond, team=team, user=user)

    async def on_button(
        self, ack: Any, body: dict[str, Any], respond: Any, client: AsyncWebClient
    ) -> None:
        await ack()
        team = _team_of(body)
        user = body["user"]["id"]
        action = body["actions"][0]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        log.info("button team=%s action=%s", team, action.get("action_id"))
        try:
            await self._pressed(
                body, team, user, channel, str(action.get("value") or ""), respond, client
            )
        except (PlatformError, SlackApiError) as err:
            await self._failed(
                err, respond if body.get("response_url") else None, team=team, user=user
            )

    async def _pressed(
        self,
        body: dict[str, Any],
        team: str,
        user: str,
        channel: str | None,
        command: str,
        respond: Any,
        client: AsyncWebClient,
    ) -> None:
        view = body.get("view") or {}
        if channel is None and view.get("callback_id") == render.MENU_CALLBACK:
            channel = json.loads(view.get("private_metadata") or "{}").get("ch")
        inv = await self._invocation(team, user, channel)
        reply = (await self.router.run_text(inv, command)).reply
        trigger_id = body.get("trigger_id")
        if body.get("response_url") or not view:
            await self._send_reply(
                reply,
                team=team,
                user=user,
                channel=channel,
                respond=respond,
                trigger_id=trigger_id,
                client=client,
            )
        elif view.get("type") == "modal":
            lang = await self._lang_of(team, user)
            if reply.form is not None:  # e.g. "Ask my mentor" from the menu: its form
                meta = {"c": reply.form.command, "x": dict(reply.form.fixed), "ch": channel}
                modal = render.form_modal(reply.form, meta, lang)
            else:
                modal = self._result(view, reply, lang)
            await client.views_update(view_id=view["id"], view=modal)
            await self._send_file(team, user, reply)
        else:  # App Home: show the reply in a modal (or open its form), then refresh the tab
            lang = await self._lang_of(team, user)
            if reply.form is not None and trigger_id:
                meta = {"c": reply.form.command, "x": dict(reply.form.fixed), "ch": None}
                modal = render.form_modal(reply.form, meta, lang)
            else:
                title = translate(N_("circlekeeper"), lang)
                modal = render.result_modal(title, reply.text, reply.buttons, lang)
            await client.views_open(trigger_id=trigger_id, view=modal)
            await self._send_file(team, user, reply)
            await self.publish_home(team, user, client)

    async def _send_file(self, team: str, user: str, reply: Reply) -> None:
        """A reply's file (the mentor chart) where a modal cannot show it: the person's DM."""
        file = reply.card.file if reply.card is not None and reply.card.file else reply.file
        if file is not None:
            await self.port.upload(team, await self.port.dm_channel(team, user), file)

    async def on_ask_mentor(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The global shortcut "Ask my mentor": the consult form, from anywhere in Slack."""
        await ack()
        team, user = _team_of(body), body["user"]["id"]
        log.info("shortcut team=%s id=%s", team, ASK_MENTOR_SHORTCUT)
        try:
            inv = await self._invocation(team, user, None)
            reply = (await self.router.run_text(inv, "consult")).reply
            lang = language_of(inv.locale) or self.lang
            if reply.form is not None:
                meta = {"c": reply.form.command, "x": dict(reply.form.fixed), "ch": None}
                modal = render.form_modal(reply.form, meta, lang)
            else:  # not in a circle, or no mentor: say so in a modal
                title = translate(N_("Ask my mentor"), lang)
                modal = render.result_modal(title, reply.text, reply.buttons, lang)
            await client.views_open(trigger_id=body["trigger_id"], view=modal)
        except (PlatformError, SlackApiError) as err:
            await self._failed(err, None, team=team, user=user)

    async def on_home_refresh(self, ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await self.publish_home(_team_of(body), body["user"]["id"], client)

    async def on_home_opened(
        self, event: dict[str, Any], context: Any, client: AsyncWebClient
    ) -> None:
        if event.get("tab") != "home":
            return
        await self.publish_home(str(context.team_id), event["user"], client)

    async def on_user_change(self, event: dict[str, Any], context: Any) -> None:
        """A deactivated (deleted) account: forget the person in that workspace (README)."""
        user = event.get("user") or {}
        if not user.get("deleted") or not user.get("id"):
            return
        team = str(user.get("team_id") or context.team_id)
        await privacy.forget_departed(self.core, "slack", team, str(user["id"]))

    def _result(self, view: dict[str, Any], reply: Reply, lang: str) -> dict[str, Any]:
        title = ((view.get("title") or {}).get("text")) or translate(N_("circlekeeper"), lang)
        return render.result_modal(title, reply.text, reply.buttons, lang)

    async def on_form(
        self, ack: Any, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A submitted form: errors go back onto the form; success replaces it with the reply."""
        team, user = _team_of(body), body["user"]["id"]
        lang = await self._lang_of(team, user)
        meta = json.loads(view.get("private_metadata") or "{}")
        state = (view.get("state") or {}).get("values") or {}
        fields = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
        typed: dict[str, str] = {}
        missing = {}
        for name in fields:
            field = (state.get(name) or {}).get(render.FIELD_ACTION) or {}
            picked = field.get("selected_option") or {}
            value = field.get("value") or picked.get("value")
            if value and str(value).strip():
                typed[name] = str(value)
            elif not next(b for b in view["blocks"] if b.get("block_id") == name).get("optional"):
                missing[name] = translate(N_("Please fill this in."), lang)
        if missing:
            await ack(response_action="errors", errors=missing)
            return
        inv = await self._invocation(team, user, meta.get("ch"))
        fixed = {str(k): str(v) for k, v in (meta.get("x") or {}).items()}
        submitted = self.router.submit_form(inv, str(meta.get("c", "")), fixed, typed)
        work = asyncio.ensure_future(submitted)
        done, _ = await asyncio.wait({work}, timeout=FORM_BUDGET_SECONDS)
        if work in done:
            outcome = work.result()
            _log_form(team, user, outcome)
            if (not outcome.ok or outcome.reply.form is not None) and fields:
                # Refused, or the command asks for the form again: say why, on the form.
                await ack(response_action="errors", errors={fields[0]: outcome.reply.text[:1000]})
            else:
                await ack(response_action="update", view=self._result(view, outcome.reply, lang))
            return
        working = Reply(translate(N_("Working on it…"), lang))
        await ack(response_action="update", view=self._result(view, working, lang))
        outcome = await work
        _log_form(team, user, outcome)
        await client.views_update(view_id=view["id"], view=self._result(view, outcome.reply, lang))

    # -- App Home ------------------------------------------------------------------------------
    async def publish_home(self, team: str, user: str, client: AsyncWebClient) -> None:
        """A dashboard by role: each circle's card (next meeting, my answer, RSVP buttons;
        roster, prompt and schedule for leaders; status and chart for mentors), the mentor
        status with its flags for mentors and organizers, support, and help."""
        inv = await self._invocation(team, user, None)
        cards = await home.dashboard(self.core, "slack", team, user)
        status: str | None = None
        if any(c.role == "mentor" for c in cards) or inv.organizer_hint:
            outcome = await self.router.run_text(inv, "mentor status")
            status = outcome.reply.text if outcome.ok else None
        if status is None and inv.organizer_hint:
            outcome = await self.router.run_text(inv, "list")
            status = outcome.reply.text if outcome.ok else None
        outcome = await self.router.run_text(inv, "help")
        view = render.dashboard_view(
            cards,
            status,
            outcome.reply.text if outcome.ok else None,
            language_of(inv.locale) or self.lang,
            self.port.format_time,
        )
        await client.views_publish(user_id=user, view=view)
        log.info("home published team=%s circles=%d", team, len(cards))


def _log_form(team: str, user: str, outcome: Outcome) -> None:
    log.info(
        "form submitted team=%s command=%s status=%s",
        team,
        outcome.command,
        outcome.status,
    )


def _slack_code(err: Exception) -> str:
    if isinstance(err, SlackApiError) and isinstance(err.response.data, dict):
        return str(err.response.data.get("error") or "error")
    return type(err).__name__


def _team_of(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    return str((body.get("user") or {}).get("team_id") or body.get("team_id") or "")
