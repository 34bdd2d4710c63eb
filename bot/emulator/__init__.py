"""A local Telegram Bot API: the server the bot talks to in tests and in local mode."""

from bot.emulator.client import EmulatedUser
from bot.emulator.core import ApiError, Emulator

__all__ = ["ApiError", "EmulatedUser", "Emulator"]
