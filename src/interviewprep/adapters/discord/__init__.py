"""Discord adapter (discord.py): renders what the services return."""
