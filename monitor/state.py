"""The manager's model moved to `core.hall_view` (shared with `hall-console`); this name stays
for the callers that still import it from here."""

from core.hall_view import SILENT_AFTER_MS, BadRatingAlert, DeviceView, HallState

__all__ = ["SILENT_AFTER_MS", "BadRatingAlert", "DeviceView", "HallState"]
