"""The evaluator's Kivy view: renders the controller's view-model, forwards touches.

Import only after `ui.env.prepare()` (it imports Kivy).
"""
