"""The Application wiring: handlers, resources opened at start and closed at stop, jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot import keys
from bot.clock import now as clock_now
from bot.config import Settings
from bot.core import Core
from bot.i18n import LANGUAGES, translator, translator_for
from bot.services import accounts, chasing, digest, personal, recovery
from bot.site.refresh import EVERY as SITE_EVERY
from bot.site.refresh import Refresher
from bot.site.serve import routes as site_routes
from bot.tg import webapp
from bot.tg.commands import STRANGER_COMMANDS, commands_for, menu
from bot.tg.context import (
    CONTEXT_TYPES,
    CORE_KEY,
    SETTINGS_KEY,
    WAKE_KEY,
    BotContext,
    Register,
    wake_outbox,
)
from bot.tg.intake import Intake, Poller, inbox_seal, with_backoff
from bot.tg.materials import routes as material_routes
from bot.tg.menus import Outcome, fingerprint, set_menu
from bot.tg.sender import GovernedRateLimiter, Governor, OutboxSender
from bot.tg.tgbot import make_bot
from bot.tg.webapp import Route, WebappServer
from bot.tg.webhook import WebhookServer, hook_url
from storage import Database

logger = logging.getLogger(__name__)

SENDER_KEY = "outbox_sender"
INTAKE_KEY = "intake"
SITE_KEY = "site"
PRUNE_AFTER = timedelta(days=7)
DRAIN_BUDGET = 5.0
RESUME_EVERY = 30  # seconds between looks for a bulk write whose process stopped
MENU_PAUSE = 0.05  # seconds between two people's menus set at start


def build_application(settings: Settings, token: str, register: Register,
                      governor: Governor | None = None) -> Application:
    """The PTB Application with every handler put on by `register`; nothing is opened yet.
    `governor`: the one send budget (a fresh one by default)."""
    app = (
        Application.builder()
        .bot(make_bot(token, settings.base_url, settings.base_file_url,
                      GovernedRateLimiter(governor or Governor(second=settings.pace_second),
                                          max_retries=2)))
        # The intake (bot/tg/intake.py) decides what runs when: chats side by side, each in
        # order; PTB's own queue is not used.
        .concurrent_updates(False)
        .context_types(CONTEXT_TYPES)
        .updater(None)
        .build()
    )
    app.bot_data[SETTINGS_KEY] = settings
    register(app)
    return app


async def drain_outbox(context: BotContext) -> None:
    """Job: send what the outbox holds, within the limits."""
    sender: OutboxSender = context.application.bot_data[SENDER_KEY]
    await sender.drain(context.bot, budget=DRAIN_BUDGET)


async def prune_updates(context: BotContext) -> None:
    """Job: forget handled update ids after a week (Telegram redelivers within a day)."""
    async with context.core.db.transaction(record_update=False) as tx:
        await tx.updates.prune(clock_now() - PRUNE_AFTER)


async def resume_bulk(context: BotContext) -> None:
    """Job: finish a bulk write (a large import) whose process stopped half way, at start
    and every half minute (it runs beside the bot: nobody waits for it)."""
    await recovery.resume(context.core)


async def chase_due(context: BotContext) -> None:
    """Job: remind and escalate what is due, and send the morning digest once a day (both
    read from the database on every run, so a restart misses nothing)."""
    now = clock_now()
    # People no longer in service are unbound first: nothing is queued for them.
    ended = await accounts.sweep(context.core.db, context.core.today())
    if ended + await chasing.chase(context.core, now) + await digest.send_daily(
            context.core, now):
        await drain_outbox(context)


async def refresh_site(context: BotContext) -> None:
    """Job: rebuild the public site's pages that changed (bot/site/refresh.py)."""
    refresher: Refresher = context.application.bot_data[SITE_KEY]
    await refresher.refresh()  # (it logs a failure and tries again when the data changes)


async def setup(app: Application) -> None:
    """Open the database, start the jobs, publish the default command menu."""
    settings: Settings = app.bot_data[SETTINGS_KEY]
    db = await Database(settings.db_path).open()
    core = Core(settings, db, app.bot.username)
    app.bot_data[CORE_KEY] = core
    async with db.transaction(record_update=False) as tx:
        await tx.settings.put("bot_username", app.bot.username)  # for `choucha init` links
        sealed = await personal.seal_plain_phones(tx, settings)  # an older database's
    if sealed:
        logger.info("%d phone numbers stored before encryption were encrypted", sealed)
    forgotten = await personal.forget_personal_uploads(core)
    if forgotten:
        logger.info("%d uploaded files holding personal data were deleted", forgotten)
    limiter = app.bot.rate_limiter
    sender = OutboxSender(db, settings.files_dir,
                          limiter.governor if isinstance(limiter, GovernedRateLimiter) else None)
    app.bot_data[SENDER_KEY] = sender
    job_queue = app.job_queue
    assert job_queue is not None, "install python-telegram-bot[job-queue]"
    job_kwargs: dict[str, Any] = {"max_instances": 3, "coalesce": True}
    job_queue.run_repeating(drain_outbox, interval=settings.outbox_interval, first=0.1,
                            name="outbox", job_kwargs=job_kwargs)
    job_queue.run_repeating(prune_updates, interval=3600, first=60, name="prune-updates")
    job_queue.run_repeating(chase_due, interval=settings.chase.interval, first=5, name="chase",
                            job_kwargs={"max_instances": 1, "coalesce": True})
    job_queue.run_repeating(resume_bulk, interval=RESUME_EVERY, first=0.1, name="resume-bulk",
                            job_kwargs={"max_instances": 1, "coalesce": True})
    app.bot_data[SITE_KEY] = Refresher(core)
    job_queue.run_repeating(refresh_site, interval=SITE_EVERY, first=1, name="site",
                            job_kwargs={"max_instances": 1, "coalesce": True})

    def wake() -> None:
        job_queue.run_once(drain_outbox, 0, name="outbox-now", job_kwargs=job_kwargs)

    app.bot_data[WAKE_KEY] = wake
    app.bot_data[INTAKE_KEY] = Intake(app, db, inbox_seal(settings))
    await publish_default_commands(app)
    job_queue.run_once(publish_person_menus, 1, name="person-menus")


