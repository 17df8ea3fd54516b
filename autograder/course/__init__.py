"""The instructor's authoring: student stubs, lectures and their site, the release, reference values."""
