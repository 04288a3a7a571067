"""Commands decide: each loads what it needs, checks the rule, and appends events."""
