"""Platform adapters: the only code that knows Discord, Slack or the terminal."""
