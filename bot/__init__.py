"""The edge of mentorbot: chat platform adapters, rendering, translations, configuration and CLI."""
