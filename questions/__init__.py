"""The built-in question packs; shipped inside the package as ``interviewprep.questions``."""
