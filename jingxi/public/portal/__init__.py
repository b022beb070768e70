"""The disclosure portal (公开): figures, the grid map, typical cases, road-chief boards,
consultations, suggestions, hearings, media exposures and bulletins, with the office's
pages that keep them (views_staff.py, views_bulletins.py)."""
