"""The kiosk's Kivy view: thin screens that render `kiosk.controller.KioskController`."""
