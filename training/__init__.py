"""Training-time code: rebuilds the judge from the corpus (`make train`). Not imported at run time."""
