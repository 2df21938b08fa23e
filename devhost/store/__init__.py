"""Durable state on disk: the SQLite event store and the history events written into it.

``event_store`` holds instances, their histories, and the queues of work between them (inbox
messages, timers, activities, entity operations); every change of an episode commits in one
transaction, so a crash leaves all of it or none. ``events`` builds and reads history events in the
shape the Durable Functions SDK replays. This is the bottom floor: it imports nothing of the host.
"""
