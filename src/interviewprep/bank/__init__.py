"""interviewprep."""
