"""The hall-wide wing: what runs a whole hall rather than one part of it.

`hall-demo` and the kiosk demo, the command sender, broker rendering (with the `broker_config/`
templates as package data) and the process and port helpers that the demo and the tests share.
It may import every part of the project; no part imports it (tests/test_layers.py checks).
"""
