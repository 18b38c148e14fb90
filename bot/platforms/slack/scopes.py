"""The bot scopes circlekeeper asks for: the fewest that work (they match slack-manifest.yml).

No history scope for channels: the bot never reads what members write in circle channels.
``im:history`` lets a retried direct message look for its own earlier copy (by message
metadata) instead of sending a second one.
"""

from __future__ import annotations

BOT_SCOPES: tuple[str, ...] = (
    "commands",  # the /circle slash command
    "chat:write",  # posts in circle channels (the bot is a member) and DMs; ephemeral replies
    "groups:write",  # create private circle channels, set their topic, invite and remove people
    "im:write",  # open a direct message with a person
    "im:history",  # a retried DM looks for its own metadata before sending again
    "pins:write",  # pin the ground rules
    "files:write",  # attendance charts and .ics calendars
    "users:read",  # check that a mentioned person is in this workspace; admins are organizers
)
