"""The instructor's grading: orchestration, intake, the sandboxed kernel, hidden records, the
gradebook, the exports, and the Gradescope and Autolab packages that run it on those platforms.
Never shipped to students."""
