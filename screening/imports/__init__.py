"""Bulk import of lab files: parsing, row checks and the one batch pipeline.

Three doors use it (the `import_results` command, the upload page and
`POST /api/v1/imports/`); see docs/import_format.md for the file format.
"""
