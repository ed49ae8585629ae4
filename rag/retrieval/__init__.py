"""Question → ranked chunks, in stages: candidates → fusion → time prior → rescoring → selection.

Each stage is a small object built from `RetrievalSettings`, so an ablation
switches one off and adding one is a file plus a settings field.
"""
