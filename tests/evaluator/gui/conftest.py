"""GUI tests render real pixels offscreen; Kivy's environment must be set before its import."""

from tests.support.kivy_harness import prepare_kivy

prepare_kivy()
