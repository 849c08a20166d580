"""What a person can do, written once for every chat platform.

Each use case takes the acting member and plain arguments, checks that the member may do it,
changes the data, and returns an `Outcome`: what to show the actor and whom to notify. Nothing
here imports a chat SDK; `bot/` renders outcomes for Slack, Teams and the console.
"""
