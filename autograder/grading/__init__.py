"""The instructor's grading: orchestration, intake, the sandboxed kernel, hidden records, the
gradebook and the exports. Never shipped to students."""
