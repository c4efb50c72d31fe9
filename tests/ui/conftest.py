"""ui.text imports Kivy: its environment must be set before the first import (as for the GUI tests)."""

from tests.support.kivy_harness import prepare_kivy

prepare_kivy()