async def publish_person_menus(context: Any) -> None:
    """Each registered person's command menu, for their roles and in their language, set
    at start where it changed (bot/tg/menus.py): so that the `/` menu is right before they
    send anything (someone registered from the command line, or whose roles changed, has
    not sent /start)."""
    core: Core = context.application.bot_data[CORE_KEY]
    async with core.db.read() as rtx:
        accounts = await rtx.people.bound_accounts()
        people = {p.id: p for p in await rtx.people.people(
            [a.person_id for a in accounts if a.person_id is not None])}
    changed = 0
    for account in accounts:
        person = people.get(account.person_id or 0)
        if person is None or not person.active:
            continue
        commands = menu(translator_for(account, person), commands_for(person))
        if fingerprint(commands) == account.menu_sha:
            continue
        outcome = await set_menu(context.bot, core.db, account.tg_user_id, commands)
        if outcome is Outcome.FLOOD:
            break  # a long flood wait: the rest at the next start, or when they write
        changed += outcome is Outcome.SET
        await asyncio.sleep(MENU_PAUSE)  # well under the Bot API's limits
    if changed:
        logger.info("%d command menus set", changed)


async def publish_default_commands(app: Application) -> None:
    """The menu strangers see, in each language; registered people get their own per chat."""
    for lang in LANGUAGES:
        t = translator(lang)
        commands = menu(t, STRANGER_COMMANDS)
        try:
            await app.bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(),
                language_code=None if lang == LANGUAGES[0] else lang[:2],
            )
        except TelegramError as exc:
            logger.warning("could not publish the default command menu: %s", exc)


async def teardown(app: Application) -> None:
    core: Core | None = app.bot_data.get(CORE_KEY)
    if core is not None:
        core.workers.close()
        await core.db.close()


class BotRunner:
    """Start and stop the bot inside a running event loop (production, local mode, tests)."""

    def __init__(self, settings: Settings, token: str, register: Register,
                 governor: Governor | None = None) -> None:
        self.settings = settings
        self.token = token
        self.app = build_application(settings, token, register, governor)
        self.webhook: WebhookServer | None = None
        self.webapp: WebappServer | None = None
        self.poller: Poller | None = None

    @property
    def core(self) -> Core:
        return self.app.bot_data[CORE_KEY]

    @property
    def intake(self) -> Intake:
        return self.app.bot_data[INTAKE_KEY]

    def webapp_routes(self, loopback_only: bool = False) -> list[Route]:
        """The Mini App's routes (handwritten signatures), served where Telegram opens
        them: CHOUCHA_PUBLIC_URL (local mode: beside its page, loopback names only); and
        the public site's, under /public/ (bot/site/serve.py)."""
        wake = lambda: wake_outbox(self.app.bot_data)  # noqa: E731
        return webapp.routes(lambda: self.core, self.token, wake, loopback_only) + \
            material_routes(lambda: self.core, wake, loopback_only) + \
            site_routes(self.settings.site_dir)

    async def start(self, webhook: bool | None = None, poll_timeout: int = 10,
                    serve_webapp: bool = True) -> None:
        """`serve_webapp`: serve the Mini App when CHOUCHA_PUBLIC_URL is set (local mode
        serves it beside the web chat page instead)."""
        use_webhook = bool(self.settings.webhook_url) if webhook is None else webhook
        served = self.webapp_routes() if serve_webapp and self.settings.public_url else []
        # Telegram unreachable at start: try again, more slowly each time (a wrong token
        # is not retried).
        await with_backoff(self.app.initialize, "getMe")
        await setup(self.app)
        await self.app.start()
        await self.intake.resume()
        if use_webhook:
            configured = self.settings.webhook_url
            assert configured is not None
            # Never without a secret: the configured one, else one made once and kept.
            secret = self.settings.webhook_secret or keys.webhook_secret(self.settings.keys)
            url = hook_url(configured, secret)
            self.webhook = await WebhookServer(self.intake, secret, url, served).start(
                self.settings.webhook_listen, self.settings.webhook_port)
            await with_backoff(lambda: self.app.bot.set_webhook(
                url, secret_token=secret, allowed_updates=Update.ALL_TYPES), "setWebhook")
        else:
            if served:
                self.webapp = await WebappServer(served).start(
                    self.settings.webhook_listen, self.settings.webhook_port)
            self.poller = Poller(self.app, self.intake, poll_timeout)
            await self.poller.start()
        logger.info("bot @%s running (%s)", self.app.bot.username,
                    "webhook" if use_webhook else "polling")

    async def stop(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if self.webapp is not None:
            await self.webapp.stop()
            self.webapp = None
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None
        intake: Intake | None = self.app.bot_data.get(INTAKE_KEY)
        if intake is not None:
            await intake.stop()
        if self.app.running:
            await self.app.stop()
        await teardown(self.app)
        await self.app.shutdown()
