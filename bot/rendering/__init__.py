"""The rendering layer: every sentence the user reads (Telegram HTML; ``texts.plain`` for the console), and charts.

Made from the domain's results only: rendering never calls a service or the database.
"""
