"""Serial drivers for the hall peripherals and their simulators (DESIGN §6)."""
