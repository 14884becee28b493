"""The build: parameters, what is stale, running the notebooks with papermill, exporting the page with nbconvert, publishing it as one set. Notebooks never import it."""
