"""The service: configuration, scheduling, Telegram delivery and the command line."""
