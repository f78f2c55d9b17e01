"""Driving-school training (đào tạo lái xe): learners enrolled at a centre by CCCD, and their training
sessions checked in and out with a face re-verification, counted by the DAT device rules (rules.py)."""
