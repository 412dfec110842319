"""``python -m bot``: run the bot, or one of the command-line tools (see ``--help``)."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
