"""``python -m bot.cli``: the ``quotebot`` console script without installing it."""

import sys

from bot.cli import main

sys.exit(main())
