"""mkdocs hooks (mkdocs.yml `hooks:`) the docs site builds with."""
