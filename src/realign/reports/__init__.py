"""Reports for people: Markdown (and, later, HTML) renderings of assessments."""
