"""surveymod.indicators."""
