"""Language: what callers say, made canonical, and values made speakable."""
