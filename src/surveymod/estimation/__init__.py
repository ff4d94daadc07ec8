"""surveymod.estimation."""
