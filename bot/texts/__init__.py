"""Words: what a person reads, in their language, below the services that queue it.

The services word their notices and reports with these modules, and the views word their
screens with them too; nothing here reads the database or knows Telegram. (Issue 30
moves every word here step by step: the labels, the notices' keyboards, the legal
wordings and the follow-up history so far.)"""
