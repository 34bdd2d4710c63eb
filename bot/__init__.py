"""Choucha: the core (models, domain, services, rendering, scheduler jobs, CLI, emulator)."""
