"""The council's own data and the actions call flows may take on it."""
