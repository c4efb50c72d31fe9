"""Resident ID card reader (GA 467 SAM protocol): frames, card record, driver."""
