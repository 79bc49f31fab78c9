"""Example exports bundled for `kb demo` (written for this project)."""
