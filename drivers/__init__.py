"""Serial drivers for the hall peripherals and their simulators (docs/drivers.md)."""
