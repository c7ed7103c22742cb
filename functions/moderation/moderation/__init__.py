"""The moderation function: Dify points app.moderation.input and app.moderation.output."""
