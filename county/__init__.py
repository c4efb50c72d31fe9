"""Reference county rating service: stores every event once, acks it, answers kiosks."""
