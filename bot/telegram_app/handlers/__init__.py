"""Telegram handlers: parse the update, call one service method for the sender, render the result, reply.

Small ``async def name(update, context) -> None`` functions with a one-line docstring, one
module per part of the conversation. They hold no rules and no wording (``bot.services``
decides, ``bot.rendering`` words it) and register nothing: ``bot.telegram_app.app`` adds
every one of them, in one commented order.
"""
