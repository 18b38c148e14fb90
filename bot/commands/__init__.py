"""The command layer: declarations, the text grammar, context, replies and the router."""
