"""How the analysis is shown: words (labels), figures, tables, the numbers the page prints (numbers.json, provenance) and the page's template."""
