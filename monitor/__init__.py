"""Live view of every device for hall managers."""
