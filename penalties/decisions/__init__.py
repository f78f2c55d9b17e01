"""Sanction decisions (quyết định xử phạt) and the licence points ledger they feed."""
