"""Penalty notices: issued on confirmation, delivered, cancelled; their states, PDF and legal clocks."""
