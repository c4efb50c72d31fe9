"""Kiosk GUI tests run each window in a subprocess (the kiosk's 1080×1920 window; an offscreen
window keeps the size it opened with), so nothing here imports Kivy."""
