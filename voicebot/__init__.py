"""voicebot: answers a council's phone line with local speech models and YAML call flows."""

__version__ = "0.1.0"
