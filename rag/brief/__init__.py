"""One-page cited briefs per topic: the job (job.py), its rendering (render.py), batches (batch.py)."""
