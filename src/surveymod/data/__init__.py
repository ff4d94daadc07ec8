"""surveymod.data."""
