"""Use cases: each opens one transaction, calls storage, writes audit and outbox rows."""
