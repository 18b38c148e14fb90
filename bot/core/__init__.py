"""Core services and rules: platform-neutral, talking to platforms only through the chat port."""
