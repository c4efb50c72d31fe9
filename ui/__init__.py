"""Shared Kivy pieces of the evaluator and the kiosk: fonts, QR widget, rating widgets."""
