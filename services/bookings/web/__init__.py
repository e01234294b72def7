"""Server-rendered, accessible HTML catalogue and course pages beside the JSON API."""
