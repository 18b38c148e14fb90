"""Feature modules: each declares its commands once and answers them through core services."""
