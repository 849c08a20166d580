"""The clock: APScheduler ticks that prompt mentors when check-ins are due (see the clock issue)."""
