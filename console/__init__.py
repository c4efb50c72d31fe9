"""`hall-console`: the web console for hall managers, county staff and the hall's public screen."""
