"""Open data: anonymised monthly statistics of confirmed violations (CSV and JSON, k-anonymous cells),
published to the evidence store by `tvp opendata publish` and a scheduled job."""
