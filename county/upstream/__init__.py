"""Reporting every stored rating to the provincial 好差评 system (docs/county.md, "Upstream")."""
