"""Device simulators on pseudo-terminals (`hall-sim`)."""
