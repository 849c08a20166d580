"""Outcome reports: is the programme working for these students?

Three layers, kept apart so each can be tested alone:

- `data`: what a report may read, loaded with a fixed handful of queries and pseudonymised on the
  way in. Students are a random id drawn for this report only; codes, names, mentors and free text
  are never selected, so nothing downstream could leak them.
- `figures`: pure computation from that data to a flat list of `Figure`s, each with the students
  behind it; a figure from fewer than `MIN_STUDENTS` students is withheld there, once, for every
  renderer (HTML, CSV, chat).
- `bot/reports/`: charts (matplotlib), the HTML report and the evaluators' CSV.
"""
