"""Development-only tools (the all-in-one development server, the lock file). Never imported by a production start."""
