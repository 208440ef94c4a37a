"""`python -m bot` is the `feedbot` command."""

from bot.cli import main

raise SystemExit(main())
