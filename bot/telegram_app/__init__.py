"""The Telegram adapter: python-telegram-bot handlers over the conversation service (only it imports telegram)."""
