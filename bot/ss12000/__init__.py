"""The school's own attendance and grades, read from its SS 12000 source (see client.py, records.py)."""
