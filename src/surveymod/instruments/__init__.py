"""surveymod.instruments."""
