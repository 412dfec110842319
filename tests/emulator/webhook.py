"""Delivering updates to a webhook the bot registered with setWebhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .methods import is_loopback_url, sleep_or_close
from .state import EmulatorState

JSON = dict[str, Any]
Executor = Callable[[str, JSON], Awaitable[None]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class WebhookDelivery:
    """One POST of an update to the webhook."""

    update_id: int
    status: int
    error: str | None


class WebhookDeliverer:
    """POSTs pending updates, in order, to the webhook URL while one is set.

    Only loopback URLs are contacted; for any other URL updates just stay pending (as
    getWebhookInfo's pending_update_count shows). A 2xx answer confirms the update; any
    other answer or a network error is recorded as last_error_* and retried after a short
    back-off. A JSON answer with a "method" field is executed like a Bot API call, as
    Telegram does with webhook replies.
    """

    def __init__(self, state: EmulatorState, execute: Executor, retry_delay: float = 0.2) -> None:
        self.state = state
        self._execute = execute
        self._retry_delay = retry_delay
        self._task: asyncio.Task[None] | None = None
        self.deliveries: list[WebhookDelivery] = []

    def refresh(self) -> None:
        """Start or stop delivering after the webhook configuration changed."""
        url = self.state.webhook.url
        wanted = bool(url) and is_loopback_url(url)
        if wanted and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="emulator-webhook")
        elif not wanted and self._task is not None:
            self._task.cancel()
            self._task = None

    async def stop(self) -> None:
        """Stop delivering and wait for the delivery task to finish."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        """The delivery loop."""
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not self.state.closing and self.state.webhook.url:
                pending = self.state.updates.peek(1)
                if not pending:
                    await self.state.notifier.wait(None)
                    continue
                update = pending[0]
                if await self._post(session, update):
                    self.state.updates.confirm(int(update["update_id"]) + 1)
                else:
                    await sleep_or_close(self.state, self._retry_delay)

    async def _post(self, session: aiohttp.ClientSession, update: JSON) -> bool:
        """POST one update; return whether the webhook accepted it."""
        webhook = self.state.webhook
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers) as response:
                body = await response.read()
                status, reason = response.status, response.reason
        except (aiohttp.ClientError, TimeoutError) as exc:
            return self._failed(update, 0, f"Connection failed: {exc.__class__.__name__}")
        if not 200 <= status < 300:
            return self._failed(update, status, f"Wrong response from the webhook: {status} {reason}")
        self.deliveries.append(WebhookDelivery(int(update["update_id"]), status, None))
        self.state.notifier.notify()
        await self._run_reply(body)
        return True

    def _failed(self, update: JSON, status: int, message: str) -> bool:
        """Record a failed delivery; always returns False."""
        self.state.webhook.last_error_date = self.state.now()
        self.state.webhook.last_error_message = message
        self.deliveries.append(WebhookDelivery(int(update["update_id"]), status, message))
        self.state.notifier.notify()
        return False

    async def _run_reply(self, body: bytes) -> None:
        """Execute a method call sent back in the webhook's response body."""
        try:
            reply = json.loads(body) if body.strip() else None
        except ValueError:
            return
        if isinstance(reply, dict) and isinstance(reply.get("method"), str):
            params = {key: value for key, value in reply.items() if key != "method"}
            await self._execute(str(reply["method"]), params)
