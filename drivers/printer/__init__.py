"""ESC/POS receipt printer over serial: receipt rendering (python-escpos, GB18030), status, driver."""
