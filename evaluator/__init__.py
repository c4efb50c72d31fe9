"""Window rating terminal (评价器): controller, Kivy view, headless mode."""
