"""The console adapter: the bot in a terminal, for trying it out and for tests."""
