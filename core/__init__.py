"""Shared core of the hall terminals: payload models, topics, configuration, outbox, MQTT link.

Imports neither Kivy nor pyserial (CONTRIBUTING.md; tests/test_layers.py checks).
"""
