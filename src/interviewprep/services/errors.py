"""Errors the services raise; each message is written to be shown to the person."""

from __future__ import annotations


class PracticeError(Exception):
    """Base class: ``str(error)`` is a clear, user-facing sentence."""


class NotEnrolled(PracticeError):
    """No person behind this id or platform account."""

    def __init__(self) -> None:
        super().__init__("You are not enrolled yet: start with /start (or `interviewprep drill`).")


class UnknownAttempt(PracticeError):
    """The attempt does not exist or belongs to someone else (forged or stale)."""

    def __init__(self) -> None:
        super().__init__("That question is not open for you (it may be old or someone else's).")


class AttemptClosed(PracticeError):
    """The attempt was skipped or revealed; answering it now would change nothing."""

    def __init__(self, status: str) -> None:
        if status == "asked":
            super().__init__("You have not answered that question yet.")
        else:
            super().__init__(f"You already {status} this question; ask for the next one.")


class QuestionRemoved(PracticeError):
    """The question left the bank after it was asked."""

    def __init__(self, question_id: str) -> None:
        super().__init__(
            f"Question {question_id} is no longer in the question bank; "
            "your history is kept. Ask for the next one."
        )


class UnknownQuestion(PracticeError):
    """No question with this id in the bank."""

    def __init__(self, question_id: str) -> None:
        super().__init__(f"There is no question {question_id!r} in the bank.")


class InvalidAnswer(PracticeError):
    """Empty, too long, or otherwise unusable answer text; the attempt stays open."""


class UnknownReview(PracticeError):
    """The review does not exist or belongs to someone else."""

    def __init__(self) -> None:
        super().__init__("That answer is not yours to rate (it may be old or someone else's).")


class RatingLocked(PracticeError):
    """A later review of the same question exists; this rating can no longer change."""

    def __init__(self) -> None:
        super().__init__(
            "You have answered this question again since; only the latest answer can be re-rated."
        )


class InvalidSetting(PracticeError):
    """A settings change was refused; the message names the setting."""


class UnknownGroup(PracticeError):
    """No group set up here (or it was removed)."""

    def __init__(self) -> None:
        super().__init__("This group has no daily question set up yet (an admin can set it up).")


class StaleGroupQuestion(PracticeError):
    """A button or reply for another group's question, or for a day that is over."""

    def __init__(self) -> None:
        super().__init__(
            "That question is not today's question for this group; answer the latest post."
        )


class GroupQuestionDone(PracticeError):
    """The member already answered (or skipped, revealed) the group's question."""

    def __init__(self) -> None:
        super().__init__("You have already answered today's group question; see you tomorrow.")


class LinkError(PracticeError):
    """A link code that cannot be used; the message says why."""
