"""The course's instructor tools: student stubs, the training demo, and (later) grading."""
