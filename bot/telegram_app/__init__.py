"""The Telegram adapter: python-telegram-bot handlers over the practice core (the only place importing telegram)."""
