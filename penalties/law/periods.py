"""Periods the law sets on a violation's handling."""

from datetime import timedelta

# ND 168/2024 Art. 4(1): one year from the moment of recording; after it the violation cannot be sanctioned.
LIMITATION = timedelta(days=365)
