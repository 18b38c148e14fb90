"""Operating the bot: health and metrics endpoint, logs, doctor, backups, shutdown."""
