"""Fake peers that speak real protocols on 127.0.0.1 (Telegram Bot API, ...)."""
