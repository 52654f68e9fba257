"""The record folders of content/, by name, without the schema that validates them.

The input scan needs only these names, and a build with nothing to do should not import pydantic
to learn them; `schema.RECORD_TYPES` gives each its models, in the same order (a test checks)."""

RECORD_SECTIONS = ("commitments", "themes", "events", "stories", "glossary")
