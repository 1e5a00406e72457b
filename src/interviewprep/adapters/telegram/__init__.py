"""Telegram adapter (python-telegram-bot): renders what the services return."""
