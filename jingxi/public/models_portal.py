"""Models of the disclosure portal, consultations and suggestions (the portal's file)."""
