from penalties.candidates.exceptions import CandidateNotFound


class NoticeNotFound(CandidateNotFound):
    """No such notice."""
