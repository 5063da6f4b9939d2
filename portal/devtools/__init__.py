"""Development-only tools (the all-in-one development server). Never imported by a production start."""
