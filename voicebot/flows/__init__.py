"""Call flows: YAML written by council staff, and the engine that runs them as a dialogue."""
