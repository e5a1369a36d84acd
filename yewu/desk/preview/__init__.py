"""The settings page and its preview of affected open documents (SPEC §8.5): reads every business area."""
