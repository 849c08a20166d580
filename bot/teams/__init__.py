"""Microsoft Teams: the same product in Teams, on the same handlers.

- `auth.py`: who may call us (inbound tokens from Teams) and who we are (the bot's outbound token)
- `connector.py`: posting and updating activities through the Bot Framework connector
- `references.py`: where the bot may write on its own initiative (conversation references)
- `cards.py`: Adaptive Cards built from the handlers' results (help, check-in form, prompt, alert)
- `stamps.py`: the school on every card: its id in each button's data, its name on top
- `bot.py`: one incoming activity to a use case and the answer back
- `notifier.py`: the `handlers.delivery.Notifier` for Teams schools (prompts, digests, alerts)
- `app.py`: the FastAPI router serving POST /api/messages, to mount in the web app
- `package.py`: the Teams app package (manifest and icons) for `mentorbot teams-package`
"""
